"""What residents read about their needs and wishes, in both languages."""
import pytest

from services.notifications import messaging
from shared.events import make_envelope


def _render(event_type, data, language):
    return messaging.render(make_envelope(event_type, data, source="needs"), language)


@pytest.mark.parametrize("to,language,words", [
    ("volunteer_request", "zh-CN", "志愿服务"),
    ("wish", "zh-CN", "微心愿"),
    ("volunteer_request", "en", "volunteer request"),
    ("wish", "en", "a wish"),
])
def test_a_routed_need_says_where_it_went(to, language, words):
    text = _render("needs.need_routed", {"need_id": "n", "resident_id": "r", "community_id": "c",
                                         "category": "safety", "to": to, "ref_id": "x"}, language)
    assert words in text["body"]


def test_a_need_reads_its_category_in_chinese():
    text = _render("needs.need_recorded", {"need_id": "n", "resident_id": "r", "community_id": "c",
                                           "category": "childcare", "source": "visit"}, "zh-CN")
    assert "儿童照护" in text["body"]


def test_the_thank_you_goes_to_the_claimer_and_an_empty_thanks_reads_as_nothing():
    event = make_envelope("needs.wish_closed", {
        "wish_id": "w", "resident_id": "claimer", "community_id": "c", "title": "新书包",
        "wisher_id": "wisher", "claimer_id": "claimer", "points": 5, "thanks": ""},
        source="needs")
    assert messaging.direct_recipients(event) == ["claimer"]
    assert messaging.reference(event) == {"type": "wish", "id": "w"}
    text = messaging.render(event, "zh-CN")
    assert "+5" in text["body"] and "None" not in text["body"]


def test_a_need_message_points_at_the_need():
    event = make_envelope("needs.need_resolved", {
        "need_id": "n", "resident_id": "r", "community_id": "c", "category": "safety",
        "ref_type": "wish", "ref_id": "w"}, source="needs")
    assert messaging.reference(event) == {"type": "need", "id": "n"}
