"""The wish wall's state machine, its limits and the masking of the wisher, as tables."""
import datetime as dt

import pytest

from services.needs import wall
from shared.errors import Conflict

ALLOWED = [
    ("pending_review", "approve", "open"),
    ("pending_review", "reject", "rejected"),
    ("open", "claim", "claimed"),
    ("claimed", "unclaim", "open"),
    ("claimed", "expire", "open"),
    ("claimed", "fulfil", "fulfilled"),
    ("fulfilled", "confirm", "closed"),
]


@pytest.mark.parametrize("status,action,to", ALLOWED)
def test_each_allowed_step_leads_where_the_contract_says(status, action, to):
    assert wall.next_status(status, action) == to


FORBIDDEN = [(s, a) for s in wall.STATUSES for a in wall.TRANSITIONS
             if (s, a) not in {(x, y) for x, y, _ in ALLOWED}]


@pytest.mark.parametrize("status,action", FORBIDDEN)
def test_every_other_step_is_a_conflict(status, action):
    with pytest.raises(Conflict) as raised:
        wall.next_status(status, action)
    expected = ("already_claimed" if action == "claim" and status in ("claimed", "fulfilled", "closed")
                else "illegal_transition")
    assert raised.value.code == expected


@pytest.mark.parametrize("name,shown", [
    ("王小明", "王**"),
    ("王五", "王**"),
    ("欧阳娜娜", "欧**"),
    ("Li Wei", "L**"),
    ("", "**"),
    (None, "**"),
    ("  张三 ", "张**"),
])
def test_the_wall_shows_the_family_name_and_two_stars(name, shown):
    assert wall.masked_name(name) == shown


WISH = {"wisher_id": "w", "claimer_id": "c"}


@pytest.mark.parametrize("viewer,staff,status,sees", [
    ("w", False, "pending_review", True),   # the wisher, always
    ("w", False, "closed", True),
    ("s", True, "open", True),              # staff of the community, always
    ("x", False, "open", False),            # any other resident, never
    ("x", False, "claimed", False),
    ("x", False, "closed", False),
    ("c", False, "claimed", True),          # the claimer while the wish is theirs
    ("c", False, "fulfilled", True),
    ("c", False, "closed", True),
    ("c", False, "open", False),            # after giving the claim back: not any more
])
def test_who_sees_the_wisher(viewer, staff, status, sees):
    assert wall.sees_wisher(viewer, staff, {**WISH, "status": status}) is sees


def test_a_claim_runs_out_after_the_configured_days():
    at = dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.timezone.utc)
    assert wall.claim_due(at, 14) == dt.datetime(2026, 12, 14, 8, 0, tzinfo=dt.timezone.utc)


@pytest.mark.parametrize("resident,address", [
    ({"building": "3栋", "unit": "2单元"}, "3栋 2单元"),
    ({"building": "3栋", "unit": None}, "3栋"),
    ({"building": None, "unit": None}, None),
    ({}, None),
])
def test_a_home_address_is_building_and_unit(resident, address):
    assert wall.home_address(resident) == address


def test_a_micro_wish_is_small():
    assert wall.MAX_BUDGET_FEN == 20_000
    assert 0 < wall.DEFAULT_POINTS <= wall.MAX_POINTS
