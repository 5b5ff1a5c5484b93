"""The points ledger: double entry, two legs that sum to zero."""
import pytest

from services.volunteer import ledger
from shared.auth import Actor
from shared.errors import LinliError, Conflict, Forbidden, Invalid, NotFound


@pytest.mark.parametrize("legs", [
    ledger.credit("c1", "r1", 25),
    ledger.redemption("c1", "r1", 100),
    ledger.entries("pool:c1", "resident:r1", 1),
])
def test_every_transfer_sums_to_zero(legs):
    assert ledger.balanced(legs) and len(legs) == 2


def test_a_credit_moves_points_from_the_pool_to_the_volunteer():
    assert ledger.credit("c1", "r1", 30) == [{"account_id": "pool:c1", "delta": -30},
                                              {"account_id": "resident:r1", "delta": 30}]


def test_a_redemption_moves_points_back_to_the_pool():
    assert ledger.redemption("c1", "r1", 50) == [{"account_id": "resident:r1", "delta": -50},
                                                  {"account_id": "pool:c1", "delta": 50}]


@pytest.mark.parametrize("kind", ["credit", "grant"])
def test_a_reversal_is_the_same_points_the_other_way(kind):
    original = {"kind": kind, "from_account": "pool:c1", "to_account": "resident:r1",
                "points": 20}
    assert ledger.reversal_of(original) == [{"account_id": "resident:r1", "delta": -20},
                                            {"account_id": "pool:c1", "delta": 20}]


@pytest.mark.parametrize("kind", ["redemption", "reversal"])
def test_only_credits_and_grants_are_reversed(kind):
    with pytest.raises(Conflict):
        ledger.reversal_of({"kind": kind, "from_account": "a", "to_account": "b", "points": 1})


@pytest.mark.parametrize("points", [0, -5, 1.5, True])
def test_a_transfer_moves_a_positive_whole_number_of_points(points):
    with pytest.raises(Invalid):
        ledger.entries("pool:c1", "resident:r1", points)


def test_a_pool_balance_is_spread_over_a_fixed_set_of_counters():
    counters = {ledger.pool_counter("pool:c1", n) for n in range(100)}
    assert len(counters) == ledger.POOL_SHARDS
    assert all(c.startswith("pool:c1#") for c in counters)


def refusal_of(*checks):
    """The type of error the first refusing check raises, or None when all pass."""
    try:
        for check in checks:
            check()
    except LinliError as exc:
        return type(exc)
    return None


STAFF = Actor(id="s1", role="staff", community_id="c1")
ADMIN = Actor(id="a1", role="admin", community_id=None)
RESIDENT = Actor(id="r1", role="resident", community_id="c1")


@pytest.mark.parametrize("actor,resident,refused", [
    (STAFF, {"community_id": "c1"}, None),
    (ADMIN, {"community_id": "c1"}, Forbidden),   # an admin has no pool to grant from
    (RESIDENT, {"community_id": "c1"}, Forbidden),
    (STAFF, {"community_id": "c2"}, Forbidden),
    (STAFF, None, Invalid),
])
def test_staff_grant_points_to_residents_of_their_own_community(actor, resident, refused):
    assert refusal_of(lambda: ledger.check_granter(actor),
                      lambda: ledger.check_grantee(actor, resident)) is refused


@pytest.mark.parametrize("actor,reward,refused", [
    (RESIDENT, {"community_id": "c1"}, None),
    (RESIDENT, {"community_id": "c2"}, Forbidden),
    (RESIDENT, None, NotFound),
    (STAFF, {"community_id": "c1"}, Forbidden),
])
def test_residents_redeem_rewards_of_their_own_community(actor, reward, refused):
    assert refusal_of(lambda: ledger.check_redeemer(actor),
                      lambda: ledger.check_reward(actor, reward)) is refused


def test_a_reward_is_for_the_named_community_or_the_callers_own():
    assert ledger.reward_community(STAFF, None) == "c1"
    assert ledger.reward_community(ADMIN, "c9") == "c9"
    with pytest.raises(Invalid):
        ledger.reward_community(ADMIN, None)
