"""Set-up shared by the volunteer e2e tests: a community with staff, a team and its
members, and the ledger check that runs after every test."""
from concurrent.futures import ThreadPoolExecutor

V = "/api/v1/volunteer"
P = "/api/v1/points"


def ok(answer, status=200):
    assert answer.status_code == status, (answer.status_code, answer.text)
    return answer.json()


def residents(api, community_id, n, name="志愿者"):
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda i: api.resident(community_id, name=f"{name}{i}"), range(n)))


def team(api, staff, community_id, members, skills=("elderly_care",), areas=("3号楼",),
         name="助老服务队"):
    created = ok(api.post(f"{V}/teams", {"name": name, "community_id": community_id,
                                         "skills": list(skills), "areas": list(areas)},
                          staff["token"]), 201)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda m: ok(api.post(f"{V}/teams/{created['id']}/members",
                                            {"resident_id": m["id"]}, staff["token"]), 201),
                      members))
    return created


def submit(api, resident, category="elderly_care", urgency="normal"):
    return ok(api.post(f"{V}/requests", {
        "category": category, "description": "独居老人需要陪同买菜", "address": "幸福里3号楼2单元",
        "urgency": urgency}, resident["token"]), 201)


def act(api, request_id, action, token, payload=None):
    return api.post(f"{V}/requests/{request_id}/{action}", payload or {}, token)


def assert_ledger_balanced(api):
    check = ok(api.get(f"{P}/ledger", api.admin()))
    assert check["entries_sum"] == 0, check
    assert check["balances_sum"] == 0, check
    assert check["negative_accounts"] == [], check
    return check
