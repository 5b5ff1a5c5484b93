"""Tokens are signed, expiring, and only HS256 with our key is accepted."""
import base64
import dataclasses
import datetime as dt
import json
import time

import jwt
import pytest

from shared import auth
from shared.auth import Actor, check_token, hash_password, issue_token, password_matches
from shared.config import settings
from shared.errors import Unauthorized

ALICE = Actor(id="r1", role="resident", community_id="c1")


def test_a_token_round_trips_the_actor():
    token, ttl = issue_token(ALICE)
    assert ttl > 0
    assert check_token(token) == ALICE


def test_an_expired_token_is_refused():
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    token = jwt.encode({"sub": "r1", "role": "resident", "iat": now - 100, "exp": now - 10,
                        "iss": "linli"}, settings().secret, algorithm="HS256")
    with pytest.raises(Unauthorized) as err:
        check_token(token)
    assert err.value.code == "token_expired"


def test_another_key_is_refused():
    token = jwt.encode({"sub": "r1", "role": "admin", "iat": 1, "exp": 2**40, "iss": "linli"},
                       "someone-elses-key-that-is-long-enough", algorithm="HS256")
    with pytest.raises(Unauthorized):
        check_token(token)


def test_a_tampered_token_is_refused():
    token, _ = issue_token(ALICE)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["role"] = "admin"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    with pytest.raises(Unauthorized):
        check_token(f"{header}.{forged}.{signature}")


def test_alg_none_is_refused():
    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64({'sub': 'r1', 'role': 'admin', 'iat': 1, 'exp': 2**40, 'iss': 'linli'})}."
    with pytest.raises(Unauthorized):
        check_token(token)


def test_passwords_are_salted_argon2id():
    first, second = hash_password("good-pass-1"), hash_password("good-pass-1")
    assert first != second and first.startswith("$argon2id$")
    assert password_matches(first, "good-pass-1")
    assert not password_matches(first, "good-pass-2")
    assert not password_matches("not-a-hash", "good-pass-1")


def test_staff_manage_only_their_community():
    staff = Actor(id="s", role="staff", community_id="c1")
    assert staff.manages("c1") and not staff.manages("c2")
    assert Actor(id="a", role="admin").manages("c2")
    assert not ALICE.manages("c1")


# -- the caller of an RPC: a signed, short-lived assertion -------------------------------
def test_an_assertion_round_trips_the_actor():
    assert Actor.of(ALICE.assertion()) == ALICE


@pytest.mark.parametrize("unsigned", [
    {"id": "r1", "role": "admin", "community_id": None},   # what callers sent before
    ["r1", "admin"],
])
def test_an_unsigned_caller_is_refused(unsigned):
    with pytest.raises(Unauthorized):
        Actor.of(unsigned)


def test_a_bearer_token_is_no_assertion_and_an_assertion_no_bearer_token():
    token, _ = issue_token(ALICE)
    with pytest.raises(Unauthorized):
        Actor.of(token)
    with pytest.raises(Unauthorized):
        check_token(ALICE.assertion())


def test_an_old_or_foreign_assertion_is_refused():
    now = int(dt.datetime.now(dt.timezone.utc).timestamp())
    claims = {"sub": "r1", "role": "admin", "iss": "linli", "aud": "linli-rpc", "iat": now}
    old = jwt.encode({**claims, "exp": now - 120}, settings().secret, algorithm="HS256")
    foreign = jwt.encode({**claims, "exp": now + 60}, "another-key-" * 4, algorithm="HS256")
    for assertion in (old, foreign):
        with pytest.raises(Unauthorized):
            Actor.of(assertion)


# -- what a process keeps of the tokens it verified ---------------------------------------
def test_a_kept_token_is_still_refused_once_it_expires():
    expires = int(dt.datetime.now(dt.timezone.utc).timestamp()) + 1
    token = jwt.encode({"sub": "r1", "role": "resident", "iat": expires - 10, "exp": expires,
                        "iss": "linli"}, settings().secret, algorithm="HS256")
    assert check_token(token).id == "r1"
    assert check_token(token).id == "r1"  # the second answer comes from what was kept
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized) as err:
        check_token(token)
    assert err.value.code == "token_expired"


def test_a_kept_token_is_refused_under_another_key(monkeypatch):
    token, _ = issue_token(ALICE)
    assert check_token(token) == ALICE
    other = dataclasses.replace(settings(), secret="another-key-that-is-long-enough-" * 2)
    monkeypatch.setattr(auth, "settings", lambda: other)
    with pytest.raises(Unauthorized):
        check_token(token)


def test_a_kept_bearer_token_is_still_no_assertion():
    token, _ = issue_token(ALICE)
    assert check_token(token) == ALICE
    with pytest.raises(Unauthorized):
        Actor.of(token)
    assertion = ALICE.assertion()
    assert Actor.of(assertion) == ALICE
    with pytest.raises(Unauthorized):
        check_token(assertion)


def test_one_signed_assertion_serves_an_actor_for_a_while():
    assert ALICE.assertion() == ALICE.assertion()
    bob = Actor(id="r2", role="resident", community_id="c1")
    assert bob.assertion() != ALICE.assertion()
    claims = jwt.decode(ALICE.assertion(), settings().secret, algorithms=["HS256"],
                        audience="linli-rpc")
    assert claims["exp"] - claims["iat"] == auth.ASSERTION_TTL_SECONDS
