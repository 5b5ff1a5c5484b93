"""100 readers scan the same copy at the same instant, across two library replicas:
exactly one loan. One reader racing for many copies never passes the limit of 5."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.helpers import eventually

L = "/api/v1/library"


@pytest.fixture(scope="module")
def second_replica(stack):
    stack.start_service("library", replica=1)
    yield
    stack.stop("library-1")


def test_a_hundred_simultaneous_checkouts_of_one_copy_give_one_loan(api, stack, second_replica):
    community = api.community()
    staff = api.staff(community["id"])
    branch = api.post(f"{L}/branches", {"name": "书屋", "community_id": community["id"],
                                        "kind": "book_house"}, staff["token"]).json()
    title = api.post(f"{L}/titles", {"title": "人世间", "author": "梁晓声", "tags": ["小说"]},
                     staff["token"]).json()
    code = "RACE-" + uuid.uuid4().hex[:8]
    assert api.post(f"{L}/copies", {"title_id": title["id"], "code": code,
                                    "branch_id": branch["id"]}, staff["token"]).status_code == 201
    readers = [api.resident(community["id"], name=f"读者{n}") for n in range(100)]

    def scan(reader):
        with requests.Session() as http:
            answer = http.post(stack.url + f"{L}/loans", json={"code": code, "branch_id": branch["id"]},
                               headers={"Authorization": f"Bearer {reader['token']}"}, timeout=60)
            return answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(scan, readers))
    statuses = sorted(s for s, _ in results)
    assert statuses.count(201) == 1, statuses
    assert set(statuses) == {201, 409}, statuses
    winner = next(body for s, body in results if s == 201)
    loans = [r for r in readers
             if api.get(f"{L}/loans", r["token"]).json()["items"]]
    assert len(loans) == 1 and loans[0]["id"] == winner["resident_id"]
    copy = api.get(f"{L}/copies/{code}", staff["token"]).json()
    assert copy["status"] == "on_loan"

    # the loan_created event reaches the winner's inbox
    def has_message():
        inbox = api.get("/api/v1/notifications", loans[0]["token"]).json()["items"]
        return [m for m in inbox if m["category"] == "library.loan_created"]
    eventually(has_message, seconds=30)


def test_one_reader_racing_for_eight_copies_gets_at_most_five(api, stack, second_replica):
    community = api.community()
    staff = api.staff(community["id"])
    branch = api.post(f"{L}/branches", {"name": "邻里图书馆", "community_id": community["id"],
                                        "kind": "library"}, staff["token"]).json()
    codes = []
    for n in range(8):
        title = api.post(f"{L}/titles", {"title": f"丛书第{n}册", "author": "编委会"},
                         staff["token"]).json()
        code = f"LIM-{uuid.uuid4().hex[:8]}"
        api.post(f"{L}/copies", {"title_id": title["id"], "code": code,
                                 "branch_id": branch["id"]}, staff["token"])
        codes.append(code)
    reader = api.resident(community["id"])

    def scan(code):
        with requests.Session() as http:
            return http.post(stack.url + f"{L}/loans", json={"code": code, "branch_id": branch["id"]},
                             headers={"Authorization": f"Bearer {reader['token']}"},
                             timeout=60).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(scan, codes))
    assert statuses.count(201) == 5, statuses
    assert len(api.get(f"{L}/loans", reader["token"]).json()["items"]) == 5


def test_ten_simultaneous_holds_by_one_reader_give_five(api, stack, second_replica):
    community = api.community()
    staff = api.staff(community["id"])
    branch = api.post(f"{L}/branches", {"name": "邻里图书馆", "community_id": community["id"],
                                        "kind": "library"}, staff["token"]).json()
    titles = [api.post(f"{L}/titles", {"title": f"预约竞争第{n}册", "author": "编委会"},
                       staff["token"]).json()["id"] for n in range(10)]
    reader = api.resident(community["id"])

    def hold(title_id):
        with requests.Session() as http:
            answer = http.post(stack.url + f"{L}/holds",
                               json={"title_id": title_id, "pickup_branch_id": branch["id"]},
                               headers={"Authorization": f"Bearer {reader['token']}"}, timeout=60)
            return answer.status_code, answer.json()

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(hold, titles))
    statuses = [s for s, _ in results]
    assert statuses.count(201) == 5, results
    assert {body["error"]["code"] for s, body in results if s != 201} == {"hold_limit"}, results
    mine = api.get(f"{L}/holds", reader["token"]).json()["items"]
    assert len(mine) == 5
