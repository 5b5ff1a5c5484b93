"""The demo data of issue 18: the community's places (a clinic, a pharmacy open late, a
locksmith, the street office ...) and five audiobooks in the 红领巾书屋 book house,
whose poster carries their five QR codes."""
import datetime as dt

from services.directory import demo as directory_demo
from services.directory import places
from services.library import demo as library_demo
from services.library import editions_demo
from shared.config import settings
from tests.e2e.test_library_setup import DemoApi
from tests.qr import decode_poster


def test_demo_places_and_five_audiobooks_in_the_book_house(api, stack):
    community = api.community()
    staff = api.staff(community["id"])
    directory_demo.load(DemoApi(stack), community["id"], staff["token"], [])
    listed = api.get("/api/v1/directory/places", staff["token"],
                     params={"community_id": community["id"]}).json()["items"]
    kinds = {p["category"] for p in listed}
    assert {"clinic", "pharmacy", "repair", "government"} <= kinds
    pharmacy = next(p for p in listed if p["category"] == "pharmacy")
    late_friday = dt.datetime(2026, 12, 4, 1, 30)  # Thursday night, past midnight
    assert places.open_at(pharmacy["hours"], late_friday)

    library_demo.load(DemoApi(stack), community["id"], staff["token"], [])
    branches = api.get("/api/v1/library/branches", staff["token"],
                       params={"community_id": community["id"]}).json()["items"]
    house = next(b for b in branches if b["name"] == editions_demo.BOOK_HOUSE)
    poster = api.get(f"/api/v1/library/branches/{house['id']}/poster", staff["token"])
    urls = decode_poster(poster.text)
    assert len(urls) == len(editions_demo.AUDIOBOOKS) == 5
    assert all(u.startswith(settings().public_web_url + "/app/listen/") for u in urls)
