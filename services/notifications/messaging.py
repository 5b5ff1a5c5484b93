"""What gets said to people: templates (data in templates.json), languages, and who
an event concerns."""
import json
from pathlib import Path

from shared import clock
from shared.catalogue import CATALOGUE

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
TEMPLATES: dict[str, dict] = json.loads(
    (Path(__file__).parent / "templates.json").read_text(encoding="utf-8"))
# Events that concern no single person: nothing goes to an inbox for them.
NOT_PERSONAL = {"residents.resident_updated", "canteen.menu_published"}

MEALS_ZH = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
CATEGORIES_ZH = {"elderly_care": "助老", "repair": "维修", "escort": "陪同就医",
                 "cleaning": "清洁", "tutoring": "辅导", "companionship": "陪伴",
                 "other": "其他"}


def recipients_rule(event_type: str) -> str | None:
    template = TEMPLATES.get(event_type)
    return template["recipients"] if template else None


def direct_recipients(event: dict) -> list[str]:
    """Recipients named in the event itself (``community_staff`` needs a lookup)."""
    data, rule = event["data"], recipients_rule(event["type"])
    if rule == "resident":
        return [data["resident_id"]] if data.get("resident_id") else []
    if rule == "team_members":
        return list(dict.fromkeys(data.get("member_ids") or []))
    return []


class _Blank(dict):
    def __missing__(self, key):
        return ""


def render(event: dict, language: str) -> dict:
    """Title and body of the message for ``event`` in ``language``."""
    template = TEMPLATES[event["type"]]
    text = template.get(language) or template[DEFAULT_LANGUAGE]
    values = _Blank(event["data"])
    values["meal_zh"] = MEALS_ZH.get(values.get("meal"), values.get("meal", ""))
    values["category_zh"] = CATEGORIES_ZH.get(values.get("category"), values.get("category", ""))
    if isinstance(values.get("total_fen"), int):
        values["total_yuan"] = f"{values['total_fen'] / 100:.2f}"
    if values.get("expires_at"):
        local = clock.parse_instant(values["expires_at"]).astimezone(clock.community_tz())
        values["expires_at_local"] = local.strftime("%Y-%m-%d %H:%M")
    return {"title": text["title"].format_map(values), "body": text["body"].format_map(values)}


def reference(event: dict) -> dict:
    """What the message is about: ``{type, id}`` of the resource in the event."""
    data = event["data"]
    for key in ("booking_id", "loan_id", "hold_id", "request_id", "redemption_id",
                "transfer_id", "signup_id", "activity_id", "resident_id"):
        if data.get(key):
            return {"type": key[:-3], "id": data[key]}
    return {"type": event["type"], "id": event["event_id"]}


def personal_event_types() -> list[str]:
    return [t for t in CATALOGUE if t not in NOT_PERSONAL]
