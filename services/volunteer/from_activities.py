"""Points for attending community activities: the volunteer service owns the ledger,
so the activities service only says that a party attended
(``activities.attendance_recorded``) and this handler credits the resident who signed
up, from the community's pool, once.

Once, whatever happens to the event: the grant's key is the sign-up
(``attendance:<signup_id>``), and the ledger holds one grant per key and resident
under a unique index, so a redelivered event, or a second event for the same
sign-up, meets the first transfer and writes nothing."""
from shared.events import handles


def attendance_key(signup_id: str) -> str:
    return f"attendance:{signup_id}"


class AttendancePoints:
    """Mixin of VolunteerService: the handler of attendance at activities."""

    @handles("activities.attendance_recorded")
    def on_attendance_recorded(self, event):
        """Credit ``points`` to the resident who signed up, once per sign-up."""
        data = event["data"]
        if data["points"] > 0:
            self.store.grant(data["community_id"], data["resident_id"], data["points"],
                             attendance_key(data["signup_id"]), f"attended {data['title']}",
                             "activities")
