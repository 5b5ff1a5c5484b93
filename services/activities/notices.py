"""What the activities service's events say: the data of each, built from a sign-up
(plain values in, plain values out)."""
from shared import clock


def when(instant) -> str:
    """The local date and time people read in a message: ``2026-12-05 09:30``."""
    return clock.as_utc(instant).astimezone(clock.community_tz()).strftime("%Y-%m-%d %H:%M")


def about(signup: dict) -> dict:
    """What every sign-up event says: which sign-up, whose, which activity."""
    return {"signup_id": signup["_id"], "activity_id": signup["activity_id"],
            "resident_id": signup["resident_id"], "community_id": signup["community_id"],
            "title": signup["title"], "when": when(signup["starts_at"]), "size": signup["size"]}


def waitlisted(signup: dict) -> dict:
    return {**about(signup), "position": signup["position"]}


def offered(signup: dict) -> dict:
    return {**about(signup), "expires_at": clock.iso(signup["offer_expires_at"])}


def attended(signup: dict, points: int) -> dict:
    return {**about(signup), "points": points}


def invitation(activity: dict, resident_id: str) -> dict:
    return {"activity_id": activity["_id"], "resident_id": resident_id,
            "community_id": activity["community_id"], "title": activity["title"],
            "when": when(activity["starts_at"]), "location": activity["location"]}
