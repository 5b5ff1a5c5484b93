"""No hot query walks a collection: every query that the services sent while the suite
ran (each process logs them, ``LINLI_QUERY_LOG``) is explained against the real
embedded server, and a collection scan fails the test unless it is listed below with
the reason it is fine. Runs after every other test, so it sees what they did; on its
own it first drives the hot paths itself."""
import glob
import json

import pymongo
import pytest

from tests.e2e.test_canteen import book, publish, day
from tests.helpers import eventually

pytestmark = pytest.mark.after_everything

# (database, collection, filter keys): scans that are fine, and why
SMALL_OR_RARE = {
    ("linli_residents", "communities", ()): "the district's communities (dozens), admin lists",
    ("linli_notifications", "pushes", ()): "start-up move of the old pushes collection "
                                           "into messages (empty once moved)",
    ("linli_library", "patrons", ("active_holds",)): "start-up count of each reader's holds, "
                                                     "once, for readers from before the limit",
}


def _shape(value):
    """A filter with its values replaced, so one query shape is explained once."""
    if isinstance(value, dict):
        return {k: _shape(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_shape(v) for v in value[:1]]
    return "?"


def _point_lookup(query) -> bool:
    """An ``_id`` equality is answered from the ``_id`` index whatever else the filter
    says (measured on the embedded server: the same rate at 1,000 and 40,000
    documents), although its explain then reports a COLLSCAN."""
    return isinstance(query["filter"].get("_id"), str)


def _scans(plan):
    if not isinstance(plan, dict):
        return False
    if plan.get("stage") == "COLLSCAN":
        return True
    children = [plan.get("inputStage")] + list(plan.get("inputStages") or [])
    return any(_scans(child) for child in children if child)


def logged_queries(stack):
    seen = {}
    for path in glob.glob(stack.env["LINLI_QUERY_LOG"] + ".*"):
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                query = json.loads(line)
                key = json.dumps([query["db"], query["collection"], _shape(query["filter"]),
                                  query["sort"]], sort_keys=True)
                seen.setdefault(key, query)
    return list(seen.values())


def hot_paths(api):
    """Bookings, menu reads, the inbox with a second page, sign-in and /me."""
    community = api.community()
    staff = api.staff(community["id"])
    site = api.post("/api/v1/canteen/sites", {"name": "计划食堂", "community_id": community["id"]},
                    staff["token"]).json()
    date = day(2)
    publish(api, staff["token"], site["id"], date)
    diner = api.resident(community["id"])
    assert book(api, diner["token"], site["id"], date).status_code == 201
    assert api.get(f"/api/v1/canteen/sites/{site['id']}/menus", diner["token"]).status_code == 200
    assert api.get("/api/v1/me", diner["token"]).status_code == 200
    pages = api.get("/api/v1/canteen/bookings?limit=1", diner["token"]).json()
    eventually(lambda: api.get("/api/v1/notifications?limit=1", diner["token"]).json()["items"])
    inbox = api.get("/api/v1/notifications?limit=1", diner["token"]).json()
    if inbox["next_cursor"]:
        api.get(f"/api/v1/notifications?limit=1&cursor={inbox['next_cursor']}", diner["token"])
    return pages


def test_no_query_walks_a_whole_collection(stack, api):
    hot_paths(api)
    queries = logged_queries(stack)
    services = {q["db"] for q in queries}
    assert {"linli_residents", "linli_canteen", "linli_notifications"} <= services, services
    scans = []
    for query in queries:
        allowed = (query["db"], query["collection"], tuple(sorted(query["filter"])))
        if allowed in SMALL_OR_RARE or _point_lookup(query):
            continue
        explain = {"find": query["collection"], "filter": query["filter"]}
        if query["sort"]:
            explain["sort"] = query["sort"]
        try:
            service = query["db"].removeprefix("linli_")
            plan = stack.db(service).client[query["db"]].command("explain", explain,
                                                                 verbosity="queryPlanner")
        except pymongo.errors.OperationFailure:
            continue  # a filter that only made sense with its original value types
        if _scans(plan["queryPlanner"]["winningPlan"]):
            scans.append(f"{query['db']}.{query['collection']} {query['command']} "
                         f"{json.dumps(_shape(query['filter']), ensure_ascii=False)} "
                         f"sort={query['sort']}")
    assert scans == [], "collection scans:\n" + "\n".join(sorted(scans))
