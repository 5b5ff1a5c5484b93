"""The needs list's state machine, who records a need from where, and what routing
makes of it, as tables."""
import pytest

from services.needs import needlist
from shared.errors import Conflict

ALLOWED = [
    ("open", "route", "routed"),
    ("routed", "resolve", "resolved"),
    ("open", "close", "closed"),
    ("routed", "close", "closed"),
    ("routed", "reopen", "open"),
]


@pytest.mark.parametrize("status,action,to", ALLOWED)
def test_each_allowed_step_leads_where_the_contract_says(status, action, to):
    assert needlist.next_status(status, action) == to


FORBIDDEN = [(s, a) for s in needlist.STATUSES for a in needlist.TRANSITIONS
             if (s, a) not in {(x, y) for x, y, _ in ALLOWED}]


@pytest.mark.parametrize("status,action", FORBIDDEN)
def test_every_other_step_is_an_illegal_transition(status, action):
    with pytest.raises(Conflict) as raised:
        needlist.next_status(status, action)
    assert raised.value.code == "illegal_transition"


def test_resolved_and_closed_needs_stay_where_they_are():
    for final in ("resolved", "closed"):
        for action in needlist.TRANSITIONS:
            with pytest.raises(Conflict):
                needlist.next_status(final, action)


@pytest.mark.parametrize("by_staff,source,refused", [
    (False, "app", False),
    (False, "visit", True),
    (False, "phone", True),
    (False, "walk_in", True),
    (True, "app", True),
    (True, "visit", False),
    (True, "phone", False),
    (True, "walk_in", False),
])
def test_residents_record_in_the_app_and_staff_from_a_visit_call_or_walk_in(by_staff, source,
                                                                            refused):
    assert bool(needlist.source_problem(by_staff, source)) is refused


@pytest.mark.parametrize("category,volunteer_category,urgency", [
    ("culture", "companionship", "normal"),
    ("hardship", "other", "normal"),
    ("safety", "repair", "urgent"),
    ("health", "escort", "normal"),
    ("elderly_care", "elderly_care", "normal"),
    ("childcare", "tutoring", "normal"),
    ("other", "other", "normal"),
])
def test_a_need_becomes_a_request_of_the_nearest_volunteer_category(category,
                                                                    volunteer_category, urgency):
    request = needlist.volunteer_request_for(
        {"category": category, "description": "楼道灯坏了", "address": None}, "3栋 2单元")
    assert request == {"category": volunteer_category, "description": "楼道灯坏了",
                       "address": "3栋 2单元", "urgency": urgency}


def test_every_category_has_a_volunteer_category():
    assert set(needlist.VOLUNTEER_CATEGORY) == set(needlist.CATEGORIES)


@pytest.mark.parametrize("need_address,home,expected", [
    ("幸福里5栋楼梯间", "3栋 2单元", "幸福里5栋楼梯间"),
    (None, "3栋 2单元", "3栋 2单元"),
    (None, None, needlist.NO_ADDRESS),
])
def test_the_request_goes_to_the_need_address_else_the_home_else_the_grid_worker(
        need_address, home, expected):
    need = {"category": "other", "description": "x", "address": need_address}
    assert needlist.volunteer_request_for(need, home)["address"] == expected


@pytest.mark.parametrize("description,title", [
    ("想要一个新书包", "想要一个新书包"),
    ("  想要  一盏\n台灯 ", "想要 一盏 台灯"),
    ("一" * 30, "一" * 30),
    ("一" * 31, "一" * 29 + "…"),
])
def test_a_wish_made_of_a_need_is_titled_by_the_start_of_its_description(description, title):
    assert needlist.wish_title_for({"description": description}) == title


def test_the_summary_names_every_category_and_status_with_zeros():
    rows = [{"category": "safety", "status": "open"}, {"category": "safety", "status": "closed"},
            {"category": "culture", "status": "open"}]
    summary = needlist.summary(rows)
    assert summary["by_category"] == {"culture": 1, "hardship": 0, "safety": 2, "health": 0,
                                      "elderly_care": 0, "childcare": 0, "other": 0}
    assert summary["by_status"] == {"open": 2, "routed": 0, "resolved": 0, "closed": 1}
    assert summary["total"] == 3
