"""The hot paths of the facilities service, driven through the gateway, for the query
plan tests: every list with its next page, the day view, booking, walk-in, check-in,
cancel, loans, returns, complaints, and both jobs."""
import datetime as dt
import uuid

F = "/api/v1/facilities"
CST = dt.timezone(dt.timedelta(hours=8))


def _ok(answer, status=200):
    assert answer.status_code == status, answer.text
    return answer.json()


def _pages(api, path, token, **params):
    first = _ok(api.get(path, token, params={"limit": 1, **params}))
    if first["next_cursor"]:
        _ok(api.get(path, token, params={"limit": 1, "cursor": first["next_cursor"], **params}))


def facilities_paths(api, community, staff, resident):
    neighbour = api.resident(community["id"], name="孙丽")
    room = _ok(api.post(f"{F}/rooms", {"name": f"计划阅览室-{uuid.uuid4().hex[:4]}",
                                       "community_id": community["id"], "kind": "reading",
                                       "capacity": 10, "opening": None}, staff["token"]), 201)
    day = dt.date.today() + dt.timedelta(days=5)
    for hour, who in ((9, resident), (11, resident), (14, neighbour)):
        start = dt.datetime.combine(day, dt.time(hour, 0), tzinfo=CST)
        _ok(api.post(f"{F}/room-bookings", {"room_id": room["id"], "start": start.isoformat(),
                                            "end": (start + dt.timedelta(hours=1)).isoformat(),
                                            "purpose": "读书"}, who["token"]), 201)
    mine = _ok(api.get(f"{F}/room-bookings", resident["token"]))["items"]
    _ok(api.post(f"{F}/room-bookings/{mine[0]['id']}/cancel", None, resident["token"]))
    _ok(api.post(f"{F}/room-bookings/{mine[1]['id']}/check-in", {"door_code": room["door_code"]},
                 resident["token"]), 409)
    _ok(api.post(f"{F}/rooms/{room['id']}/walk-in", {"door_code": room["door_code"],
                                                     "minutes": 30}, neighbour["token"]), 201)
    _ok(api.get(f"{F}/rooms/{room['id']}/bookings", neighbour["token"],
                params={"date": day.isoformat()}))
    _pages(api, f"{F}/rooms", resident["token"])
    _pages(api, f"{F}/rooms", staff["token"], kind="reading", community_id=community["id"])
    _pages(api, f"{F}/room-bookings", resident["token"])
    _pages(api, f"{F}/room-bookings", resident["token"], room_id=room["id"])
    _pages(api, f"{F}/room-bookings", resident["token"], room_id=room["id"], date=day.isoformat())
    _pages(api, f"{F}/room-bookings", staff["token"], room_id=room["id"], date=day.isoformat())
    _ok(api.get(f"{F}/doors/{room['door_code']}", resident["token"]))

    now = dt.datetime.now(CST)
    allowed = {"start": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
               "end": (now + dt.timedelta(hours=2)).strftime("%H:%M")}
    codes = [f"PLAN-{uuid.uuid4().hex[:6]}" for _ in range(2)]
    for code in codes:
        _ok(api.post(f"{F}/equipment", {"name": "音箱", "kind": "speaker",
                                        "community_id": community["id"], "code": code,
                                        "rules": {"max_volume_db": 70, "allowed": allowed}},
                     staff["token"]), 201)
    _pages(api, f"{F}/equipment", resident["token"], kind="speaker")
    loan = _ok(api.post(f"{F}/equipment-loans", {"code": codes[0], "accept_rules": True},
                        resident["token"]), 201)
    _ok(api.post(f"{F}/complaints", {"code": codes[0], "description": "太吵"},
                 neighbour["token"]), 201)
    _pages(api, f"{F}/complaints", staff["token"])
    _pages(api, f"{F}/equipment-loans", resident["token"])
    _pages(api, f"{F}/equipment-loans", staff["token"])
    _ok(api.post(f"{F}/equipment-returns", {"code": codes[0], "condition": "damaged"},
                 resident["token"]))
    item = _ok(api.get(f"{F}/equipment/by-code/{codes[0]}", staff["token"]))
    _ok(api.post(f"{F}/equipment/{item['id']}/restore", None, staff["token"]))
    _ok(api.post(f"{F}/equipment-loans", {"code": codes[1], "accept_rules": True},
                 neighbour["token"]), 201)
    for job, as_of in (("facilities-no-show", dt.datetime.combine(day, dt.time(23, 0), tzinfo=CST)),
                       ("facilities-equipment-overdue", now + dt.timedelta(hours=3))):
        _ok(api.post(f"/api/v1/admin/jobs/{job}", {"as_of": as_of.isoformat()}, staff["token"]))
        _ok(api.post(f"/api/v1/admin/jobs/{job}", {"as_of": as_of.isoformat()}, api.admin()))
    return loan
