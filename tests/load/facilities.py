"""Bench scenarios of the facilities service (run by tests/load/bench.py):

- "facilities room booking POST": every call books a fresh (room, half hour) for a
  resident: the resident's place taken by a conditional update, one grid-cell claim
  inserted per half hour (two per booking here), the booking and its outbox row, all
  in one transaction. A resident holds at most 2 future bookings, so the scenario
  registers enough residents for 2 bookings each; past that the answers are 409
  ``limit_reached`` (counted, not errors).
- "facilities room day GET": a resident reads a room's day (8 bookings).
"""
import datetime as dt
import uuid

F = "/api/v1/facilities"
ROOMS = 8
RESIDENTS = 400
CST = dt.timezone(dt.timedelta(hours=8))


def scenarios(env) -> dict:
    api = env.api
    community = api.community()
    staff = api.staff(community["id"])["token"]
    rooms = []
    for n in range(ROOMS):
        answer = api.post(f"{F}/rooms", {"name": f"压测功能室{n}-{uuid.uuid4().hex[:4]}",
                                         "community_id": community["id"], "kind": "activity",
                                         "capacity": 20, "opening": None}, staff)
        assert answer.status_code == 201, answer.text
        rooms.append(answer.json()["id"])
    residents = [api.resident(community["id"], name=f"居民{n}")["token"]
                 for n in range(RESIDENTS + 5)]
    warm_up = residents.pop()
    day_bookers = [residents.pop() for _ in range(4)]  # the day read's 8 bookings
    first = dt.datetime.combine(dt.date.today() + dt.timedelta(days=2), dt.time(0, 0), tzinfo=CST)

    def book(i):
        # call i: room i % ROOMS, the (i // ROOMS)-th hour from the first day; resident
        # i % RESIDENTS (each books twice before the pairs give limit_reached)
        token = warm_up if i < 0 else residents[i % RESIDENTS]
        i = max(i, 0) + (10**6 if token is warm_up else 0)
        start = first + dt.timedelta(hours=i // ROOMS)
        return api.post(f"{F}/room-bookings", {
            "room_id": rooms[i % ROOMS], "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=1)).isoformat(), "purpose": "压测"},
            token).status_code

    day_room = rooms[0]
    day = first.date() + dt.timedelta(days=400)
    for hour in range(8):
        start = dt.datetime.combine(day, dt.time(9 + hour, 0), tzinfo=CST)
        api.post(f"{F}/room-bookings", {"room_id": day_room, "start": start.isoformat(),
                                        "end": (start + dt.timedelta(minutes=30)).isoformat()},
                 day_bookers[hour // 2])
    reader = residents[0]

    def read_day(i):
        return api.get(f"{F}/rooms/{day_room}/bookings?date={day.isoformat()}", reader).status_code

    return {"facilities room booking POST": book, "facilities room day GET": read_day}
