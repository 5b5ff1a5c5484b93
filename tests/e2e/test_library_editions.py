"""Digital editions through the gateway: staff attach audiobooks and e-books to titles,
a branch's poster is SVG whose QR codes decode (zxing-cpp) to the listening pages of
exactly the editions shelved there, plays are counted without a token once per client
and edition per 10 minutes (also when twenty arrive at once), and staff see the most
played at a branch; every route and status of the contract."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared.config import settings
from tests.qr import decode_poster

LIB = "/api/v1/library"


@pytest.fixture(scope="module")
def shelf(api):
    community = api.community()
    staff = api.staff(community["id"])
    other_staff = api.staff(api.community()["id"])
    resident = api.resident(community["id"])

    def branch(name):
        made = api.post(f"{LIB}/branches", {"name": name, "community_id": community["id"],
                                            "kind": "book_house"}, staff["token"])
        assert made.status_code == 201, made.text
        return made.json()

    def title(name):
        made = api.post(f"{LIB}/titles", {"title": name, "author": "作者", "tags": ["有声"]},
                        staff["token"])
        assert made.status_code == 201, made.text
        return made.json()

    house, library = branch("幸福里书屋"), branch("社区图书馆")
    shelved, elsewhere = title("活着"), title("城南旧事")
    for t, b in ((shelved, house), (elsewhere, library)):
        copy = api.post(f"{LIB}/copies", {"title_id": t["id"], "branch_id": b["id"],
                                          "code": "ED-" + uuid.uuid4().hex[:10]}, staff["token"])
        assert copy.status_code == 201, copy.text
    return {"community": community, "staff": staff, "other_staff": other_staff,
            "resident": resident, "house": house, "library": library,
            "shelved": shelved, "elsewhere": elsewhere}


def edition(api, shelf, title, kind="audiobook", minutes=95):
    made = api.post(f"{LIB}/titles/{title['id']}/editions",
                    {"kind": kind, "url": f"https://audio.example.org/{uuid.uuid4().hex}.mp3",
                     "minutes": minutes}, shelf["staff"]["token"])
    assert made.status_code == 201, made.text
    return made.json()


def play(api, edition_id, **body):
    return api.post(f"{LIB}/editions/{edition_id}/plays", body or None)


def test_editions_are_listed_with_their_title(api, shelf):
    audio = edition(api, shelf, shelf["shelved"])
    book = edition(api, shelf, shelf["shelved"], kind="ebook", minutes=None)
    assert audio["kind"] == "audiobook" and audio["minutes"] == 95 and audio["plays"] == 0
    seen = api.get(f"{LIB}/titles/{shelf['shelved']['id']}", shelf["resident"]["token"]).json()
    assert {e["id"] for e in seen["editions"]} >= {audio["id"], book["id"]}
    found = api.get(f"{LIB}/titles", shelf["resident"]["token"], params={"q": "活着"}).json()
    assert any(audio["id"] in {e["id"] for e in t["editions"]} for t in found["items"])


def test_the_poster_decodes_to_the_listening_pages_of_what_the_branch_shelves(api, shelf):
    here = [edition(api, shelf, shelf["shelved"]), edition(api, shelf, shelf["shelved"], "ebook")]
    away = edition(api, shelf, shelf["elsewhere"])
    answer = api.get(f"{LIB}/branches/{shelf['house']['id']}/poster", shelf["staff"]["token"])
    assert answer.status_code == 200, answer.text
    assert answer.headers["Content-Type"].startswith("image/svg+xml")
    urls = decode_poster(answer.text)
    web = settings().public_web_url
    assert {f"{web}/app/listen/{e['id']}" for e in here} <= set(urls)
    assert f"{web}/app/listen/{away['id']}" not in urls
    assert all(url.startswith(f"{web}/app/listen/") for url in urls)


def test_a_play_needs_no_token_and_counts_once_per_client_in_ten_minutes(api, shelf):
    audio = edition(api, shelf, shelf["shelved"])
    public = requests.get(api.base + f"{LIB}/editions/{audio['id']}", timeout=10)
    assert public.status_code == 200 and public.json()["title"] == "活着"
    first = play(api, audio["id"])
    assert first.status_code == 201, first.text
    assert first.json() == {"edition_id": audio["id"], "plays": 1}
    again = play(api, audio["id"])
    assert again.status_code == 429 and again.json()["error"]["code"] == "play_throttled"
    # another browser behind the same frontend counts on its own
    other = play(api, audio["id"], listener="browser-" + uuid.uuid4().hex[:8])
    assert other.status_code == 201 and other.json()["plays"] == 2
    assert api.get(f"{LIB}/editions/{audio['id']}").json()["plays"] == 2


def test_twenty_plays_at_once_from_one_client_count_once(api, shelf):
    audio = edition(api, shelf, shelf["shelved"])
    listener = "racer-" + uuid.uuid4().hex[:8]

    def press(_):
        return requests.post(api.base + f"{LIB}/editions/{audio['id']}/plays",
                             json={"listener": listener}, timeout=60).status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = sorted(pool.map(press, range(20)))
    assert statuses.count(201) == 1 and statuses.count(429) == 19, statuses
    assert api.get(f"{LIB}/editions/{audio['id']}").json()["plays"] == 1


def test_staff_see_the_most_played_at_a_branch(api, shelf):
    quiet, loved = edition(api, shelf, shelf["shelved"]), edition(api, shelf, shelf["shelved"])
    for i in range(3):
        assert play(api, loved["id"], listener=f"listener-{i}-{uuid.uuid4().hex[:6]}").status_code == 201
    away = edition(api, shelf, shelf["elsewhere"])
    play(api, away["id"], listener="listener-" + uuid.uuid4().hex[:8])
    answer = api.get(f"{LIB}/editions/popular", shelf["staff"]["token"],
                     params={"branch_id": shelf["house"]["id"]})
    assert answer.status_code == 200, answer.text
    items = answer.json()["items"]
    order = [i["edition_id"] for i in items]
    assert order[0] == loved["id"] and items[0]["plays"] == 3
    assert items[0]["title_id"] == shelf["shelved"]["id"]
    assert quiet["id"] in order and away["id"] not in order
    assert [i["plays"] for i in items] == sorted((i["plays"] for i in items), reverse=True)


def test_who_may_do_what_and_bad_input(api, shelf):
    title_id, house = shelf["shelved"]["id"], shelf["house"]["id"]
    good = {"kind": "audiobook", "url": "https://audio.example.org/a.mp3"}
    resident, staff = shelf["resident"]["token"], shelf["staff"]["token"]
    other = shelf["other_staff"]["token"]
    # attach
    assert api.post(f"{LIB}/titles/{title_id}/editions", good).status_code == 401
    assert api.post(f"{LIB}/titles/{title_id}/editions", good, resident).status_code == 403
    assert api.post(f"{LIB}/titles/nope/editions", good, staff).status_code == 404
    for bad, field in (({**good, "kind": "vinyl"}, "kind"), ({**good, "url": "ftp://x/a"}, "url"),
                       ({**good, "minutes": 0}, "minutes"), ({"kind": "ebook"}, "url"),
                       ({**good, "url": {"$gt": ""}}, "url.$gt"), ({**good, "x": 1}, "x")):
        answer = api.post(f"{LIB}/titles/{title_id}/editions", bad, staff)
        assert answer.status_code == 422 and field in answer.json()["error"]["details"], bad
    # the poster
    assert api.get(f"{LIB}/branches/{house}/poster").status_code == 401
    assert api.get(f"{LIB}/branches/{house}/poster", resident).status_code == 403
    assert api.get(f"{LIB}/branches/{house}/poster", other).status_code == 403
    assert api.get(f"{LIB}/branches/nope/poster", staff).status_code == 404
    # plays and the public edition
    assert play(api, "nope").status_code == 404
    assert api.get(f"{LIB}/editions/nope").status_code == 404
    assert play(api, "nope", listener="short").status_code == 422
    assert play(api, "nope", colour="red").status_code == 422
    # the most played
    popular = f"{LIB}/editions/popular"
    assert api.get(popular, params={"branch_id": house}).status_code == 401
    assert api.get(popular, resident, params={"branch_id": house}).status_code == 403
    assert api.get(popular, other, params={"branch_id": house}).status_code == 403
    assert api.get(popular, staff).status_code == 422
    assert api.get(popular, staff, params={"branch_id": "nope"}).status_code == 422
