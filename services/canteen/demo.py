"""Demo data for the canteen, through the public HTTP API: the community's 初心食堂
with a week of breakfast, lunch and dinner menus of ordinary home dishes (some
weighed at the buffet), and a few residents' bookings for tomorrow."""
import datetime as dt

from shared import clock

SITE = {"name": "凌云社区初心食堂", "elder_discount_percent": 20, "caring_lunch_price_fen": 990}

BREAKFASTS = [
    [("小米粥", ["soft", "low_salt"], 150), ("白粥", ["soft", "low_salt"], 100),
     ("肉包子", ["meat", "gluten"], 150), ("菜包子", ["vegetable", "gluten"], 120),
     ("茶叶蛋", [], 150), ("豆浆", ["soft"], 150)],
    [("豆腐脑", ["soft"], 300), ("油条", ["gluten"], 150), ("馒头", ["gluten"], 50),
     ("鸡蛋饼", ["gluten"], 400), ("凉拌黄瓜", ["vegetable", "low_salt"], 200)],
    [("鸡蛋面", ["gluten", "soft"], 600), ("南瓜粥", ["soft", "low_salt"], 150),
     ("花卷", ["gluten"], 80), ("咸鸭蛋", [], 200), ("拌海带丝", ["vegetable"], 200)],
]
LUNCHES = [
    [("鱼香肉丝", ["meat"], 1200), ("西红柿炒鸡蛋", ["vegetable", "soft"], 800),
     ("宫保鸡丁", ["meat", "peanut"], 1300), ("清炒时蔬", ["vegetable", "low_salt"], 600)],
    [("红烧肉", ["meat"], 1500), ("麻婆豆腐", ["vegetable"], 700),
     ("酸辣土豆丝", ["vegetable"], 500), ("蒜蓉西兰花", ["vegetable", "low_salt"], 700)],
    [("糖醋里脊", ["meat"], 1400), ("清蒸鲈鱼", ["meat", "soft", "low_salt"], 1800),
     ("油焖大虾", ["meat", "shellfish"], 2200), ("手撕包菜", ["vegetable"], 500)],
]
DINNERS = [
    [("青椒肉丝", ["meat"], 1100), ("家常豆腐", ["vegetable", "soft"], 700),
     ("冬瓜排骨汤", ["meat", "soft", "low_salt"], 900), ("饺子（猪肉白菜）", ["meat", "gluten"], 1000)],
    [("土豆炖牛肉", ["meat", "soft"], 1600), ("木耳炒山药", ["vegetable", "low_salt"], 800),
     ("紫菜蛋花汤", ["soft", "low_salt"], 300), ("炸酱面", ["meat", "gluten"], 900)],
]
WEIGHED = [("自选素菜", ["vegetable"], 260), ("自选荤菜", ["meat"], 450)]
STAPLES = [("米饭", [], 100), ("杂粮饭", ["low_salt"], 150)]
CUTOFFS = {"breakfast": (-1, 20, 0), "lunch": (0, 10, 0), "dinner": (0, 16, 0)}


def _dishes(fixed, weighed=(), staples=()):
    dishes = [{"name": n, "tags": t, "price_fen": p} for n, t, p in [*fixed, *staples]]
    dishes += [{"name": n, "tags": t, "price_per_100g_fen": p} for n, t, p in weighed]
    return dishes


def _cutoff(day: dt.date, meal: str) -> str:
    days, hour, minute = CUTOFFS[meal]
    local = dt.datetime.combine(day + dt.timedelta(days=days), dt.time(hour, minute),
                                tzinfo=clock.community_tz())
    return local.isoformat()


def week_of_menus(first_day: dt.date, days: int = 7):
    """``(date, meal, body)`` for every meal of the week, dishes rotating by day."""
    for n in range(days):
        day = first_day + dt.timedelta(days=n)
        yield day, "breakfast", {"capacity": 60, "booking_cutoff": _cutoff(day, "breakfast"),
                                 "dishes": _dishes(BREAKFASTS[n % len(BREAKFASTS)])}
        yield day, "lunch", {"capacity": 120, "booking_cutoff": _cutoff(day, "lunch"),
                             "dishes": _dishes(LUNCHES[n % len(LUNCHES)], WEIGHED, STAPLES)}
        yield day, "dinner", {"capacity": 80, "booking_cutoff": _cutoff(day, "dinner"),
                              "dishes": _dishes(DINNERS[n % len(DINNERS)], WEIGHED[:1], STAPLES)}


def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    site = api.post("/canteen/sites", {**SITE, "community_id": community_id}, staff_token)
    site.raise_for_status()
    site_id = site.json()["id"]
    today = clock.today_local()
    for day, meal, body in week_of_menus(today):
        api.put(f"/canteen/sites/{site_id}/menus/{day.isoformat()}/{meal}", body,
                staff_token).raise_for_status()
    tomorrow = (today + dt.timedelta(days=1)).isoformat()
    for n, token in enumerate(resident_tokens):
        meal = ("lunch", "dinner", "lunch")[n % 3]
        api.post("/canteen/bookings", {"site_id": site_id, "date": tomorrow, "meal": meal,
                                       "portions": 1 + n % 2}, token)
