"""Bench scenarios of the canteen (run by tests/load/bench.py):

- "canteen booking POST": every call books a fresh (diner, meal) pair, so each one is a
  real booking: the conditional take on the menu's ``remaining``, the insert and the
  outbox row in one transaction. Consecutive calls go to different meals (diners
  booking across the week).
- "canteen booking POST, one meal": the same, but 64 consecutive calls book the same
  meal, the contended case (everyone books Friday's lunch at once): bookings of one
  meal write one menu document, so they take turns.
- "canteen menu GET": a resident reads a site's week of menus (21 menus, 6 dishes each).
"""
import datetime as dt
import uuid

C = "/api/v1/canteen"
DINERS = 64
DAYS = 60
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
    slots = [(first_day + dt.timedelta(days=d), meal) for d in range(DAYS) for meal in MEALS]
    diners = [api.resident(community["id"], name=f"食客{n}")["token"] for n in range(DINERS + 1)]
    warm_up = diners.pop()

    def booking(site_id, pair):
        def book(i):
            # past DINERS * len(slots) calls the pairs repeat and the answers are 409
            diner, slot = pair(max(i, 0))
            day, meal = slots[slot % len(slots)]
            token = warm_up if i < 0 else diners[diner % DINERS]
            return api.post(f"{C}/bookings", {"site_id": site_id, "date": day.isoformat(),
                                              "meal": meal, "portions": 1}, token).status_code
        return book

    spread_site, one_meal_site = site(f"压测食堂-{uuid.uuid4().hex[:4]}"), site("同餐压测食堂")
    for site_id in (spread_site, one_meal_site):
        for day, meal in slots:
            publish(site_id, day, meal, capacity=DINERS + 1)
    spread = booking(spread_site, lambda i: (i // len(slots), i))
    one_meal = booking(one_meal_site, lambda i: (i, i // DINERS))

    menu_site = site(f"初心食堂-{uuid.uuid4().hex[:4]}")
    week = [first_day + dt.timedelta(days=d) for d in range(7)]
    for day in week:
        for meal in MEALS:
            publish(menu_site, day, meal, capacity=80)
    reader = diners[0]
    menu_path = f"{C}/sites/{menu_site}/menus?from={week[0].isoformat()}&to={week[-1].isoformat()}"

    def read_menus(i):
        return api.get(menu_path, reader).status_code

    return {"canteen booking POST": spread, "canteen booking POST, one meal": one_meal,
            "canteen menu GET": read_menus}
