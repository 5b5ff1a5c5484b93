"""The access matrix: every route x every role through the real gateway, as one
table-driven test (issue 7, "Access matrix"; the rules are in docs/api.md: "Authentication
and roles" and the "who" column of each route).

Roles (all about one world built once per module, see ``World``):

- ``anonymous``          no token
- ``resident``           owner of the resources (booking, loan, hold, request, inbox...)
- ``other_resident``     same community A, not the owner, in no team
- ``team_member``        member of team 1, the team the world's request is dispatched to
- ``other_team_member``  member of team 2 of community A
- ``staff``              staff of community A (the resources' community)
- ``other_staff``        staff of community B
- ``admin``              the bootstrap admin (district-wide)

Each ``Row`` is one route of ``/openapi.json`` (plus the public operations routes)
with the request it sends and, per role, the status the contract gives:

- anonymous: 401 on every route except register, token and the list of communities (and
  the ops routes);
- a role in ``ok``: allowed, with the exact success status. Allowed cells of actions
  that consume state (accept, confirm, cancel, return, renew...) act on their own
  fresh resource built by a small factory of ``World``; denied cells act on the
  world's shared resource (a denial changes nothing);
- any other signed-in role: denied with ``deny`` (403, or 404 where the service hides
  existence, which the contract allows), or a per-role ``deny_as``.

Every error body must have the contract's shape ``{"error": {code, message, details}}``.
List routes also must show the world's owned resource to its owner (and the team, the
staff) and to nobody else. A second column sends every non-public route without a
token and with an invalid input: still 401.
``test_every_spec_route_has_a_row`` fails when the spec grows a route that has no row.
Cells where the system disagrees with the contract are listed in KNOWN_DEVIATIONS;
they still fail (the cell asserts the contract), and so does
``test_no_known_deviations`` until the list is empty.
"""
import datetime as dt
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Callable

import pytest

from tests.helpers import eventually, next_phone

ROLES = ("anonymous", "resident", "other_resident", "team_member", "other_team_member",
         "staff", "other_staff", "admin")
SIGNED_IN = ROLES[1:]
RESIDENTS = ("resident", "other_resident", "team_member", "other_team_member")
MANAGERS = ("staff", "admin")  # staff of the resources' community, and the admin
TEAMLESS, TEAMS = ("other_resident",), ("team_member", "other_team_member")
HTTP_METHODS = ("get", "put", "post", "delete", "patch")

A1 = "/api/v1"
C, L, V, P = f"{A1}/canteen", f"{A1}/library", f"{A1}/volunteer", f"{A1}/points"
N = f"{A1}/notifications"
F = f"{A1}/facilities"
NE, WI = f"{A1}/needs", f"{A1}/wishes"
D = f"{A1}/directory/places"
ACT = f"{A1}/activities"
MEALS = ("breakfast", "lunch", "dinner")
DISHES = [{"name": "米饭", "tags": [], "price_fen": 100},
          {"name": "西红柿炒鸡蛋", "tags": ["vegetable"], "price_fen": 800}]

# (route, role) -> what the system does instead, and where. Each of these cells FAILS
# (it asserts the contract); remove an entry once the code is fixed.
# Cells where the system disagreed with the contract when this test was written, with
# why; the test fails while any is listed. (The first run found three: another
# person's message pushes answered 200 [], a grant by staff of another community
# answered 422, and anonymous callers with a bad body got 422 before 401. All fixed.)
KNOWN_DEVIATIONS: dict = {}


def every(status, roles=SIGNED_IN):
    return {role: status for role in roles}


@dataclass
class Row:
    method: str
    path: str                      # the template exactly as /openapi.json spells it
    ok: dict                       # role -> exact status of the allowed cell
    deny: int = 403                # every other signed-in role
    deny_as: dict = field(default_factory=dict)
    params: Callable | None = None  # (world, role, fresh) -> path parameters
    query: Callable | None = None   # (world) -> query string
    json: Callable | None = None    # (world, role, fresh) -> body
    public: bool = False           # no token needed: ``ok`` covers anonymous too
    secret: Callable | None = None  # (world) -> an id a list must show only to some roles
    shown_to: tuple = ()           # roles whose 200 must contain the secret
    hidden_from: tuple = ()        # roles whose 200 must not contain it
    in_spec: bool = True           # False for /healthz & co (not in the OpenAPI spec)

    @property
    def key(self):
        return f"{self.method} {self.path}"

    def allowed(self, role):
        return role in self.ok

    def expected(self, role):
        if role in self.ok:
            return self.ok[role]
        if role == "anonymous":
            return 401
        return self.deny_as.get(role, self.deny)


# -- the table ---------------------------------------------------------------------------
def _register_body(w, role, fresh):
    return {"phone": next_phone(), "password": "pass-" + uuid.uuid4().hex[:8], "name": "新居民",
            "birth_date": "1985-03-04", "community_id": w.a}


def _menu_body(w, role, fresh):
    return {"capacity": 40, "booking_cutoff": w.cutoff(w.days[3]), "dishes": DISHES}


def _place_body(w, role=None, fresh=None):
    return {"community_id": w.a, "name": "矩阵卫生站", "category": "clinic",
            "address": "幸福路 8 号", "phone": "021-6555 1234",
            "hours": [{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "17:00"}]}


def _once(w, name, make):
    """A resource of the directory and editions rows, made the first time a cell needs it."""
    if not hasattr(w, name):
        setattr(w, name, make())
    return getattr(w, name)


def _place(w):
    return _once(w, "place", lambda: w.post(D, _place_body(w), "staff", 201)["id"])


def _edition(w):
    return _once(w, "edition", lambda: w.post(
        f"{L}/titles/{w.t_loan}/editions", {"kind": "audiobook",
                                             "url": "https://audio.example.org/m.mp3"},
        "staff", 201)["id"])


