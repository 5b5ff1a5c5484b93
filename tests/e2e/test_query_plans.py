"""No hot query walks a collection. The test drives the hot paths of every service
through the gateway (bookings, menus, the inbox, catalogue search, loans and holds, the
volunteer cycle and its lists, points, the jobs staff run); each process logs every
query it sends (``LINLI_QUERY_LOG``), and each query shape is explained against the real
embedded server: a collection scan fails the test unless it is listed below with the
reason it is fine."""
import datetime as dt
import glob
import json
import os
import time
import uuid

import pymongo

from tests.e2e.test_canteen import book, day, publish
from tests.e2e.test_library import Site
from tests.e2e.facilities_paths import facilities_paths
from tests.e2e.volunteer_helpers import P, V, act, ok, residents, submit, team
from tests.helpers import eventually

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
    """An ``_id`` equality (or ``$in``) is answered from the ``_id`` index whatever else
    the filter says (measured on the embedded server: the same rate at 1,000 and 40,000
    documents), although its explain then reports a COLLSCAN."""
    by_id = query["filter"].get("_id")
    return isinstance(by_id, str) or (isinstance(by_id, dict) and set(by_id) == {"$in"})


def _scans(plan):
    if not isinstance(plan, dict):
        return False
    if plan.get("stage") == "COLLSCAN":
        return True
    children = [plan.get("inputStage")] + list(plan.get("inputStages") or [])
    return any(_scans(child) for child in children if child)


def _log_sizes(stack) -> dict[str, int]:
    return {path: os.path.getsize(path) for path in glob.glob(stack.env["LINLI_QUERY_LOG"] + ".*")}


def queries_since(stack, sizes) -> list[dict]:
    seen = {}
    for path in glob.glob(stack.env["LINLI_QUERY_LOG"] + ".*"):
        with open(path, encoding="utf-8") as lines:
            lines.seek(sizes.get(path, 0))
            for line in lines:
                query = json.loads(line)
                key = json.dumps([query["db"], query["collection"], _shape(query["filter"]),
                                  query["sort"]], sort_keys=True)
                seen.setdefault(key, query)
    return list(seen.values())


def _pages(api, path, token):
    """The first page of one item and the next."""
    first = ok(api.get(path, token, params={"limit": 1}))
    if first["next_cursor"]:
        ok(api.get(path, token, params={"limit": 1, "cursor": first["next_cursor"]}))


def canteen_paths(api, community, staff, diner):
    site = ok(api.post("/api/v1/canteen/sites", {"name": f"计划食堂-{uuid.uuid4().hex[:4]}",
                                                 "community_id": community["id"]}, staff["token"]),
              201)
    date = day(2)
    publish(api, staff["token"], site["id"], date, "lunch")
    publish(api, staff["token"], site["id"], date, "dinner", hour=16)
    lunch = ok(book(api, diner["token"], site["id"], date), 201)
    dinner = ok(book(api, diner["token"], site["id"], date, "dinner"), 201)
    ok(api.get(f"/api/v1/canteen/sites/{site['id']}/menus", diner["token"]))
    ok(api.get("/api/v1/canteen/sites", diner["token"],
               params={"community_id": community["id"]}))
    _pages(api, "/api/v1/canteen/bookings", diner["token"])
    ok(api.get("/api/v1/canteen/bookings", staff["token"],
               params={"site_id": site["id"], "date": date, "meal": "lunch"}))
    ok(api.post(f"/api/v1/canteen/bookings/{dinner['id']}/cancel", None, diner["token"]))
    ok(api.post("/api/v1/canteen/checkouts", {"site_id": site["id"], "date": date, "meal": "lunch",
                                              "pickup_code": lunch["pickup_code"],
                                              "items": [{"dish_name": "米饭"}]}, staff["token"]), 201)
    ok(api.get(f"/api/v1/canteen/sites/{site['id']}/kitchen/{date}", staff["token"]))


def library_paths(api):
    site = Site(api)
    title, other = site.title(), site.title("城南旧事", "林海音", ("散文",))
    copy, only = site.copy(title, site.library), site.copy(other, site.house_a)
    reader, neighbour = site.reader(), site.reader("李强")
    ok(site.borrow(reader, copy, site.library), 201)
    ok(site.borrow(neighbour, only, site.house_a), 201)
    ok(site.hold(reader, other, site.library), 201)
    ok(api.get("/api/v1/library/titles", reader["token"], params={"q": "城南"}))
    ok(api.get("/api/v1/library/titles", reader["token"], params={"q": "平凡 路遥"}))
    _pages(api, "/api/v1/library/loans", reader["token"])
    ok(api.get("/api/v1/library/holds", reader["token"]))
    ok(api.get("/api/v1/library/loans", site.token, params={"resident_id": reader["id"]}))
    ok(site.give_back(neighbour["token"], only, site.library))
    ok(api.get("/api/v1/library/branches", reader["token"],
               params={"community_id": site.community["id"]}))
    now = dt.datetime.now(dt.timezone.utc)
    for job in ("library-overdue", "library-due-soon", "library-hold-expiry"):
        site.job(job, now)
    return site


