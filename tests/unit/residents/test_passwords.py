"""Password hashing in a nameko service leaves the event loop free for every other call."""
import eventlet
import pytest

from shared import auth


@pytest.fixture
def on_a_service_loop(monkeypatch):
    """As in a ``nameko run`` process (monkey-patched), without patching pytest itself."""
    monkeypatch.setattr(auth, "_on_eventlet_loop", lambda: True)


def _ticker():
    ticks = [0]

    def tick():
        while True:
            ticks[0] += 1
            eventlet.sleep(0)

    return ticks, eventlet.spawn(tick)


def test_other_greenlets_run_while_a_password_is_hashed(on_a_service_loop):
    ticks, ticker = _ticker()
    eventlet.sleep(0)
    try:
        before = ticks[0]
        stored = auth.hash_password("good-pass-1")   # no yield of our own before or after
        during_hash = ticks[0] - before
        before = ticks[0]
        assert auth.password_matches(stored, "good-pass-1")
        during_verify = ticks[0] - before
    finally:
        ticker.kill()
    assert during_hash > 0 and during_verify > 0


def test_a_wrong_password_off_the_loop_is_false_not_an_error(on_a_service_loop):
    stored = auth.hash_password("good-pass-1")
    assert not auth.password_matches(stored, "good-pass-2")
    assert not auth.password_matches("not-a-hash", "good-pass-1")


def test_the_default_profile_is_owasps_argon2id(monkeypatch):
    monkeypatch.delenv("LINLI_ARGON2_PROFILE", raising=False)
    auth.settings.cache_clear()
    try:
        hasher = auth._hasher()
        assert (hasher.type.name, hasher.memory_cost, hasher.time_cost, hasher.parallelism) == \
            ("ID", 19 * 1024, 2, 1)
    finally:
        auth.settings.cache_clear()


def test_hashes_of_another_profile_still_verify_and_ask_for_a_rehash():
    old = auth._hasher_for("rfc9106-low-memory").hash("good-pass-1")
    assert auth.password_matches(old, "good-pass-1")
    assert auth.password_needs_rehash(old)
    assert not auth.password_needs_rehash(auth.hash_password("good-pass-1"))
