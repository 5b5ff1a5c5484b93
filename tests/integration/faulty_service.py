"""A service whose handler always fails: its events must end on the dead-letter queue
after the bounded retries, never acked and forgotten."""
from shared.events import handles
from shared.service import bootstrap

bootstrap("faulty")


class FaultyService:
    name = "faulty"

    @handles("residents.resident_registered")
    def always_fails(self, event):
        raise RuntimeError(f"cannot handle {event['event_id']}")
