"""Demo digital editions: five audiobooks at the 红领巾书屋 book house ("scan with the
phone to listen at any time"), each title also shelved there as a paper copy, so the
house's QR poster carries all five. The recordings' addresses are placeholders on a
media host the library would run (``MEDIA``): a real deployment attaches its own."""
from shared.demo import expect

MEDIA = "https://media.linli.example/audiobooks"

BOOK_HOUSE = "红领巾书屋"
AUDIOBOOKS = [("活着", 562), ("骆驼祥子", 611), ("城南旧事", 298), ("朝花夕拾", 254),
              ("西游记", 1860)]


def load(api, branches: list[dict], staff_token: str) -> None:
    house = next(b for b in branches if b["name"] == BOOK_HOUSE)
    for n, (name, minutes) in enumerate(AUDIOBOOKS):
        found = expect(api.get(f"/library/titles?q={name}&limit=1", staff_token))["items"]
        if not found:
            continue
        title = found[0]
        api.post("/library/copies", {"title_id": title["id"], "code": f"AB{n:04d}-1",
                                     "branch_id": house["id"]}, staff_token)
        expect(api.post(f"/library/titles/{title['id']}/editions",
                        {"kind": "audiobook", "url": f"{MEDIA}/{n + 1:02d}.mp3",
                         "minutes": minutes}, staff_token))
