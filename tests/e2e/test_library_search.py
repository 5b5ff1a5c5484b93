"""Catalogue search through the real gateway and on the real database: pages of a
common keyword, titles written before search had postings, replicas posting at once."""
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from shared import clock, mongo

L = "/api/v1/library"


@pytest.fixture(scope="module")
def store(stack):
    from services.library.storage import LibraryStore
    s = LibraryStore(mongo.client(stack.mongo_uris["library"]))
    s.outbox.relay_enabled = False
    return s


def _staff(api):
    community = api.community()
    return api.staff(community["id"])["token"]


def _pages(api, token, q, limit):
    ids, cursor, pages = [], None, 0
    while True:
        params = {"q": q, "limit": limit, **({"cursor": cursor} if cursor else {})}
        answer = api.get(f"{L}/titles", token, params=params)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        ids += [t["id"] for t in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            return ids, pages


def test_paging_a_common_keyword_lists_every_title_once_newest_first(api):
    token = _staff(api)
    tag = "丛书" + uuid.uuid4().hex[:6]
    rows = [{"title": f"社区读本第{n}册", "author": "编委会", "tags": [tag, "生活"]}
            for n in range(23)]
    assert api.post(f"{L}/imports", {"rows": rows}, token).status_code == 201
    newest = api.post(f"{L}/titles", {"title": "社区读本续编", "author": "编委会",
                                      "tags": [tag]}, token)
    assert newest.status_code == 201, newest.text

    everything, _ = _pages(api, token, tag, 50)
    assert len(everything) == 24 and everything[0] == newest.json()["id"]
    for q in (tag, f"{tag} 编委会", f"读本 {tag}"):
        ids, pages = _pages(api, token, q, 10)
        assert (ids, pages) == (everything, 3), q
    only_imported, pages = _pages(api, token, f"{tag} 生活", 10)
    assert (only_imported, pages) == (everything[1:], 3)


def test_titles_added_at_once_under_one_new_keyword_are_each_found_after_their_201(api, stack):
    token = _staff(api)
    tag = "同时" + uuid.uuid4().hex[:6]

    def add(n):
        name = "同时上架" + "甲乙丙丁戊己庚辛"[n]
        with requests.Session() as http:
            answer = http.post(stack.url + f"{L}/titles", timeout=60,
                               json={"title": name, "author": "编委会", "tags": [tag]},
                               headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.text
        found = api.get(f"{L}/titles", token, params={"q": f"{name} {tag}"}).json()
        assert [t["id"] for t in found["items"]] == [answer.json()["id"]]
        return answer.json()["id"]

    with ThreadPoolExecutor(max_workers=8) as pool:
        added = list(pool.map(add, range(8)))
    ids, _ = _pages(api, token, tag, 5)
    assert sorted(ids) == sorted(added)


def test_titles_written_before_postings_are_found_once_posted(api, store):
    """An older version wrote titles without postings (and an older replica may still,
    during a rolling update): start-up and the sweep post them."""
    token = _staff(api)
    tag = "旧书" + uuid.uuid4().hex[:6]
    old = []
    for n in range(3):
        doc = store.title_doc({"title": f"老街往事{n}", "author": "居民", "tags": [tag]})
        del doc["in_postings"]
        old.append(doc)
    store.titles.insert_many(old)

    store.post_unposted_titles()
    found = api.get(f"{L}/titles", token, params={"q": tag}).json()["items"]
    assert sorted(t["id"] for t in found) == sorted(d["_id"] for d in old)
    assert store.post_unposted_titles() == 0


def test_replicas_posting_old_titles_at_once_post_each_once(api, store, stack):
    from services.library import search
    from services.library.storage import LibraryStore
    mark = uuid.uuid4().hex[:8]   # the tag's Latin run: a posting key of its own
    tag = "同启" + mark
    old = []
    for n in range(40):
        doc = store.title_doc({"title": f"并发旧书{n}", "author": "居民", "tags": [tag]})
        del doc["in_postings"]
        old.append(doc)
    store.titles.insert_many(old)
    replicas = [LibraryStore(mongo.client(stack.mongo_uris["library"])) for _ in range(3)]
    posted = []

    def start(replica):
        posted.append(replica.post_unposted_titles(batch=7))

    threads = [threading.Thread(target=start, args=(r,)) for r in replicas]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.titles.count_documents({"_id": {"$in": [d["_id"] for d in old]},
                                         "in_postings": None}) == 0
    assert sum(posted) == 40
    entries = store.postings.find_one({"_id": mark})["entries"]
    assert sorted(entries, reverse=True) == sorted(
        (search.entry(clock.as_utc(d["created_at"]), d["_id"]) for d in old), reverse=True)
    token = _staff(api)
    ids, _ = _pages(api, token, tag, 15)
    assert sorted(ids) == sorted(d["_id"] for d in old)