ROWS = [
    # -- accounts ----------------------------------------------------------------------
    Row("POST", f"{A1}/auth/register", every(201, ROLES), public=True, json=_register_body),
    Row("POST", f"{A1}/auth/token", every(200, ROLES), public=True,
        json=lambda w, r, f: {"phone": w.people["resident"]["phone"],
                              "password": w.people["resident"]["password"]}),
    Row("GET", f"{A1}/me", every(200)),
    Row("GET", f"{A1}/communities", every(200, ROLES), public=True),  # chosen when registering
    Row("POST", f"{A1}/communities", {"admin": 201},
        json=lambda w, r, f: {"name": f"矩阵社区-{uuid.uuid4().hex[:6]}", "district": "和平区"}),
    Row("POST", f"{A1}/staff", {"admin": 201},
        json=lambda w, r, f: {"phone": next_phone(), "password": "staff-" + uuid.uuid4().hex[:8],
                              "name": "新社工", "community_id": w.a}),
    Row("GET", f"{A1}/residents", every(200, MANAGERS),
        query=lambda w: {"community_id": w.a}),
    Row("PATCH", f"{A1}/residents/{{resident_id}}", every(200, MANAGERS),
        params=lambda w, r, f: {"resident_id": w.id("resident")},
        json=lambda w, r, f: {"building": "3号楼"}),

    # -- canteen -----------------------------------------------------------------------
    Row("GET", f"{C}/sites", every(200), query=lambda w: {"community_id": w.a}),
    Row("POST", f"{C}/sites", every(201, MANAGERS),
        json=lambda w, r, f: {"name": f"矩阵食堂-{uuid.uuid4().hex[:4]}", "community_id": w.a,
                              "elder_discount_percent": 10, "caring_lunch_price_fen": 990}),
    Row("PUT", f"{C}/sites/{{site_id}}/menus/{{date}}/{{meal}}", every(200, MANAGERS),
        params=lambda w, r, f: {"site_id": w.site, "date": w.days[3], "meal": "breakfast"},
        json=_menu_body),
    Row("GET", f"{C}/sites/{{site_id}}/menus", every(200),
        params=lambda w, r, f: {"site_id": w.site},
        query=lambda w: {"from": w.days[0], "to": w.days[3]}),
    Row("POST", f"{C}/bookings", every(201),   # anyone signed in may book a meal
        json=lambda w, r, f: {"site_id": w.site, "date": w.days[1], "meal": "lunch",
                              "portions": 1}),
    Row("GET", f"{C}/bookings", every(200, [r for r in SIGNED_IN if r != "other_staff"]),
        query=lambda w: {"site_id": w.site, "limit": 200}, secret=lambda w: w.booking,
        shown_to=("resident",) + MANAGERS, hidden_from=TEAMLESS + TEAMS),
    Row("GET", f"{C}/bookings/{{booking_id}}", every(200, ("resident",) + MANAGERS), deny=404,
        params=lambda w, r, f: {"booking_id": w.booking}),
    Row("POST", f"{C}/bookings/{{booking_id}}/cancel", every(200, ("resident",) + MANAGERS),
        deny=404, params=lambda w, r, f: {"booking_id": w.fresh_booking() if f else w.booking}),
    Row("POST", f"{C}/checkouts", every(201, MANAGERS),
        json=lambda w, r, f: {"site_id": w.site, "resident_id": w.id("resident"),
                              "date": w.days[0], "meal": "dinner",
                              "items": [{"dish_name": "米饭", "quantity": 1}]}),
    Row("GET", f"{C}/sites/{{site_id}}/kitchen/{{date}}", every(200, MANAGERS),
        params=lambda w, r, f: {"site_id": w.site, "date": w.days[0]}),

    # -- jobs (staff run them for their own community, so other_staff may too) -----------
    Row("POST", f"{A1}/admin/jobs/{{name}}", every(200, ("staff", "other_staff", "admin")),
        params=lambda w, r, f: {"name": "library-overdue"},
        json=lambda w, r, f: {"as_of": dt.datetime.now(dt.timezone.utc).isoformat()}),

    # -- library -----------------------------------------------------------------------
    Row("GET", f"{L}/branches", every(200), query=lambda w: {"community_id": w.a}),
    Row("POST", f"{L}/branches", every(201, MANAGERS),
        json=lambda w, r, f: {"name": f"矩阵书屋-{uuid.uuid4().hex[:4]}", "community_id": w.a,
                              "kind": "book_house"}),
    Row("GET", f"{L}/desk", every(200, MANAGERS), query=lambda w: {"community_id": w.a}),
    Row("GET", f"{A1}/console/today", every(200, MANAGERS), query=lambda w: {"community_id": w.a}),
    Row("GET", f"{L}/titles", every(200), query=lambda w: {"q": "矩阵"}),
    # the catalogue is district-wide: any staff adds titles
    Row("POST", f"{L}/titles", every(201, ("staff", "other_staff", "admin")),
        json=lambda w, r, f: {"title": f"矩阵之书-{uuid.uuid4().hex[:4]}", "author": "佚名",
                              "tags": ["测试"]}),
    Row("GET", f"{L}/titles/{{title_id}}", every(200),
        params=lambda w, r, f: {"title_id": w.t_loan}),
    Row("POST", f"{L}/imports", every(201, MANAGERS),   # copies at a branch of A
        json=lambda w, r, f: {"rows": [{"title": "导入之书", "author": "佚名", "copies": 1,
                                        "branch_id": w.branch,
                                        "copies_code_prefix": "IM-" + uuid.uuid4().hex[:10]}]}),
    Row("POST", f"{L}/copies", every(201, MANAGERS),
        json=lambda w, r, f: {"title_id": w.t_misc, "branch_id": w.branch,
                              "code": "AM-" + uuid.uuid4().hex[:12].upper()}),
    Row("GET", f"{L}/copies/{{code}}", every(200), params=lambda w, r, f: {"code": w.c_recv}),
    Row("POST", f"{L}/loans", every(201),   # self-checkout: anyone signed in
        json=lambda w, r, f: {"code": w.fresh_copy() if f else w.c_recv, "branch_id": w.branch}),
    Row("GET", f"{L}/loans", every(200, ("resident",) + MANAGERS),
        query=lambda w: {"resident_id": w.id("resident")}),
    Row("POST", f"{L}/loans/{{loan_id}}/renew", every(200, ("resident",) + MANAGERS),
        params=lambda w, r, f: {"loan_id": w.fresh_loan(r)[0] if f else w.loan}),
    Row("POST", f"{L}/returns", every(200, ("resident",) + MANAGERS),
        json=lambda w, r, f: {"code": w.fresh_loan(r)[1] if f else w.c_loan,
                              "branch_id": w.branch}),
    Row("POST", f"{L}/transfers/receive", every(200, MANAGERS),
        json=lambda w, r, f: {"code": w.c_recv, "branch_id": w.branch}),
    Row("POST", f"{L}/holds", every(201),
        json=lambda w, r, f: {"title_id": w.t_holdrow, "pickup_branch_id": w.branch}),
    Row("GET", f"{L}/holds", every(200), query=lambda w: {"limit": 200},
        secret=lambda w: w.hold, shown_to=("resident",), hidden_from=SIGNED_IN[1:]),
    Row("DELETE", f"{L}/holds/{{hold_id}}", every(200, ("resident",) + MANAGERS), deny=404,
        params=lambda w, r, f: {"hold_id": w.fresh_hold() if f else w.hold}),

    # -- notifications -------------------------------------------------------------------
    Row("GET", N, every(200), query=lambda w: {"limit": 200}, secret=lambda w: w.message,
        shown_to=("resident",), hidden_from=SIGNED_IN[1:]),
    Row("GET", f"{N}/unread-count", every(200)),
    Row("POST", f"{N}/{{message_id}}/read", {"resident": 200}, deny=404,
        params=lambda w, r, f: {"message_id": w.message}),
    Row("GET", f"{N}/{{message_id}}/pushes", {"resident": 200}, deny=404,
        params=lambda w, r, f: {"message_id": w.message}),
    Row("POST", f"{N}/read-all", every(200)),
    Row("GET", f"{N}/preferences", every(200)),
    Row("PUT", f"{N}/preferences", every(200), json=lambda w, r, f: {"language": "zh-CN"}),

    # -- volunteer -----------------------------------------------------------------------
    Row("POST", f"{V}/teams", every(201, MANAGERS),
        json=lambda w, r, f: {"name": "矩阵服务队", "community_id": w.a,
                              "skills": ["repair"], "areas": ["1号楼"]}),
    Row("GET", f"{V}/teams", every(200, [r for r in SIGNED_IN if r != "other_staff"]),
        query=lambda w: {"community_id": w.a}),
    Row("POST", f"{V}/teams/{{team_id}}/members", every(201, MANAGERS),
        params=lambda w, r, f: {"team_id": w.team3},
        json=lambda w, r, f: {"resident_id": w.id("spare")}),
    Row("POST", f"{V}/requests", every(201, RESIDENTS),
        json=lambda w, r, f: w.request_body()),
    Row("GET", f"{V}/requests", every(200), query=lambda w: {"limit": 200},
        secret=lambda w: w.req_dispatched, shown_to=("resident", "team_member", "staff"),
        hidden_from=("other_resident", "other_team_member", "other_staff")),
    Row("GET", f"{V}/requests/{{request_id}}",
        every(200, ("resident", "team_member") + MANAGERS),
        params=lambda w, r, f: {"request_id": w.req_dispatched}),
    Row("GET", f"{V}/requests/{{request_id}}/suggestions", every(200, MANAGERS),
        params=lambda w, r, f: {"request_id": w.req_dispatched}),
    Row("POST", f"{V}/requests/{{request_id}}/dispatch", every(200, MANAGERS),
        params=lambda w, r, f: {"request_id": w.submitted() if f else w.req_submitted},
        json=lambda w, r, f: {"team_id": w.team1}),
    Row("POST", f"{V}/requests/{{request_id}}/accept", {"team_member": 200},
        params=lambda w, r, f: {"request_id": w.dispatched() if f else w.req_dispatched}),
    Row("POST", f"{V}/requests/{{request_id}}/reject", {"team_member": 200},
        params=lambda w, r, f: {"request_id": w.dispatched() if f else w.req_dispatched},
        json=lambda w, r, f: {"reason": "人手不够"}),
    Row("POST", f"{V}/requests/{{request_id}}/complete", {"team_member": 200},
        params=lambda w, r, f: {"request_id": w.accepted() if f else w.req_accepted},
        json=lambda w, r, f: {"hours": 1, "volunteer_ids": [w.id("team_member")]}),
    Row("POST", f"{V}/requests/{{request_id}}/confirm", {"resident": 200},
        params=lambda w, r, f: {"request_id": w.completed() if f else w.req_completed},
        json=lambda w, r, f: {"rating": 5}),
    Row("POST", f"{V}/requests/{{request_id}}/cancel", {"resident": 200},
        params=lambda w, r, f: {"request_id": w.submitted() if f else w.req_submitted},
        json=lambda w, r, f: {}),

    # -- points --------------------------------------------------------------------------
    Row("GET", f"{P}/me", every(200)),
    Row("GET", f"{P}/rewards", every(200, [r for r in SIGNED_IN if r != "other_staff"]),
        query=lambda w: {"community_id": w.a}),
    Row("POST", f"{P}/rewards", every(201, MANAGERS),
        json=lambda w, r, f: {"name": "矩阵奖品", "cost_points": 5, "stock": 3,
                              "community_id": w.a}),
    Row("POST", f"{P}/redemptions", every(201, RESIDENTS),   # residents of the reward's community
        json=lambda w, r, f: {"reward_id": w.reward}),
    Row("GET", f"{P}/redemptions", every(200), query=lambda w: {"limit": 200},
        secret=lambda w: w.redemption_id, shown_to=("resident", "staff"),
        hidden_from=TEAMLESS + TEAMS + ("other_staff",)),
    Row("POST", f"{P}/redemptions/{{redemption_id}}/handover", every(200, MANAGERS),
        params=lambda w, r, f: {"redemption_id": w.redemption() if f else w.redemption_id}),
    # grants come from the staff's own community pool: admins have none (403 by design)
    Row("POST", f"{P}/grants", {"staff": 201},
        json=lambda w, r, f: {"resident_id": w.id("resident"), "points": 1, "reason": "矩阵",
                              "key": uuid.uuid4().hex}),
    Row("POST", f"{P}/transfers/{{transfer_id}}/reverse", every(200, MANAGERS),
        params=lambda w, r, f: {"transfer_id": w.grant() if f else w.transfer},
        json=lambda w, r, f: {"reason": "发错了"}),
    Row("GET", f"{P}/ledger", every(200, MANAGERS), query=lambda w: {"community_id": w.a}),

    # -- facilities (check-in and cancel before booking, returns before loans: each
    # resident holds 2 future bookings and 1 loan at most) ------------------------------
    Row("POST", f"{F}/rooms", every(201, MANAGERS),
        json=lambda w, r, f: {"name": "矩阵活动室", "community_id": w.a, "kind": "activity",
                              "capacity": 10, "opening": None}),
    Row("GET", f"{F}/rooms", every(200), query=lambda w: {"community_id": w.a}),
    Row("GET", f"{F}/rooms/{{room_id}}", every(200), params=lambda w, r, f: {"room_id": w.room["id"]}),
    Row("GET", f"{F}/doors/{{door_code}}", every(200),
        params=lambda w, r, f: {"door_code": w.room["door_code"]}),
    Row("GET", f"{F}/rooms/{{room_id}}/bookings", every(200),
        params=lambda w, r, f: {"room_id": w.room["id"]}, query=lambda w: {"date": w.days[2]}),
    Row("POST", f"{F}/rooms/{{room_id}}/walk-in", every(201),
        params=lambda w, r, f: {"room_id": (w.walk_in_room(r) if f else w.room)["id"]},
        json=lambda w, r, f: {"door_code": (w.walk_in_room(r) if f else w.room)["door_code"],
                              "minutes": 30}),
    Row("GET", f"{F}/room-bookings/{{booking_id}}", every(200, ("resident",) + MANAGERS), deny=404,
        params=lambda w, r, f: {"booking_id": w.room_booking}),
    Row("POST", f"{F}/room-bookings/{{booking_id}}/check-in", {"resident": 200},
        params=lambda w, r, f: {"booking_id": w.starting_booking() if f else w.room_booking},
        json=lambda w, r, f: {"door_code": w.room["door_code"]}),
    Row("POST", f"{F}/room-bookings/{{booking_id}}/cancel", every(200, ("resident",) + MANAGERS),
        deny=404, params=lambda w, r, f: {"booking_id": w.fresh_room_booking(r) if f
                                          else w.room_booking}),
    Row("POST", f"{F}/room-bookings", every(201),
        json=lambda w, r, f: {"room_id": w.room["id"], **w.next_slot(), "purpose": "矩阵"}),
    Row("GET", f"{F}/room-bookings", every(200), query=lambda w: {"limit": 200},
        secret=lambda w: w.room_booking, shown_to=("resident",), hidden_from=SIGNED_IN[1:]),
    Row("POST", f"{F}/equipment", every(201, MANAGERS),
        json=lambda w, r, f: {"name": "矩阵音箱", "kind": "speaker", "community_id": w.a,
                              "code": "AMX-" + uuid.uuid4().hex[:10], "rules": w.speaker_rules()}),
    Row("GET", f"{F}/equipment", every(200), query=lambda w: {"community_id": w.a}),
    Row("GET", f"{F}/equipment/{{item_id}}", every(200), params=lambda w, r, f: {"item_id": w.item["id"]}),
    Row("GET", f"{F}/equipment/by-code/{{code}}", every(200),
        params=lambda w, r, f: {"code": w.item["code"]}),
    Row("POST", f"{F}/equipment/{{item_id}}/restore", every(200, MANAGERS),
        params=lambda w, r, f: {"item_id": w.item_in_maintenance() if f else w.item["id"]}),
    Row("POST", f"{F}/equipment-returns", every(200, ("resident",) + MANAGERS),
        json=lambda w, r, f: {"code": w.fresh_equipment_loan(r) if f else w.item["code"],
                              "condition": "ok"}),
    Row("POST", f"{F}/equipment-loans", every(201),
        json=lambda w, r, f: {"code": w.fresh_item()["code"] if f else w.item["code"],
                              "accept_rules": True}),
    Row("GET", f"{F}/equipment-loans", every(200)),
    Row("POST", f"{F}/complaints", every(201),
        json=lambda w, r, f: {"code": w.item["code"], "description": "音量太大"}),
    Row("GET", f"{F}/complaints", every(200, ("staff", "other_staff", "admin"))),
    # -- needs and micro-wishes ----------------------------------------------------------
    Row("POST", NE, every(201, RESIDENTS + MANAGERS), json=lambda w, r, f: w.need_body(r)),
    Row("GET", NE, every(200), query=lambda w: {"limit": 200}, secret=lambda w: w.need,
        shown_to=("resident", "staff"), hidden_from=TEAMLESS + TEAMS + ("other_staff",)),
    Row("GET", f"{NE}/summary", every(200, MANAGERS), query=lambda w: {"community_id": w.a}),
    Row("GET", f"{NE}/{{need_id}}", every(200, ("resident",) + MANAGERS),
        params=lambda w, r, f: {"need_id": w.need}),
    Row("POST", f"{NE}/{{need_id}}/route", every(200, MANAGERS),
        params=lambda w, r, f: {"need_id": w.fresh_need() if f else w.need},
        json=lambda w, r, f: {"to": "wish"}),
    Row("POST", f"{NE}/{{need_id}}/close", every(200, MANAGERS),
        params=lambda w, r, f: {"need_id": w.fresh_need() if f else w.need},
        json=lambda w, r, f: {"resolution": "已处理"}),
    Row("POST", WI, every(201, RESIDENTS + MANAGERS), json=lambda w, r, f: w.wish_body(r)),
    Row("GET", WI, every(200), query=lambda w: {"limit": 200}, secret=lambda w: w.wish,
        shown_to=RESIDENTS + ("staff",), hidden_from=("other_staff",)),
    Row("GET", f"{WI}/{{wish_id}}", every(200, RESIDENTS + MANAGERS),
        params=lambda w, r, f: {"wish_id": w.wish}),
    Row("POST", f"{WI}/{{wish_id}}/approve", every(200, MANAGERS),
        params=lambda w, r, f: {"wish_id": w.fresh_wish() if f else w.wish_pending},
        json=lambda w, r, f: {"points": 5}),
    Row("POST", f"{WI}/{{wish_id}}/reject", every(200, MANAGERS),
        params=lambda w, r, f: {"wish_id": w.fresh_wish() if f else w.wish_pending},
        json=lambda w, r, f: {"reason": "不符合微心愿"}),
    # any resident of the community but the wisher ("resident")
    Row("POST", f"{WI}/{{wish_id}}/claim", every(200, TEAMLESS + TEAMS),
        params=lambda w, r, f: {"wish_id": w.fresh_wish("open") if f else w.wish}),
    Row("POST", f"{WI}/{{wish_id}}/unclaim", {"other_resident": 200},
        params=lambda w, r, f: {"wish_id": w.fresh_wish("claimed") if f else w.wish_claimed}),
    Row("POST", f"{WI}/{{wish_id}}/fulfil", {"other_resident": 200},
        params=lambda w, r, f: {"wish_id": w.fresh_wish("claimed") if f else w.wish_claimed},
        json=lambda w, r, f: {"note": "已送到"}),
    Row("POST", f"{WI}/{{wish_id}}/confirm", every(200, ("resident",) + MANAGERS),
        params=lambda w, r, f: {"wish_id": w.fresh_wish("fulfilled") if f else w.wish_fulfilled},
        json=lambda w, r, f: {"thanks": "谢谢"}),
    # -- directory ---------------------------------------------------------------------
    Row("POST", D, every(201, MANAGERS), json=_place_body),
    Row("GET", D, every(200), query=lambda w: {"community_id": w.a}),
    Row("PATCH", f"{D}/{{place_id}}", every(200, MANAGERS),
        params=lambda w, r, f: {"place_id": _place(w)}, json=lambda w, r, f: {"notes": "矩阵"}),
    Row("POST", f"{D}/{{place_id}}/verify", every(200, MANAGERS),
        params=lambda w, r, f: {"place_id": _place(w)}),

    # -- library: digital editions (the catalogue is district-wide: any staff) ----------
    Row("POST", f"{L}/titles/{{title_id}}/editions", every(201, ("staff", "other_staff", "admin")),
        params=lambda w, r, f: {"title_id": w.t_misc},
        json=lambda w, r, f: {"kind": "ebook", "url": "https://books.example.org/m.epub"}),
    Row("GET", f"{L}/branches/{{branch_id}}/poster", every(200, MANAGERS),
        params=lambda w, r, f: {"branch_id": w.branch}),
    Row("GET", f"{L}/editions/popular", every(200, MANAGERS),
        query=lambda w: {"branch_id": w.branch}),
    Row("GET", f"{L}/editions/{{edition_id}}", every(200, ROLES), public=True,
        params=lambda w, r, f: {"edition_id": _edition(w)}),
    # each role plays as its own listener (one address: otherwise all but one are 429)
    Row("POST", f"{L}/editions/{{edition_id}}/plays", every(201, ROLES), public=True,
        params=lambda w, r, f: {"edition_id": _edition(w)},
        json=lambda w, r, f: {"listener": f"matrix-{r}-{uuid.uuid4().hex[:8]}"}),

    # -- activities ----------------------------------------------------------------------
    Row("POST", ACT, every(201, MANAGERS), json=lambda w, r, f: w.activity_body()),
    Row("GET", ACT, every(200)),
    Row("GET", f"{ACT}/signups", every(200), query=lambda w: {"limit": 200},
        secret=lambda w: w.signup, shown_to=("resident",), hidden_from=SIGNED_IN[1:]),
    Row("GET", f"{ACT}/{{activity_id}}", every(200),
        params=lambda w, r, f: {"activity_id": w.activity}),
    Row("POST", f"{ACT}/{{activity_id}}/signups", every(201),
        params=lambda w, r, f: {"activity_id": w.fresh_activity()},
        json=lambda w, r, f: {"party": [{"name": "矩阵居民", "birth_date": "1980-01-01"}]}),
    Row("GET", f"{ACT}/{{activity_id}}/signups", every(200, MANAGERS),
        params=lambda w, r, f: {"activity_id": w.activity}),
    Row("GET", f"{ACT}/signups/{{signup_id}}", every(200, ("resident",) + MANAGERS), deny=404,
        params=lambda w, r, f: {"signup_id": w.signup}),
    Row("POST", f"{ACT}/signups/{{signup_id}}/cancel", every(200, ("resident",) + MANAGERS),
        deny=404, params=lambda w, r, f: {"signup_id": w.fresh_signup() if f else w.signup}),
    Row("POST", f"{ACT}/signups/{{signup_id}}/accept", {"resident": 200}, deny=404,
        params=lambda w, r, f: {"signup_id": w.offered() if f else w.offer}),
    Row("POST", f"{ACT}/signups/{{signup_id}}/decline", {"resident": 200}, deny=404,
        params=lambda w, r, f: {"signup_id": w.offered() if f else w.offer}),
    Row("POST", f"{ACT}/{{activity_id}}/attendance", every(200, MANAGERS),
        params=lambda w, r, f: {"activity_id": w.door_open()},
        json=lambda w, r, f: {"signup_id": w.door_signup, "attended": True}),

    # -- operations: public, not in the spec -----------------------------------------------
    *[Row("GET", path, every(200, ROLES), public=True, in_spec=False)
      for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs")],
]


# -- the world --------------------------------------------------------------------------
def _ok(answer, status):
    assert answer.status_code == status, (answer.request.method, answer.request.url,
                                          answer.status_code, answer.text[:500])
    return answer.json()


class World:
    """Two communities and everything the rows point at, built through the HTTP API."""

    def __init__(self, api, stack=None):
        self.api, self.stack = api, stack
        admin = api.admin()
        with ThreadPoolExecutor(2) as pool:
            community_a, community_b = pool.map(lambda _: api.community(), range(2))
        self.a, self.b = community_a["id"], community_b["id"]
        makers = {"staff": lambda: api.staff(self.a), "other_staff": lambda: api.staff(self.b),
                  **{role: (lambda: api.resident(self.a)) for role in RESIDENTS + ("spare",)}}
        with ThreadPoolExecutor(8) as pool:
            made = dict(zip(makers, pool.map(lambda make: make(), makers.values())))
        self.people = made
        self.tokens = {"anonymous": None, "admin": admin,
                       **{role: person["token"] for role, person in made.items()}}
        self._activities()  # first: its door opens a few seconds on, while the rest is built
        self._canteen()
        self._library()
        self._volunteer()
        self._facilities()
        self._needs()
        self.message = eventually(lambda: next(
            (m["id"] for m in _ok(self.get(N, "resident"), 200)["items"]
             if m["category"] == "residents.resident_registered"), None))

    # -- http ------------------------------------------------------------------------
    def id(self, role):
        return self.people[role]["id"]

    def get(self, path, role, **kw):
        return self.api.get(path, self.tokens[role], **kw)

    def post(self, path, body, role, status=None):
        answer = self.api.post(path, body, self.tokens[role])
        return _ok(answer, status) if status else answer

    # -- canteen ---------------------------------------------------------------------
    @staticmethod
    def cutoff(day):
        before = dt.date.fromisoformat(day) - dt.timedelta(days=1)
        return f"{before.isoformat()}T20:00:00+08:00"

    def _canteen(self):
        today = dt.date.today()
        self.days = [(today + dt.timedelta(days=n)).isoformat() for n in range(3, 7)]
        self.site = self.post(f"{C}/sites", {"name": "矩阵食堂", "community_id": self.a,
                                             "elder_discount_percent": 20,
                                             "caring_lunch_price_fen": 990}, "staff", 201)["id"]
        slots = [(d, m) for d in self.days[:3] for m in MEALS]
        with ThreadPoolExecutor(4) as pool:
            list(pool.map(lambda s: _ok(self.api.put(
                f"{C}/sites/{self.site}/menus/{s[0]}/{s[1]}",
                {"capacity": 40, "booking_cutoff": self.cutoff(s[0]), "dishes": DISHES},
                self.tokens["staff"]), 200), slots))
        world, booking_row, checkout = (self.days[0], "lunch"), (self.days[1], "lunch"), \
            (self.days[0], "dinner")
        self.cancel_pool = [s for s in slots if s not in (world, booking_row, checkout)]
        self.booking = self._book(*world).json()["id"]

    def _book(self, day, meal):
        return self.post(f"{C}/bookings", {"site_id": self.site, "date": day, "meal": meal,
                                           "portions": 1}, "resident")

    def fresh_booking(self):
        for slot in self.cancel_pool:
            answer = self._book(*slot)
            if answer.status_code == 201:
                return answer.json()["id"]
            assert answer.status_code == 409, answer.text
        raise AssertionError("no free slot left for a fresh booking")

    # -- activities ------------------------------------------------------------------
    def activity_body(self, capacity=50, start=None, **fields):
        start = start or dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=2)
        return {"community_id": self.a, "title": "矩阵书法班", "kind": "course",
                "sessions": [{"start": start.isoformat(),
                              "end": (start + dt.timedelta(hours=2)).isoformat()}],
                "capacity": capacity, "location": "活动室",
                "signup_closes_at": (start - dt.timedelta(seconds=1)).isoformat(), **fields}

    def fresh_activity(self, capacity=50):
        return self.post(ACT, self.activity_body(capacity), "staff", 201)["id"]

    def _sign_up(self, activity_id, role):
        person = self.people[role]
        return self.post(f"{ACT}/{activity_id}/signups", {"party": [
            {"name": person["name"], "birth_date": person["birth_date"]}]}, role, 201)["id"]

    def _activities(self):
        self.door_at = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=4)
        door = self.post(ACT, self.activity_body(start=self.door_at, attendance_points=1),
                         "staff", 201)["id"]
        self.door, self.door_signup = door, self._sign_up(door, "resident")
        self.activity = self.fresh_activity()
        self.signup = self._sign_up(self.activity, "resident")
        self.offer = self.offered()

    def fresh_signup(self):
        return self._sign_up(self.fresh_activity(), "resident")

    def offered(self):
        """A sign-up of the resident offered a seat: the seat's holder cancelled."""
        activity = self.fresh_activity(capacity=1)
        holder = self._sign_up(activity, "spare")
        waiting = self._sign_up(activity, "resident")
        self.post(f"{ACT}/signups/{holder}/cancel", {}, "spare", 200)
        return waiting

    def door_open(self):
        """The activity whose first session has started (attendance opens then)."""
        eventually(lambda: dt.datetime.now(dt.timezone.utc) > self.door_at, seconds=30)
        return self.door

    # -- library ---------------------------------------------------------------------
    def _library(self):
        self.branch = self.post(f"{L}/branches", {"name": "矩阵图书馆", "community_id": self.a,
                                                  "kind": "library"}, "staff", 201)["id"]
        titles = [f"矩阵{n}-{uuid.uuid4().hex[:4]}" for n in ("借阅", "预约", "预约行", "杂项")]
        self.t_loan, self.t_hold, self.t_holdrow, self.t_misc = [
            self.post(f"{L}/titles", {"title": t, "author": "路遥"}, "staff", 201)["id"]
            for t in titles]
        self.c_loan = self.fresh_copy()
        self.loan = self.post(f"{L}/loans", {"code": self.c_loan, "branch_id": self.branch},
                              "resident", 201)["id"]
        self.c_recv = self.fresh_copy(self.t_misc)
        self.hold = self.post(f"{L}/holds", {"title_id": self.t_hold, "pickup_branch_id":
                                             self.branch}, "resident", 201)["id"]

    def fresh_copy(self, title_id=None):
        code = "AM-" + uuid.uuid4().hex[:12].upper()
        self.post(f"{L}/copies", {"title_id": title_id or self.t_loan, "code": code,
                                  "branch_id": self.branch}, "staff", 201)
        return code

    def fresh_loan(self, role):
        """A loan on a fresh copy: the resident's own for the resident's cell; for the
        managers' cells a loan of another reader of A (keeps the resident under 5 loans)."""
        code = self.fresh_copy()
        borrower = "resident" if role == "resident" else "spare"
        loan = self.post(f"{L}/loans", {"code": code, "branch_id": self.branch}, borrower, 201)
        return loan["id"], code

    def fresh_hold(self):
        title = self.post(f"{L}/titles", {"title": f"矩阵预约-{uuid.uuid4().hex[:6]}",
                                          "author": "路遥"}, "staff", 201)["id"]
        return self.post(f"{L}/holds", {"title_id": title, "pickup_branch_id": self.branch},
                         "resident", 201)["id"]

    # -- volunteer and points -----------------------------------------------------------
    def _volunteer(self):
        def team(name, member):
            created = self.post(f"{V}/teams", {"name": name, "community_id": self.a,
                                               "skills": ["elderly_care"], "areas": ["3号楼"]},
                                "staff", 201)["id"]
            if member:
                self.post(f"{V}/teams/{created}/members", {"resident_id": self.id(member)},
                          "staff", 201)
            return created
        self.team1, self.team2 = team("助老一队", "team_member"), team("助老二队", "other_team_member")
        self.team3 = team("矩阵三队", None)
        self.reward = self.post(f"{P}/rewards", {"name": "洗衣液", "cost_points": 1,
                                                 "stock": 1000}, "staff", 201)["id"]
        with ThreadPoolExecutor(4) as pool:
            grants = list(pool.map(lambda role: self.grant(role, 100), RESIDENTS))
        self.transfer = grants[0]
        self.redemption_id = self.redemption()
        self.req_submitted = self.submitted()
        self.req_dispatched = self.dispatched()
        self.req_accepted = self.accepted()
        self.req_completed = self.completed()

    @staticmethod
    def request_body():
        return {"category": "elderly_care", "description": "陪同老人去医院", "address": "3号楼2单元",
                "urgency": "normal"}

    def submitted(self):
        return self.post(f"{V}/requests", self.request_body(), "resident", 201)["id"]

    def dispatched(self):
        request_id = self.submitted()
        self.post(f"{V}/requests/{request_id}/dispatch", {"team_id": self.team1}, "staff", 200)
        return request_id

    def accepted(self):
        request_id = self.dispatched()
        self.post(f"{V}/requests/{request_id}/accept", {}, "team_member", 200)
        return request_id

    def completed(self):
        request_id = self.accepted()
        self.post(f"{V}/requests/{request_id}/complete",
                  {"hours": 1, "volunteer_ids": [self.id("team_member")]}, "team_member", 200)
        return request_id

    def grant(self, role="resident", points=1):
        return self.post(f"{P}/grants", {"resident_id": self.id(role), "points": points,
                                         "reason": "开户积分", "key": uuid.uuid4().hex},
                         "staff", 201)["id"]

    def redemption(self):
        return self.post(f"{P}/redemptions", {"reward_id": self.reward}, "resident", 201)["id"]

    # -- needs and micro-wishes ----------------------------------------------------------
    def _needs(self):
        self.need = self.fresh_need()
        self.wish_pending = self.fresh_wish()
        self.wish = self.fresh_wish("open")
        self.wish_claimed = self.fresh_wish("claimed")
        self.wish_fulfilled = self.fresh_wish("fulfilled")

    def need_body(self, role):
        body = {"category": "safety", "description": "楼道灯坏了", "source": "app"}
        if role in MANAGERS + ("other_staff",):
            body.update(source="visit", resident_id=self.id("resident"))
        return body

    def wish_body(self, role):
        body = {"title": "想要一个书包", "description": "孩子的书包坏了", "budget_fen": 8000}
        if role in MANAGERS + ("other_staff",):
            body["resident_id"] = self.id("resident")
        return body

    def fresh_need(self):
        return self.post(NE, self.need_body("resident"), "resident", 201)["id"]

    def fresh_wish(self, status="pending_review"):
        """A wish of "resident" in ``status``, claimed by "other_resident"."""
        wish_id = self.post(WI, self.wish_body("resident"), "resident", 201)["id"]
        steps = [("approve", "staff", {}), ("claim", "other_resident", {}),
                 ("fulfil", "other_resident", {"note": "已送到"})]
        wanted = {"pending_review": 0, "open": 1, "claimed": 2, "fulfilled": 3}[status]
        for action, role, body in steps[:wanted]:
            self.post(f"{WI}/{wish_id}/{action}", body, role, 200)
        return wish_id


    # -- facilities --------------------------------------------------------------------
    def _facilities(self):
        self.room = self.post(f"{F}/rooms", {"name": "矩阵阅览室", "community_id": self.a,
                                             "kind": "reading", "capacity": 8, "opening": None},
                              "staff", 201)
        self._slots = iter(range(10_000))
        self._walk_in_rooms = {}
        self.room_booking = self.post(f"{F}/room-bookings", {"room_id": self.room["id"],
                                                             **self.next_slot()},
                                      "resident", 201)["id"]
        self.item = self.fresh_item()
        self.post(f"{F}/equipment-loans", {"code": self.item["code"], "accept_rules": True},
                  "spare", 201)

    def next_slot(self):
        """A half hour of the world's room nobody has had yet."""
        start = dt.datetime.combine(dt.date.fromisoformat(self.days[2]), dt.time(0, 0),
                                    tzinfo=dt.timezone(dt.timedelta(hours=8)))
        start += dt.timedelta(minutes=30 * next(self._slots))
        return {"start": start.isoformat(), "end": (start + dt.timedelta(minutes=30)).isoformat()}

    def fresh_room_booking(self, role):
        """A booking of the resident (for the resident's cell) or of the spare resident."""
        booker = "resident" if role == "resident" else "spare"
        return self.post(f"{F}/room-bookings", {"room_id": self.room["id"], **self.next_slot()},
                         booker, 201)["id"]

    def starting_booking(self):
        """The resident's booking, moved to start in five minutes (check-in is open);
        a request's clock cannot be moved, so its start is, in its own database."""
        booking_id = self.fresh_room_booking("resident")
        start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
        self.stack.db("facilities")["room_bookings"].update_one(
            {"_id": booking_id}, {"$set": {"start": start,
                                           "no_show_at": start + dt.timedelta(minutes=15)}})
        return booking_id

    def walk_in_room(self, role):
        """A room of its own for each role's walk-in (free now)."""
        if role not in self._walk_in_rooms:
            self._walk_in_rooms[role] = self.post(f"{F}/rooms", {
                "name": f"矩阵琴房-{role}", "community_id": self.a, "kind": "music",
                "capacity": 2, "opening": None}, "staff", 201)
        return self._walk_in_rooms[role]

    @staticmethod
    def speaker_rules():
        now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
        return {"max_volume_db": 70,
                "allowed": {"start": (now - dt.timedelta(hours=2)).strftime("%H:%M"),
                            "end": (now + dt.timedelta(hours=3)).strftime("%H:%M")}}

    def fresh_item(self):
        return self.post(f"{F}/equipment", {"name": "矩阵音箱", "kind": "speaker",
                                            "community_id": self.a,
                                            "code": "AMX-" + uuid.uuid4().hex[:10],
                                            "rules": self.speaker_rules()}, "staff", 201)

    def _lend(self, borrower_token):
        item = self.fresh_item()
        _ok(self.api.post(f"{F}/equipment-loans", {"code": item["code"], "accept_rules": True},
                          borrower_token), 201)
        return item

    def fresh_equipment_loan(self, role):
        """An item on loan: to the resident for the resident's cell, else to a newcomer."""
        borrower = (self.tokens["resident"] if role == "resident"
                    else self.api.resident(self.a)["token"])
        return self._lend(borrower)["code"]

    def item_in_maintenance(self):
        borrower = self.api.resident(self.a)["token"]
        item = self._lend(borrower)
        _ok(self.api.post(f"{F}/equipment-returns", {"code": item["code"], "condition": "damaged"},
                          borrower), 200)
        return item["id"]


