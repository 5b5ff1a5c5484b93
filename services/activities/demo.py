"""Demo data for activities, through the public HTTP API: a weekend calligraphy
course of four Saturdays, a parent-child reading hour, a Friday film night and this
month's birthday gathering for elders, with a few residents signed up (one with a
child)."""
import calendar
import datetime as dt

from shared import clock


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clock.community_tz())


def _next(weekday: int, after: dt.date) -> dt.date:
    """The first ``weekday`` (Monday 0) after ``after``."""
    return after + dt.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _sessions(first: dt.date, hour: int, hours: float, weeks: int = 1) -> list[dict]:
    starts = [_at(first + dt.timedelta(weeks=w), hour) for w in range(weeks)]
    return [{"start": s.isoformat(), "end": (s + dt.timedelta(hours=hours)).isoformat()}
            for s in starts]


def _birthday_day(today: dt.date) -> dt.date:
    """The gathering's day: the last day of this month (next month's when that is today)."""
    last = today.replace(day=calendar.monthrange(today.year, today.month)[1])
    if last > today:
        return last
    following = last + dt.timedelta(days=1)
    return following.replace(day=calendar.monthrange(following.year, following.month)[1])


def activities(today: dt.date) -> list[dict]:
    saturday, friday = _next(5, today), _next(4, today)
    sunday = _next(6, today)
    birthday = _birthday_day(today)
    return [
        {"title": "周末书法班（四周）", "kind": "course", "capacity": 16,
         "description": "毛笔楷书入门，每周六上午，笔墨纸砚由中心提供。",
         "location": "社区活动中心二楼书画室", "sessions": _sessions(saturday, 9, 2, weeks=4),
         "min_age": 8, "attendance_points": 5},
        {"title": "亲子阅读时光", "kind": "class", "capacity": 12,
         "description": "绘本共读与手工，家长与孩子一同报名（每组最多四人）。",
         "location": "邻里书屋", "sessions": _sessions(sunday, 10, 1.5), "min_age": 3,
         "attendance_points": 3},
        {"title": "周五电影之夜：《我和我的祖国》", "kind": "screening", "capacity": 40,
         "description": "社区露天观影，自带小板凳。", "location": "幸福里小广场",
         "sessions": _sessions(friday, 19, 2.5)},
        {"title": f"{birthday.month}月长者集体生日会", "kind": "gathering", "capacity": 30,
         "description": "为本月生日的 60 岁以上长者庆生：长寿面、蛋糕和文艺节目。",
         "location": "社区日间照料中心", "sessions": _sessions(birthday, 14, 2),
         "birthday_month": birthday.month, "attendance_points": 2},
    ]


def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    made = []
    for body in activities(clock.today_local()):
        first = dt.datetime.fromisoformat(body["sessions"][0]["start"])
        answer = api.post("/activities", {**body, "community_id": community_id,
                                          "signup_closes_at": (first - dt.timedelta(hours=2))
                                          .isoformat()}, staff_token)
        answer.raise_for_status()
        made.append(answer.json())
    calligraphy, reading, film, _ = made
    me = [api.get("/me", token).json() for token in resident_tokens]
    for person, token in zip(me, resident_tokens):
        adult = {"name": person["name"], "birth_date": person.get("birth_date") or "1980-01-01"}
        api.post(f"/activities/{film['id']}/signups", {"party": [adult]}, token)
    if len(me) > 2:
        api.post(f"/activities/{reading['id']}/signups", {"party": [
            {"name": me[2]["name"], "birth_date": me[2].get("birth_date") or "1990-01-01"},
            {"name": "小雨", "birth_date": "2019-05-20"}]}, resident_tokens[2])
    if me:
        api.post(f"/activities/{calligraphy['id']}/signups", {"party": [
            {"name": me[0]["name"], "birth_date": me[0].get("birth_date") or "1960-01-01"}]},
            resident_tokens[0])
