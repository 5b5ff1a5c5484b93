"""The facilities demo loads through the public API and looks like a real centre: a
reading room, the calligraphy room open around the clock, a private counselling room,
two speakers with a volume cap and hours, and residents' bookings for tomorrow."""
from services.facilities import demo


class _Prefixed:
    """The demo loaders' client: paths under /api/v1, the token last."""

    def __init__(self, api):
        self.api = api

    def post(self, path, json=None, token=None):
        return self.api.post("/api/v1" + path, json, token)

    def get(self, path, token=None):
        return self.api.get("/api/v1" + path, token)


def test_the_demo_centre_has_its_rooms_speakers_and_bookings(api):
    community = api.community()
    staff = api.staff(community["id"])
    residents = [api.resident(community["id"]) for _ in range(3)]
    demo.load(_Prefixed(api), community["id"], staff["token"], [r["token"] for r in residents])
    rooms = api.get("/api/v1/facilities/rooms", staff["token"],
                    params={"community_id": community["id"]}).json()["items"]
    by_kind = {r["kind"]: r for r in rooms}
    assert by_kind["calligraphy"]["opening"] is None
    assert by_kind["counselling"]["private"] is True
    assert by_kind["reading"]["opening"] == {"start": "08:00", "end": "21:00"}
    speakers = api.get("/api/v1/facilities/equipment", staff["token"],
                       params={"community_id": community["id"], "kind": "speaker"}).json()["items"]
    assert len(speakers) == 2 and all(s["rules"]["max_volume_db"] for s in speakers)
    booked = [api.get("/api/v1/facilities/room-bookings", r["token"]).json()["items"]
              for r in residents]
    assert [len(b) for b in booked] == [1, 1, 1]
