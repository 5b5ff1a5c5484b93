"""The points ledger as plain rules: double entry, append only.

Every movement of points is a transfer between two accounts, written as two entries
that sum to zero. The community's pool issues points (its balance is minus what is
in residents' hands, so it may be negative); a resident's account never goes below
zero. A credit for a request and volunteer exists once; a wrong one is undone by a
reverse transfer, never by editing."""
from shared.errors import Conflict, Forbidden, Invalid, NotFound

# The pool's balance is kept in this many counters (summed when read): every credit and
# redemption of a community touches its pool, and one document would serialise them.
POOL_SHARDS = 8
REVERSIBLE = ("credit", "grant")


def pool_account(community_id: str) -> str:
    return f"pool:{community_id}"


def pool_counter(account_id: str, pick: int) -> str:
    """The counter document that holds part of a pool's balance."""
    return f"{account_id}#{pick % POOL_SHARDS}"


def resident_account(resident_id: str) -> str:
    return f"resident:{resident_id}"


def entries(from_account: str, to_account: str, points: int) -> list[dict]:
    """The two legs of a transfer of ``points`` from one account to the other."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise Invalid("points must be a positive whole number", details={"points": ["> 0"]})
    if from_account == to_account:
        raise Invalid("a transfer needs two accounts", details={"account": ["same account"]})
    return [{"account_id": from_account, "delta": -points},
            {"account_id": to_account, "delta": points}]


def credit(community_id: str, volunteer_id: str, points: int) -> list[dict]:
    return entries(pool_account(community_id), resident_account(volunteer_id), points)


def redemption(community_id: str, resident_id: str, points: int) -> list[dict]:
    return entries(resident_account(resident_id), pool_account(community_id), points)


def reversal_of(transfer: dict) -> list[dict]:
    """The transfer that undoes ``transfer``: the same points the other way."""
    if transfer["kind"] not in REVERSIBLE:
        raise Conflict(f"a {transfer['kind']} cannot be reversed", code="not_reversible")
    return entries(transfer["to_account"], transfer["from_account"], transfer["points"])


def balanced(legs: list[dict]) -> bool:
    return sum(leg["delta"] for leg in legs) == 0


# -- who may move points --------------------------------------------------------------
def check_granter(actor):
    """Staff grant points (from their community's pool)."""
    if not actor.is_staff:
        raise Forbidden("staff grant points")


def check_grantee(actor, resident: dict | None):
    """...to residents of their own community."""
    if not resident:
        raise Invalid("no such resident", details={"resident_id": ["unknown resident"]})
    if resident["community_id"] != actor.community_id:
        raise Forbidden("staff grant points to residents of their own community only")


def check_redeemer(actor):
    if actor.role != "resident":
        raise Forbidden("residents redeem points")


def check_reward(actor, reward: dict | None):
    """A resident redeems a reward of their own community's supermarket."""
    if not reward:
        raise NotFound("no such reward")
    if reward["community_id"] != actor.community_id:
        raise Forbidden("a reward of another community")


def reward_community(actor, named: str | None) -> str:
    """The community a new reward is for: the one named, else the caller's own."""
    community_id = named or actor.community_id
    if not community_id:
        raise Invalid("which community?", details={"community_id": ["required for admins"]})
    return community_id
