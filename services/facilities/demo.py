"""Demo data for rooms and shared equipment, through the public HTTP API: the
centre's function rooms ("不打烊": the calligraphy room open around the clock, free to
residents; a reading room in the day; a private counselling room; a training room),
two square-dance speakers lent with a volume cap and evening hours (to end the noise
complaints), and a few residents' bookings for tomorrow."""
import datetime as dt

from shared import clock
from shared.demo import expect

ROOMS = [
    {"name": "明德阅览室", "kind": "reading", "capacity": 24,
     "opening": {"start": "08:00", "end": "21:00"}, "private": False, "max_minutes": 180},
    {"name": "翰墨书画室", "kind": "calligraphy", "capacity": 12, "opening": None,
     "private": False, "max_minutes": 120},
    {"name": "心语心理咨询室", "kind": "counselling", "capacity": 3,
     "opening": {"start": "09:00", "end": "17:30"}, "private": True, "max_minutes": 60},
    {"name": "社区培训室", "kind": "training", "capacity": 40,
     "opening": {"start": "08:30", "end": "21:30"}, "private": False, "max_minutes": 120},
]
SPEAKERS = [
    {"name": "广场舞智能音箱（南广场）", "kind": "speaker", "code": "YX-001",
     "rules": {"max_volume_db": 65, "allowed": {"start": "18:30", "end": "20:30"}}},
    {"name": "广场舞智能音箱（北花园）", "kind": "speaker", "code": "YX-002",
     "rules": {"max_volume_db": 60, "allowed": {"start": "07:00", "end": "09:00"}}},
]
BOOKINGS = [  # (room index, hour, minutes, purpose) for tomorrow
    (0, 9, 120, "老年读书会"), (1, 19, 90, "书法练习"), (3, 14, 60, "智能手机使用课"),
]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=clock.community_tz())


def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    rooms = [expect(api.post("/facilities/rooms", {**room, "community_id": community_id},
                             staff_token)) for room in ROOMS]
    for speaker in SPEAKERS:  # codes are unique district-wide: the community's mark on each
        code = f"{speaker['code']}-{community_id[:4].upper()}"
        expect(api.post("/facilities/equipment", {**speaker, "code": code,
                                                  "community_id": community_id}, staff_token))
    tomorrow = clock.today_local() + dt.timedelta(days=1)
    for token, (room, hour, minutes, purpose) in zip(resident_tokens, BOOKINGS):
        start = _at(tomorrow, hour)
        api.post("/facilities/room-bookings", {
            "room_id": rooms[room]["id"], "start": start.isoformat(),
            "end": (start + dt.timedelta(minutes=minutes)).isoformat(), "purpose": purpose}, token)
