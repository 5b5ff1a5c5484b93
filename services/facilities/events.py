"""The data of the facilities events (shared/catalogue.py), built from the stored
documents in one place, so the service and its jobs say the same things."""
from shared import clock

BOOKING_FIELDS = ("resident_id", "community_id", "room_id", "room_name", "start", "end")
LOAN_FIELDS = ("resident_id", "community_id", "item_id", "item_name", "code", "due_at")


def shown(at) -> str:
    """An instant as people read it in a message: community time, to the minute."""
    return clock.as_utc(at).astimezone(clock.community_tz()).strftime("%Y-%m-%d %H:%M")


def booking_event(booking: dict) -> dict:
    return {"booking_id": booking["_id"], **{k: booking[k] for k in BOOKING_FIELDS},
            "start_local": shown(booking["start"]), "walk_in": booking.get("walk_in", False)}


def loan_event(loan: dict) -> dict:
    return {"loan_id": loan["_id"], **{k: loan[k] for k in LOAN_FIELDS},
            "due_local": shown(loan["due_at"]),
            "max_volume_db": loan["rules"].get("max_volume_db")}
