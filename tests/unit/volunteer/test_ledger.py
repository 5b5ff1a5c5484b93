"""The points ledger: double entry, two legs that sum to zero."""
import pytest

from services.volunteer import ledger
from shared.errors import Conflict, Invalid


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


@pytest.mark.parametrize("balance,cost,ok", [(100, 100, True), (99, 100, False), (0, 1, False)])
def test_a_balance_never_goes_below_zero(balance, cost, ok):
    assert ledger.can_afford(balance, cost) is ok


def test_a_pool_balance_is_spread_over_a_fixed_set_of_counters():
    counters = {ledger.pool_counter("pool:c1", n) for n in range(100)}
    assert len(counters) == ledger.POOL_SHARDS
    assert all(c.startswith("pool:c1#") for c in counters)
