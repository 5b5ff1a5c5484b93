"""Every event that concerns a person has a message in zh-CN and en."""
import pytest

from services.notifications import messaging
from shared.catalogue import CATALOGUE
from shared.events import make_envelope


def test_every_personal_event_type_has_both_languages():
    missing = [t for t in messaging.personal_event_types()
               if t not in messaging.TEMPLATES
               or not all(lang in messaging.TEMPLATES[t] for lang in messaging.LANGUAGES)]
    assert missing == []


def test_templates_only_name_known_event_types():
    assert set(messaging.TEMPLATES) <= set(CATALOGUE)


@pytest.mark.parametrize("event_type", sorted(messaging.TEMPLATES))
@pytest.mark.parametrize("language", messaging.LANGUAGES)
def test_every_template_renders_from_the_catalogue_fields(event_type, language):
    data = {field: f"<{field}>" for field in CATALOGUE[event_type]["fields"]}
    data.update({"resident_id": "r1", "member_ids": ["m1", "m2"], "total_fen": 990,
                 "expires_at": "2026-11-23T10:00:00+00:00", "meal": "lunch"})
    event = make_envelope(event_type, {k: v for k, v in data.items()}, source="test")
    text = messaging.render(event, language)
    assert text["title"] and text["body"]
    assert "{" not in text["body"]


def test_recipients_come_from_the_event():
    event = make_envelope("volunteer.request_dispatched", {
        "request_id": "q", "resident_id": "r", "community_id": "c", "team_id": "t",
        "team_name": "银发互助队", "member_ids": ["m1", "m2", "m1"], "category": "repair"},
        source="volunteer")
    assert messaging.direct_recipients(event) == ["m1", "m2"]


def test_a_chinese_message_reads_in_chinese():
    event = make_envelope("canteen.booking_created", {
        "booking_id": "b", "resident_id": "r", "site_id": "s", "site_name": "初心食堂",
        "date": "2026-11-24", "meal": "lunch", "portions": 2, "pickup_code": "K7P2QX"},
        source="canteen")
    text = messaging.render(event, "zh-CN")
    assert "初心食堂" in text["body"] and "午餐" in text["body"] and "K7P2QX" in text["body"]
    assert "lunch" in messaging.render(event, "en")["body"]
