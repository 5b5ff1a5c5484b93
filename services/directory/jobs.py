"""The directory's sweep, callable with any ``as_of`` instant: places not verified for
180 days are flagged stale once, and their community's staff are told (an event)."""
from shared import clock
from shared.jobs import Run, Schedule

schedule = Schedule("directory")
BATCH = 500


@schedule.job("directory-stale", every="directory_sweep_seconds")
def flag_stale_places(store, run: Run) -> int:
    """Places whose last verification is 180 days old become stale, each told once."""
    processed = 0
    while True:
        batch = store.due_stale(run.as_of, run.community_id, BATCH)
        for place in batch:
            event = {"place_id": place["_id"], "community_id": place["community_id"],
                     "name": place["name"], "category": place["category"],
                     "verified_at": clock.iso(place["verified_at"])}
            if store.flag_stale(place, run.as_of, event):
                processed += 1
        if len(batch) < BATCH:
            return processed
