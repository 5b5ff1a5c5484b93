"""A short in-process cache with a time to live, for reads that may be a few seconds
stale (a resident's notification preferences on the delivery path)."""
import time


class TtlCache:
    """``get_many(keys, load)``: fresh entries from memory, the rest through ``load``.

    ``invalidate(key)`` forgets a key at once (this process's own writes); an entry
    loaded while an invalidation happened is not kept, so a read that raced a write
    never pins the old value for a whole TTL. Other processes' writes show after at
    most ``ttl_seconds``."""

    def __init__(self, ttl_seconds: float, max_entries: int = 50_000, clock=time.monotonic):
        self.ttl, self.max_entries, self.clock = ttl_seconds, max_entries, clock
        self.entries: dict = {}
        self.generation = 0

    def get_many(self, keys: list, load) -> dict:
        now = self.clock()
        found, missing = {}, []
        for key in keys:
            entry = self.entries.get(key)
            if entry and entry[0] > now:
                found[key] = entry[1]
            else:
                missing.append(key)
        if missing:
            generation = self.generation
            loaded = load(missing)
            found.update(loaded)
            if generation == self.generation and self.ttl > 0:
                if len(self.entries) + len(loaded) > self.max_entries:
                    self.entries.clear()
                expires = self.clock() + self.ttl
                for key, value in loaded.items():
                    self.entries[key] = (expires, value)
        return found

    def invalidate(self, key):
        self.generation += 1
        self.entries.pop(key, None)
