"""Hostile input, generated: schemathesis over every route of the gateway's own
``/openapi.json``, each generated request sent with a real token of each role
(resident, staff, admin). Every answer must be a non-5xx, with a status, content type,
body and headers the spec documents.

Bounded by default (20 examples per route, half valid and half invalid input, a fixed
seed: part of the normal suite). The long run: ``LINLI_FUZZ_EXAMPLES=1000
LINLI_FUZZ_SECONDS=1800 pytest tests/e2e/test_fuzz.py`` (a random seed unless
``LINLI_FUZZ_SEED`` is set; the routes still waiting when the time is spent are
skipped). A failure prints the request as a curl command and a hypothesis blob to
replay it.

Path parameters are, half of the time, the ids of real resources (a site with a
published menu, a booking, a title and its copy, a team, a request, a reward, a
grant...) of a community the fuzzing staff account manages, so generated input also
reaches the services' rules, not only their 404s. Fuzz traffic comes from its own
loopback addresses, so the per-address sign-in throttle it trips (generated
``/auth/token`` calls are failed sign-ins) never reaches the rest of the suite."""
import datetime as dt
import itertools
import os
import time
import warnings

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from requests.adapters import HTTPAdapter
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

EXAMPLES = int(os.environ.get("LINLI_FUZZ_EXAMPLES", "20"))  # per route; each sent 3 times
SECONDS = float(os.environ.get("LINLI_FUZZ_SECONDS", "0"))  # 0: no time limit
LONG = "LINLI_FUZZ_EXAMPLES" in os.environ or SECONDS > 0
# The bounded run is the same every time (a fixed seed); the long run explores.
SEED = int(os.environ["LINLI_FUZZ_SEED"]) if os.environ.get("LINLI_FUZZ_SEED") else (
    None if LONG else 20260101)
ROLES = ("resident", "staff", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance, response_headers_conformance]
# Distinct loopback source addresses for fuzz traffic (the gateway binds 127.0.0.1).
SOURCE_ADDRESSES = [f"127.0.{n}.{m}" for n in (77, 78) for m in range(2, 66)]


class _SourceAddress(HTTPAdapter):
    def __init__(self, address, **kwargs):
        self.address = address
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _session(address):
    session = requests.Session()
    adapter = _SourceAddress(address)
    session.mount("http://", adapter)
    return session


_sessions = itertools.cycle([_session(a) for a in SOURCE_ADDRESSES])


@pytest.fixture(scope="module")
def fuzz_schema(stack):
    spec = requests.get(stack.url + "/openapi.json", timeout=10).json()
    config = SchemathesisConfig.from_dict({"base-url": stack.url})
    return schemathesis.openapi.from_dict(spec, config=config)


def _ok(answer, status=(200, 201)):
    assert answer.status_code in status, answer.text[:300]
    return answer.json()


