"""Bench scenarios of the canteen (run by tests/load/bench.py):

- "canteen booking POST": every call books a fresh (diner, meal) pair, so each one is a
  real booking: the conditional take on the menu's ``remaining``, the insert and the
  outbox row in one transaction. Consecutive calls go to the same meal (64 diners a
  meal), which is the contended case: everyone books Friday's lunch.
- "canteen menu GET": a resident reads a site's week of menus (21 menus, 6 dishes each).
"""
import datetime as dt
import uuid

C = "/api/v1/canteen"
DINERS = 64
DAYS = 120
MEALS = ("breakfast", "lunch", "dinner")
DISHES = [
    {"name": "鱼香肉丝", "tags": ["meat"], "price_fen": 1200},
    {"name": "西红柿炒鸡蛋", "tags": ["vegetable", "soft"], "price_fen": 800},
    {"name": "清炒时蔬", "tags": ["vegetable", "low_salt"], "price_fen": 600},
    {"name": "红烧排骨", "tags": ["meat"], "price_per_100g_fen": 450},
    {"name": "自选素菜", "tags": ["vegetable"], "price_per_100g_fen": 260},
    {"name": "米饭", "tags": [], "price_fen": 100},
]


def scenarios(env) -> dict:
    api = env.api
    community = api.community()
    staff = api.staff(community["id"])["token"]

    def site(name):
        answer = api.post(f"{C}/sites", {"name": name, "community_id": community["id"],
                                         "elder_discount_percent": 10}, staff)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def publish(site_id, day, meal, capacity):
        cutoff = f"{(day - dt.timedelta(days=1)).isoformat()}T20:00:00+08:00"
        answer = api.put(f"{C}/sites/{site_id}/menus/{day.isoformat()}/{meal}",
                         {"capacity": capacity, "booking_cutoff": cutoff, "dishes": DISHES},
                         staff)
        assert answer.status_code == 200, answer.text

    first_day = dt.date.today() + dt.timedelta(days=2)
    booking_site = site(f"压测食堂-{uuid.uuid4().hex[:4]}")
    slots = [(first_day + dt.timedelta(days=d), meal) for d in range(DAYS) for meal in MEALS]
    for day, meal in slots:
        publish(booking_site, day, meal, capacity=DINERS)
    diners = [api.resident(community["id"], name=f"食客{n}")["token"] for n in range(DINERS + 1)]
    warm_up = diners.pop()

    def book(i):
        # past DINERS * len(slots) calls the pairs repeat and the answers are 409
        token = warm_up if i < 0 else diners[i % DINERS]
        day, meal = slots[max(i, 0) // DINERS % len(slots)]
        return api.post(f"{C}/bookings", {"site_id": booking_site, "date": day.isoformat(),
                                          "meal": meal, "portions": 1}, token).status_code

    menu_site = site(f"初心食堂-{uuid.uuid4().hex[:4]}")
    week = [first_day + dt.timedelta(days=d) for d in range(7)]
    for day in week:
        for meal in MEALS:
            publish(menu_site, day, meal, capacity=80)
    reader = diners[0]
    menu_path = f"{C}/sites/{menu_site}/menus?from={week[0].isoformat()}&to={week[-1].isoformat()}"

    def read_menus(i):
        return api.get(menu_path, reader).status_code

    return {"canteen booking POST": book, "canteen menu GET": read_menus}
