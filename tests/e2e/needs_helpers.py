"""Set-up shared by the needs e2e tests: a community with staff and residents, a
wish taken through its steps."""
from tests.e2e.volunteer_helpers import ok

N = "/api/v1/needs"
W = "/api/v1/wishes"


def community_with_staff(api):
    community = api.community()
    return community, api.staff(community["id"], name="刘网格员")


def wisher(api, community_id, name="王秀英"):
    return api.resident(community_id, name=name, building="5栋", unit="2单元")


def post_wish(api, resident, title="想要一个新书包", budget_fen=8000, **extra):
    return ok(api.post(W, {"title": title, "description": "孩子上三年级，旧书包带子断了",
                           "budget_fen": budget_fen, **extra}, resident["token"]), 201)


def open_wish(api, staff, resident, points=None, **extra):
    wish = post_wish(api, resident, **extra)
    body = {} if points is None else {"points": points}
    return ok(api.post(f"{W}/{wish['id']}/approve", body, staff["token"]))


def step(api, wish_id, action, token, payload=None):
    return api.post(f"{W}/{wish_id}/{action}", payload if payload is not None else {}, token)


def record(api, resident, category="safety", description="楼道灯坏了，老人晚上看不清台阶",
           **extra):
    return ok(api.post(N, {"category": category, "description": description, "source": "app",
                           **extra}, resident["token"]), 201)


def categories(api, token):
    return [m["category"] for m in ok(api.get("/api/v1/notifications", token))["items"]]