@pytest.fixture(scope="module")
def world(api):
    """Tokens of each role and real ids of a community the fuzzing staff account manages."""
    community = api.community()
    cid = community["id"]
    resident = api.resident(cid, birth_date="1950-03-03")
    other = api.resident(cid)
    staff = api.staff(cid)
    admin = api.admin()
    tokens = {"resident": resident["token"], "staff": staff["token"], "admin": admin}
    s, r = staff["token"], resident["token"]
    ids = {"resident_id": [resident["id"], other["id"]]}

    site = _ok(api.post("/api/v1/canteen/sites", {"name": "模糊食堂", "community_id": cid}, s))
    day = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    cutoff = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=1)).isoformat()
    _ok(api.put(f"/api/v1/canteen/sites/{site['id']}/menus/{day}/lunch", {
        "capacity": 50, "booking_cutoff": cutoff,
        "dishes": [{"name": "红烧肉", "tags": ["pork"], "price_fen": 1200},
                   {"name": "青菜", "price_per_100g_fen": 300}]}, s))
    booking = _ok(api.post("/api/v1/canteen/bookings", {
        "site_id": site["id"], "date": day, "meal": "lunch", "portions": 1}, r))
    ids.update(site_id=[site["id"]], date=[day], meal=["lunch"], booking_id=[booking["id"]])

    branch = _ok(api.post("/api/v1/library/branches", {
        "name": "模糊书屋", "community_id": cid, "kind": "book_house"}, s))
    title = _ok(api.post("/api/v1/library/titles", {"title": "边城", "author": "沈从文"}, s))
    codes = [f"FZ-{os.getpid()}-{n}" for n in range(3)]
    for code in codes:
        _ok(api.post("/api/v1/library/copies", {
            "title_id": title["id"], "code": code, "branch_id": branch["id"]}, s))
    loan = _ok(api.post("/api/v1/library/loans", {"code": codes[0], "branch_id": branch["id"]}, r))
    hold = _ok(api.post("/api/v1/library/holds", {
        "title_id": title["id"], "pickup_branch_id": branch["id"]}, other["token"]))
    ids.update(title_id=[title["id"]], code=codes, loan_id=[loan["id"]], hold_id=[hold["id"]])

    team = _ok(api.post("/api/v1/volunteer/teams", {
        "name": "模糊队", "community_id": cid, "skills": ["repair"], "areas": ["1号楼"]}, s))
    _ok(api.post(f"/api/v1/volunteer/teams/{team['id']}/members",
                 {"resident_id": resident["id"], "leader": True}, s))
    request = _ok(api.post("/api/v1/volunteer/requests", {
        "category": "repair", "description": "买药", "address": "1号楼"}, other["token"]))
    grant = _ok(api.post("/api/v1/points/grants", {
        "resident_id": resident["id"], "points": 500, "reason": "开户"}, s))
    reward = _ok(api.post("/api/v1/points/rewards", {
        "name": "鸡蛋", "cost_points": 10, "stock": 100}, s))
    redemption = _ok(api.post("/api/v1/points/redemptions", {"reward_id": reward["id"]}, r))
    ids.update(team_id=[team["id"]], request_id=[request["id"]], transfer_id=[grant["id"]],
               redemption_id=[redemption["id"]])

    room = _ok(api.post("/api/v1/facilities/rooms", {
        "name": "模糊活动室", "community_id": cid, "kind": "activity", "capacity": 10,
        "opening": None}, s))
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    item = _ok(api.post("/api/v1/facilities/equipment", {
        "name": "模糊音箱", "kind": "speaker", "community_id": cid, "code": f"FZX-{os.getpid()}",
        "rules": {"max_volume_db": 70,
                  "allowed": {"start": (now - dt.timedelta(hours=2)).strftime("%H:%M"),
                              "end": (now + dt.timedelta(hours=3)).strftime("%H:%M")}}}, s))
    ids.update(room_id=[room["id"]], door_code=[room["door_code"]], item_id=[item["id"]])
    ids["code"] = ids["code"] + [item["code"]]
    need = _ok(api.post("/api/v1/needs", {"category": "safety", "description": "楼道灯坏了",
                                          "source": "app"}, r))
    wish = _ok(api.post("/api/v1/wishes", {"title": "书包", "description": "孩子的书包坏了"}, r))
    _ok(api.post(f"/api/v1/wishes/{wish['id']}/approve", {}, s))
    ids.update(need_id=[need["id"]], wish_id=[wish["id"]])
    place = _ok(api.post("/api/v1/directory/places", {
        "community_id": cid, "name": "模糊药房", "category": "pharmacy", "address": "1号楼",
        "phone": "021-5555 0101", "hours": [{"days": [1, 2], "open": "20:00", "close": "02:00"}]},
        s))
    edition = _ok(api.post(f"/api/v1/library/titles/{title['id']}/editions", {
        "kind": "audiobook", "url": "https://audio.example.org/f.mp3"}, s))
    ids.update(place_id=[place["id"]], edition_id=[edition["id"]], branch_id=[branch["id"]])
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
    activity = _ok(api.post("/api/v1/activities", {
        "community_id": cid, "title": "模糊书法班", "kind": "course", "capacity": 5,
        "location": "活动室", "signup_closes_at": (start - dt.timedelta(hours=1)).isoformat(),
        "sessions": [{"start": start.isoformat(),
                      "end": (start + dt.timedelta(hours=2)).isoformat()}]}, s))
    signup = _ok(api.post(f"/api/v1/activities/{activity['id']}/signups", {
        "party": [{"name": "模糊居民", "birth_date": "1950-03-03"}]}, r))
    ids.update(activity_id=[activity["id"]], signup_id=[signup["id"]])

    inbox = _ok(api.get("/api/v1/notifications", r))
    ids["message_id"] = [m["id"] for m in inbox["items"][:3]] or ["none"]
    return {"tokens": tokens, "ids": ids}


def _fuzz(operation, world, deadline):
    strategy = st.one_of(operation.as_strategy(GenerationMode.POSITIVE),
                         operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=strategy, data=st.data())
    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck), print_blob=True)
    def run(case, data):
        if time.monotonic() > deadline:
            return  # the time is spent: let hypothesis run out without sending
        for name in list(case.path_parameters or {}):
            known = world["ids"].get(name)
            if known and data.draw(st.booleans(), label=f"real {name}"):
                case.path_parameters[name] = data.draw(st.sampled_from(known), label=name)
        for role in ROLES:
            case.call_and_validate(session=next(_sessions), checks=CHECKS,
                                   headers={"Authorization": f"Bearer {world['tokens'][role]}"})

    if SEED is not None:
        run = seed(SEED)(run)
    run()


def test_every_route_holds_to_its_spec(fuzz_schema, world, subtests):
    operations = [result.ok() for result in fuzz_schema.get_all_operations()]
    assert len(operations) >= 60, "the spec lost routes"
    deadline = time.monotonic() + (SECONDS or float("inf"))
    for n, operation in enumerate(operations):
        if time.monotonic() > deadline:
            warnings.warn(f"LINLI_FUZZ_SECONDS spent: {len(operations) - n} routes not fuzzed")
            break
        with subtests.test(msg=operation.label):
            _fuzz(operation, world, deadline)
