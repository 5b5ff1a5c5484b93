"""Small helpers the tests share."""
import itertools
import time

_phones = itertools.count(int(time.time() * 1000) % 100_000_000)


def next_phone() -> str:
    return f"15{next(_phones) % 1_000_000_000:09d}"


def eventually(check, seconds: float = 15, interval: float = 0.2):
    """Poll ``check`` until it returns a truthy value; fail after ``seconds``."""
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    raise AssertionError(f"condition not met within {seconds}s (last: {last!r})")