@pytest.fixture(scope="module")
def world(api, stack):
    return World(api, stack)


# -- the tests ----------------------------------------------------------------------------
def _assert_error_shape(answer, where):
    try:
        body = answer.json()
    except ValueError:
        raise AssertionError(f"{where}: error body is not JSON: {answer.text[:200]!r}") from None
    error = body.get("error") if isinstance(body, dict) else None
    assert isinstance(error, dict), f"{where}: no 'error' object in {body!r}"
    assert isinstance(error.get("code"), str) and error["code"], f"{where}: {body!r}"
    assert isinstance(error.get("message"), str), f"{where}: {body!r}"
    assert isinstance(error.get("details"), dict), f"{where}: {body!r}"


@pytest.mark.parametrize("row,role", [pytest.param(row, role, id=f"{row.key} as {role}")
                                      for row in ROWS for role in ROLES])
def test_access(api, world, row, role):
    fresh = row.allowed(role)
    path = row.path.format(**(row.params(world, role, fresh) if row.params else {}))
    answer = api.request(row.method, path, world.tokens[role],
                         params=row.query(world) if row.query else None,
                         json=row.json(world, role, fresh) if row.json else None)
    expected, got = row.expected(role), answer.status_code
    where = f"{row.key} as {role} ({row.method} {path})"
    deviation = KNOWN_DEVIATIONS.get((row.key, role))
    assert got == expected, (
        f"{where}: the contract gives {expected}, the system answered {got}: "
        f"{answer.text[:300]}" + (f"\nKNOWN DEVIATION: {deviation}" if deviation else ""))
    assert got < 500
    if got >= 400:
        _assert_error_shape(answer, where)
    if row.secret and got == 200:   # a list shows others' things to nobody
        secret = row.secret(world)
        if role in row.shown_to:
            assert secret in answer.text, f"{where}: {secret} missing from the list"
        if role in row.hidden_from:
            assert secret not in answer.text, f"{where}: lists {secret}, not theirs"


