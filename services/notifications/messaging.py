"""What gets said to people, and to whom: templates (data in templates.json),
languages, who an event concerns, and the inbox messages composed for them
(``deliver``: one per recipient, in their language, with its push when they have a
webhook). Every personal event type gets a handler in the service that calls
``deliver``; how pushes then go out is ``delivery.py`` and ``push.py``."""
import datetime as dt
import json
from pathlib import Path
from typing import Callable
from zoneinfo import ZoneInfo

from services.notifications import delivery
from shared import clock
from shared.catalogue import CATALOGUE
from shared.mongo import new_id

LANGUAGES = ("zh-CN", "en")
DEFAULT_LANGUAGE = "zh-CN"
TEMPLATES: dict[str, dict] = json.loads(
    (Path(__file__).parent / "templates.json").read_text(encoding="utf-8"))
# Events that concern no single person: nothing goes to an inbox for them.
NOT_PERSONAL = {"residents.resident_updated", "canteen.menu_published",
                "directory.place_added", "directory.place_updated", "directory.place_verified",
                "library.edition_added"}

MEALS_ZH = {"breakfast": "早餐", "lunch": "午餐", "dinner": "晚餐"}
CATEGORIES_ZH = {"elderly_care": "助老", "repair": "维修", "escort": "陪同就医",
                 "cleaning": "清洁", "tutoring": "辅导", "companionship": "陪伴",
                 "other": "其他", "culture": "文化", "hardship": "困难帮扶", "safety": "安全",
                 "health": "健康", "childcare": "儿童照护"}
CONDITIONS_ZH = {"ok": "完好", "damaged": "损坏（已送修）"}
ROUTES = {"volunteer_request": ("志愿服务", "volunteer request"), "wish": ("微心愿", "wish")}
# Rules that name the community's staff, whom the service looks up (residents RPC)
WITH_COMMUNITY_STAFF = {"community_staff", "resident_and_community_staff"}


def recipients_rule(event_type: str) -> str | None:
    template = TEMPLATES.get(event_type)
    return template["recipients"] if template else None


def direct_recipients(event: dict) -> list[str]:
    """Recipients named in the event itself (``community_staff`` needs a lookup)."""
    data, rule = event["data"], recipients_rule(event["type"])
    if rule in ("resident", "resident_and_community_staff"):
        return [data["resident_id"]] if data.get("resident_id") else []
    if rule == "team_members":
        return list(dict.fromkeys(data.get("member_ids") or []))
    return []


def recipients_of(event: dict, community_staff: Callable[[str], list[str]]) -> list[str]:
    """Everyone ``event`` concerns; ``community_staff(community_id)`` answers the staff
    of a community (the residents service knows them)."""
    named = direct_recipients(event)
    if recipients_rule(event["type"]) in WITH_COMMUNITY_STAFF:
        staff = community_staff(event["data"]["community_id"])
        return list(dict.fromkeys([*named, *staff]))
    return named


def deliver(store, event: dict, community_staff: Callable[[str], list[str]]) -> None:
    """One message per recipient, its push (if any) in the same document; a
    redelivery finds them there already and adds nothing."""
    recipients = recipients_of(event, community_staff)
    preferences = store.preferences_of(recipients)
    store.deliver(messages_for(event, recipients, preferences, clock.now(), clock.community_tz()))


def messages_for(event: dict, recipients: list[str], preferences: dict[str, dict],
                 now: dt.datetime, tz: ZoneInfo) -> list[dict]:
    """The inbox message of each recipient, in their language, with its webhook push
    embedded when they have a webhook and did not mute the category."""
    about = reference(event)
    messages = []
    for resident_id in recipients:
        prefs = preferences[resident_id]
        message = {"_id": new_id(), "event_id": event["event_id"],
                   "resident_id": resident_id, "category": event["type"], "read": False,
                   "created_at": now, "ref": about,
                   **render(event, prefs["language"])}
        if delivery.should_push(event["type"], prefs):
            message["push"] = {"state": "pending", "tries": 0, "attempts": [],
                               "community_id": delivery.push_community(prefs, event["data"]),
                               "not_before": delivery.push_not_before(now, prefs["quiet_hours"], tz)}
        messages.append(message)
    return messages


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
    values["condition_zh"] = CONDITIONS_ZH.get(values.get("condition"), values.get("condition", ""))
    values["to_zh"], values["to_en"] = ROUTES.get(values.get("to"), (values.get("to", ""),) * 2)
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
                "transfer_id", "need_id", "wish_id", "place_id", "signup_id", "activity_id",
                "resident_id"):
        if data.get(key):
            return {"type": key[:-3], "id": data[key]}
    return {"type": event["type"], "id": event["event_id"]}


def personal_event_types() -> list[str]:
    return [t for t in CATALOGUE if t not in NOT_PERSONAL]