def volunteer_paths(api, community, staff):
    members = residents(api, community["id"], 2)
    elder = api.resident(community["id"], name="王秀英")
    crew = team(api, staff, community["id"], members)
    first, second = submit(api, elder), submit(api, elder, category="repair")
    ok(act(api, first["id"], "dispatch", staff["token"], {"team_id": crew["id"]}))
    ok(act(api, first["id"], "accept", members[0]["token"]))
    ok(act(api, first["id"], "complete", members[0]["token"],
           {"hours": 2, "volunteer_ids": [members[0]["id"]]}))
    ok(act(api, first["id"], "confirm", elder["token"], {"rating": 5}))
    ok(act(api, second["id"], "cancel", elder["token"]))
    for who in (elder, staff, members[0]):
        _pages(api, f"{V}/requests", who["token"])
    ok(api.get(f"{V}/requests", staff["token"], params={"status": "closed"}))
    ok(api.get(f"{V}/requests/{first['id']}", elder["token"]))
    ok(api.get(f"{V}/requests/{first['id']}/suggestions", staff["token"]))
    reward = ok(api.post(f"{P}/rewards", {"name": "洗衣液", "cost_points": 5, "stock": 3},
                         staff["token"]), 201)
    ok(api.get(f"{P}/rewards", members[0]["token"]))
    ok(api.post(f"{P}/redemptions", {"reward_id": reward["id"]}, members[0]["token"]), 201)
    _pages(api, f"{P}/redemptions", members[0]["token"])
    ok(api.get(f"{P}/me", members[0]["token"]))
    ok(api.post("/api/v1/admin/jobs/volunteer-sla", {}, staff["token"]))


def needs_paths(api, community, staff):
    """The needs list and the wish wall: every list, the steps, the job, and the credit."""
    from tests.e2e.needs_helpers import N, W, open_wish, record, step, wisher
    resident, neighbour = wisher(api, community["id"]), api.resident(community["id"])
    need = record(api, resident)
    for query in ({}, {"status": "open"}, {"category": "safety"},
                  {"status": "open", "category": "safety"}):
        _pages(api, f"{N}?" + "&".join(f"{k}={v}" for k, v in query.items()), staff["token"])
    _pages(api, f"{N}?status=open", resident["token"])
    ok(api.get(f"{N}/summary", staff["token"]))
    ok(api.post(f"{N}/{need['id']}/route", {"to": "wish"}, staff["token"]))
    other = record(api, resident, category="culture")
    ok(api.post(f"{N}/{other['id']}/close", {"resolution": "已推荐读书会"}, staff["token"]))
    wish = open_wish(api, staff, resident, points=2)
    for path, token in ((W, neighbour["token"]), (f"{W}?status=open", neighbour["token"]),
                        (W, staff["token"]), (f"{W}?status=pending_review", staff["token"]),
                        (f"{W}?mine=wished", resident["token"]),
                        (f"{W}?mine=claimed", neighbour["token"])):
        _pages(api, path, token)
    ok(step(api, wish["id"], "claim", neighbour["token"]))
    ok(step(api, wish["id"], "unclaim", neighbour["token"]))
    ok(step(api, wish["id"], "claim", neighbour["token"]))
    ok(step(api, wish["id"], "fulfil", neighbour["token"], {"note": "送到了"}))
    ok(step(api, wish["id"], "confirm", resident["token"], {"thanks": "谢谢"}))
    ok(api.post("/api/v1/admin/jobs/needs-claim-expiry", {}, staff["token"]))
    eventually(lambda: ok(api.get(f"{P}/me", neighbour["token"]))["balance"] == 2)
