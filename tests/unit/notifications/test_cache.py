"""The preferences cache: fresh for a few seconds, forgotten at once on this process's
own writes, never pinning a value read while a write happened."""
from services.notifications.cache import TtlCache


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def loader(store, calls):
    def load(keys):
        calls.append(list(keys))
        return {k: store.get(k) for k in keys}
    return load


def test_a_value_is_read_once_within_its_time_to_live_and_again_after():
    clock, store, calls = Clock(), {"r1": "zh-CN"}, []
    cache = TtlCache(5, clock=clock)
    assert cache.get_many(["r1"], loader(store, calls)) == {"r1": "zh-CN"}
    store["r1"] = "en"  # changed through another replica
    clock.now = 4.9
    assert cache.get_many(["r1"], loader(store, calls)) == {"r1": "zh-CN"}
    clock.now = 5.1
    assert cache.get_many(["r1"], loader(store, calls)) == {"r1": "en"}
    assert calls == [["r1"], ["r1"]]


def test_a_write_in_this_process_takes_effect_at_once():
    clock, store, calls = Clock(), {"r1": "zh-CN", "r2": "en"}, []
    cache = TtlCache(5, clock=clock)
    cache.get_many(["r1", "r2"], loader(store, calls))
    store["r1"] = "en"
    cache.invalidate("r1")
    assert cache.get_many(["r1", "r2"], loader(store, calls)) == {"r1": "en", "r2": "en"}
    assert calls == [["r1", "r2"], ["r1"]]


def test_a_read_that_raced_a_write_is_not_kept():
    clock, store = Clock(), {"r1": "zh-CN"}
    cache = TtlCache(5, clock=clock)

    def slow_load(keys):
        value = {k: store[k] for k in keys}   # read the old value ...
        store["r1"] = "en"                    # ... while a write lands
        cache.invalidate("r1")
        return value
    assert cache.get_many(["r1"], slow_load) == {"r1": "zh-CN"}
    assert cache.get_many(["r1"], lambda keys: {k: store[k] for k in keys}) == {"r1": "en"}
