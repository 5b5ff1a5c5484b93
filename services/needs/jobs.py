"""The needs service's sweep, callable with any ``as_of`` instant (the timer passes
now, tests and ``POST /admin/jobs/needs-claim-expiry`` their own). Each claim is
given back by one conditional update on ``{_id, status: claimed}`` (storage), so N
replicas never act twice and a second run for the same ``as_of`` processes nothing."""
from shared.errors import Conflict
from shared.jobs import Run, Schedule

schedule = Schedule("needs")
BATCH = 200


@schedule.job("needs-claim-expiry", every="needs_sweep_seconds")
def expire_claims(store, run: Run) -> int:
    """A wish claimed and not fulfilled by its ``claim_due_at`` goes back on the wall
    (``LINLI_NEEDS_CLAIM_DAYS``, default 14); the wisher is told."""
    processed = 0
    while True:
        batch = store.claims_due(run.as_of, run.community_id, BATCH)
        for wish in batch:
            try:
                store.move_wish(wish, "expire", released_claim(), "needs.wish_unclaimed",
                                lambda doc, wish=wish: unclaimed_event(wish, doc, expired=True),
                                extra_filter={"claimer_id": wish["claimer_id"]})
                processed += 1
            except Conflict:  # fulfilled, given back or expired by another replica meanwhile
                pass
        if len(batch) < BATCH:
            return processed


def released_claim() -> dict:
    return {"claimer_id": None, "claimer_name": None, "claimer_phone": None,
            "claimed_at": None, "claim_due_at": None}


def unclaimed_event(wish: dict, doc: dict, expired: bool) -> dict:
    return {"wish_id": doc["_id"], "resident_id": doc["wisher_id"],
            "claimer_id": wish["claimer_id"], "community_id": doc["community_id"],
            "title": doc["title"], "expired": expired}
