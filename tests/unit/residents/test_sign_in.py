"""The sign-in entrypoint's order of work, with the storage replaced (no broker, no
database): what is counted before a password is checked, and what an unknown phone costs."""
import pytest
from nameko.testing.services import worker_factory

from services.residents import service as residents
from shared.auth import hash_password
from shared.errors import TooManyRequests, Unauthorized


class CountingStore:
    """Just enough of ResidentsStore for issue_token, recording the order of work."""

    def __init__(self, accounts=None, full=()):
        self.accounts, self.full, self.log = accounts or {}, set(full), []

    def take_count(self, key, limit, window):
        self.log.append(("count", key))
        return key not in self.full

    def give_back_count(self, keys):
        self.log.append(("give back", tuple(keys)))

    def count_of(self, key):
        return 0

    def resident_by_phone(self, phone):
        return self.accounts.get(phone)


@pytest.fixture
def checked(monkeypatch):
    """Every password check, in order, with the hash it was checked against."""
    seen = []
    real = residents.password_matches

    def recording(stored, password):
        seen.append(stored)
        return real(stored, password)

    monkeypatch.setattr(residents, "password_matches", recording)
    return seen


def test_an_unknown_phone_costs_a_password_check_too(checked):
    store = CountingStore()
    worker = worker_factory(residents.ResidentsService, store=store)
    with pytest.raises(Unauthorized):
        worker.issue_token({"phone": "13800000001", "password": "guess-guess-1"}, "10.0.0.1")
    assert checked == [residents._unknown_phone_hash()]
    assert checked[0].startswith("$argon2id$")


def test_the_attempt_is_counted_before_the_password_is_checked(checked):
    store = CountingStore({"13800000002": {
        "_id": "r2", "role": "resident", "community_id": "A",
        "password_hash": hash_password("good-pass-1")}})
    worker = worker_factory(residents.ResidentsService, store=store)
    with pytest.raises(Unauthorized):
        worker.issue_token({"phone": "+86 138-0000-0002", "password": "guess-guess-1"}, "10.0.0.1")
    assert store.log[:2] == [("count", "phone|13800000002"),
                             ("count", "client-phone|10.0.0.1|13800000002")]
    assert ("give back", ("phone|13800000002", "client-phone|10.0.0.1|13800000002")) \
        not in store.log


def test_a_successful_sign_in_gives_its_counts_back(checked):
    store = CountingStore({"13800000003": {
        "_id": "r3", "role": "resident", "community_id": "A",
        "password_hash": hash_password("good-pass-1")}})
    worker = worker_factory(residents.ResidentsService, store=store)
    answer = worker.issue_token({"phone": "13800000003", "password": "good-pass-1"}, "10.0.0.1")
    assert answer["resident_id"] == "r3"
    assert ("give back", ("phone|13800000003", "client-phone|10.0.0.1|13800000003")) in store.log


def test_a_full_counter_refuses_before_any_password_is_checked(checked):
    store = CountingStore(full={"client-phone|10.0.0.1|13800000004"})
    worker = worker_factory(residents.ResidentsService, store=store)
    with pytest.raises(TooManyRequests):
        worker.issue_token({"phone": "13800000004", "password": "guess-guess-1"}, "10.0.0.1")
    assert checked == []
    # the phone's count taken a moment before is given back: a refusal is not a guess
    assert ("give back", ("phone|13800000004",)) in store.log