def directory_paths(api, community, staff, diner, library_site):
    D = "/api/v1/directory/places"
    body = {"community_id": community["id"], "name": "社区卫生服务站", "category": "clinic",
            "address": "幸福路 8 号", "phone": "021-6555 1234",
            "hours": [{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "17:00"}]}
    place = ok(api.post(D, body, staff["token"]), 201)
    ok(api.post(D, {**body, "name": "益丰大药房", "category": "pharmacy"}, staff["token"]), 201)
    ok(api.patch(f"{D}/{place['id']}", {"notes": "周末休息"}, staff["token"]))
    ok(api.post(f"{D}/{place['id']}/verify", None, staff["token"]))
    _pages(api, D, diner["token"])
    ok(api.get(D, diner["token"], params={"category": "clinic", "q": "卫生", "open_now": "true"}))
    ok(api.post("/api/v1/admin/jobs/directory-stale", {}, staff["token"]))
    # the library's digital editions: attach, the poster, a play, the most played
    title = library_site.title("活着", "余华", ("有声书",))
    library_site.copy(title, library_site.house_a)
    edition = ok(api.post(f"/api/v1/library/titles/{title['id']}/editions",
                          {"kind": "audiobook", "url": "https://audio.example.org/a.mp3"},
                          library_site.token), 201)
    poster = api.get(f"/api/v1/library/branches/{library_site.house_a['id']}/poster",
                     library_site.token)
    assert poster.status_code == 200, poster.text
    ok(api.post(f"/api/v1/library/editions/{edition['id']}/plays", None), 201)
    ok(api.get(f"/api/v1/library/editions/{edition['id']}"))
    ok(api.get("/api/v1/library/editions/popular", library_site.token,
               params={"branch_id": library_site.house_a["id"]}))
def activities_paths(api, community, staff, diner):
    from tests.e2e.activities_helpers import A, publish, sign_up, step
    course = publish(api, staff, community["id"], capacity=1)
    seated, waiting = sign_up(api, diner, course), sign_up(api, staff, course)
    ok(api.get(A, diner["token"], params={"kind": "course"}))
    _pages(api, A, diner["token"])
    _pages(api, f"{A}/signups", diner["token"])
    ok(api.get(f"{A}/signups", diner["token"], params={"status": "confirmed"}))
    _pages(api, f"{A}/{course['id']}/signups", staff["token"])
    ok(api.get(f"{A}/{course['id']}/signups", staff["token"], params={"status": "waitlisted"}))
    step(api, seated, "cancel", diner["token"])
    step(api, waiting, "accept", staff["token"])
    publish(api, staff, community["id"], kind="gathering", birthday_month=1)
    ok(api.post("/api/v1/admin/jobs/activities-offer-expiry", {}, staff["token"]))


def hot_paths(api):
    community = api.community()
    staff = api.staff(community["id"])
    diner = api.resident(community["id"], name="赵敏")
    ok(api.get("/api/v1/me", diner["token"]))
    ok(api.get("/api/v1/residents", staff["token"], params={"q": "赵"}))
    canteen_paths(api, community, staff, diner)
    library_site = library_paths(api)
    directory_paths(api, community, staff, diner, library_site)
    volunteer_paths(api, community, staff)
    facilities_paths(api, community, staff, diner)
    needs_paths(api, community, staff)
    activities_paths(api, community, staff, diner)
    for job in ("canteen-no-show", "canteen-pickup-reminder", "notifications-push"):
        ok(api.post(f"/api/v1/admin/jobs/{job}", {}, staff["token"]))
    eventually(lambda: ok(api.get("/api/v1/notifications/unread-count", diner["token"]))["unread"])
    _pages(api, "/api/v1/notifications", diner["token"])
    first = ok(api.get("/api/v1/notifications", diner["token"]))["items"][0]
    ok(api.post(f"/api/v1/notifications/{first['id']}/read", None, diner["token"]))


def collection_scans(stack, queries) -> list[str]:
    """The queries (as logged) whose plan on the real server walks a collection."""
    scans = []
    for query in queries:
        allowed = (query["db"], query["collection"], tuple(sorted(query["filter"])))
        if allowed in SMALL_OR_RARE or _point_lookup(query):
            continue
        explain = {"find": query["collection"], "filter": query["filter"]}
        if query["sort"]:
            explain["sort"] = query["sort"]
        service = query["db"].removeprefix("linli_")
        try:
            plan = stack.db(service).client[query["db"]].command("explain", explain,
                                                                 verbosity="queryPlanner")
        except pymongo.errors.OperationFailure:
            continue  # a filter that only made sense with its original value types
        if _scans(plan["queryPlanner"]["winningPlan"]):
            scans.append(f"{query['db']}.{query['collection']} {query['command']} "
                         f"{json.dumps(_shape(query['filter']), ensure_ascii=False)} "
                         f"sort={query['sort']}")
    return sorted(scans)


def test_no_hot_query_walks_a_whole_collection(stack, api):
    sizes = _log_sizes(stack)
    hot_paths(api)
    time.sleep(2)  # the outbox relays and the notifications that follow
    queries = queries_since(stack, sizes)
    services = {q["db"] for q in queries}
    assert {f"linli_{name}" for name in stack.services} <= services, services
    scans = collection_scans(stack, queries)
    assert scans == [], "collection scans:\n" + "\n".join(scans)