@pytest.mark.parametrize("row", [pytest.param(row, id=f"{row.key} as anonymous, invalid input")
                                 for row in ROWS if row.in_spec and not row.public])
def test_anonymous_is_refused_before_the_input_is_read(api, world, row):
    """No token and a bad body or query: still 401 (the contract's "missing token: 401"
    holds whatever the input; a 422 would answer strangers about the schema)."""
    path = row.path.format(**(row.params(world, "anonymous", False) if row.params else {}))
    body = {**row.json(world, "anonymous", False), "unknown_field": 1} if row.json else None
    answer = api.request(row.method, path, None, json=body,
                         params={**(row.query(world) if row.query else {}), "unknown_field": "1"})
    where = f"{row.key} as anonymous, invalid input"
    deviation = KNOWN_DEVIATIONS.get((row.key, "anonymous, invalid input"))
    assert answer.status_code == 401, (
        f"{where}: the contract gives 401, the system answered {answer.status_code}: "
        f"{answer.text[:200]}" + (f"\nKNOWN DEVIATION: {deviation}" if deviation else ""))
    _assert_error_shape(answer, where)


def test_every_spec_route_has_a_row(api):
    """A route added to the gateway without a row in ROWS fails here (and a row whose
    route left the spec, so the table never goes stale)."""
    spec = api.get("/openapi.json").json()
    routes = {f"{method.upper()} {path}" for path, item in spec["paths"].items()
              for method in item if method in HTTP_METHODS}
    table = {row.key for row in ROWS if row.in_spec}
    assert len(table) == len([row for row in ROWS if row.in_spec]), "duplicate rows"
    assert not routes - table, f"routes in /openapi.json without a row: {sorted(routes - table)}"
    assert not table - routes, f"rows for routes not in /openapi.json: {sorted(table - routes)}"


def test_no_known_deviations():
    """Fails while the system disagrees with the contract somewhere (see the cells)."""
    assert not KNOWN_DEVIATIONS, "cells where the system disagrees with the contract:\n" + \
        "\n".join(f"- {key} as {role}: {why}" for (key, role), why in KNOWN_DEVIATIONS.items())
