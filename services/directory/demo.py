"""Demo data for the directory, through the public HTTP API: what residents of the
seeds' community look up most ("便民场所、便民电话"): the community clinic, a pharmacy
open late, a locksmith, the street office, the police station, utilities, elderly care
and housekeeping, with their weekly hours."""
from shared.demo import expect

WEEKDAYS, EVERY_DAY = [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6, 7]
PLACES = [
    {"name": "凌云社区卫生服务站", "category": "clinic", "address": "凌云路 18 号 1 楼",
     "phone": "021-6438 2210", "notes": "家庭医生签约、慢病配药、老年人体检",
     "hours": [{"days": WEEKDAYS, "open": "08:00", "close": "17:00"},
               {"days": [6], "open": "08:00", "close": "12:00"}]},
    {"name": "益丰大药房（凌云店）", "category": "pharmacy", "address": "凌云路 42 号",
     "phone": "021-6438 9901", "notes": "夜间售药窗口开到凌晨两点，可刷医保卡",
     "hours": [{"days": EVERY_DAY, "open": "08:00", "close": "02:00"}]},
    {"name": "老周开锁换锁", "category": "repair", "address": "凌云菜场东门",
     "phone": "138 1652 7730", "notes": "公安备案，上门开锁需出示身份证",
     "hours": [{"days": EVERY_DAY, "open": "07:00", "close": "22:00"}]},
    {"name": "凌云街道办事处（社区事务受理中心）", "category": "government",
     "address": "凌云路 1 号", "phone": "021-6438 0001",
     "notes": "社保、医保、居住证、老年卡办理",
     "hours": [{"days": WEEKDAYS, "open": "09:00", "close": "17:00"}]},
    {"name": "凌云派出所", "category": "police", "address": "凌云路 66 号",
     "phone": "110", "notes": "户籍窗口：工作日 9:00-17:00，周六上午",
     "hours": [{"days": EVERY_DAY, "open": "00:00", "close": "00:00"}]},
    {"name": "自来水热线", "category": "utility", "address": "（电话服务）",
     "phone": "962740", "hours": [{"days": EVERY_DAY, "open": "00:00", "close": "00:00"}]},
    {"name": "凌云社区长者照护之家", "category": "elderly_care", "address": "凌云路 20 号",
     "phone": "021-6438 5566", "notes": "日间照料、助浴、短期托养",
     "hours": [{"days": EVERY_DAY, "open": "07:30", "close": "19:00"}]},
    {"name": "阿姨帮家政", "category": "housekeeping", "address": "凌云路 30 号 2 楼",
     "phone": "021-6438 7788", "notes": "保洁、做饭、陪护，钟点工按小时计",
     "hours": [{"days": [1, 2, 3, 4, 5, 6], "open": "08:30", "close": "18:00"}]},
]


def load(api, community_id, staff_token, resident_tokens: list[str]) -> None:
    for place in PLACES:
        expect(api.post("/directory/places", {**place, "community_id": community_id},
                        staff_token))
