"""A dependency that is down for minutes does not park events on the dead-letter queue."""
import pytest

from shared import config, events


@pytest.fixture
def env(monkeypatch):
    def use(**values):
        for key, value in values.items():
            monkeypatch.setenv(key, str(value))
        config.settings.cache_clear()
    for key in ("LINLI_EVENT_MAX_ATTEMPTS", "LINLI_EVENT_BACKOFF_MS", "LINLI_EVENT_BACKOFF_MAX_MS",
                "LINLI_ENV"):
        monkeypatch.delenv(key, raising=False)
    config.settings.cache_clear()
    yield use
    config.settings.cache_clear()


def test_the_defaults_ride_out_a_quarter_hour_outage_before_dead_lettering(env):
    env()
    assert events.max_attempts() == 12
    delays = [events.backoff_ms(n) for n in range(1, events.max_attempts())]
    assert delays[:3] == [1000, 2000, 4000]
    assert max(delays) == 300_000
    assert events.outage_survived_ms() == sum(delays) == 1_111_000
    assert events.outage_survived_ms() > 15 * 60 * 1000


def test_backoff_doubles_up_to_the_configured_cap(env):
    env(LINLI_EVENT_BACKOFF_MS=200, LINLI_EVENT_BACKOFF_MAX_MS=1000, LINLI_EVENT_MAX_ATTEMPTS=6)
    assert [events.backoff_ms(n) for n in range(1, 6)] == [200, 400, 800, 1000, 1000]
    assert events.outage_survived_ms() == 3400


def test_a_retry_queue_waits_its_backoff_then_returns_to_the_handler_queue(env):
    env(LINLI_EVENT_BACKOFF_MS=500)
    queue = events.retry_queue("evt-a-a.x--b.on_x", 3)
    assert queue.name == "evt-a-a.x--b.on_x.retry.3"
    assert queue.queue_arguments["x-message-ttl"] == 2000
    assert queue.queue_arguments["x-dead-letter-routing-key"] == "evt-a-a.x--b.on_x"


def test_a_cap_below_the_first_delay_is_refused(env):
    env(LINLI_EVENT_BACKOFF_MS=5000, LINLI_EVENT_BACKOFF_MAX_MS=1000)
    with pytest.raises(config.ConfigError):
        events.max_attempts()
