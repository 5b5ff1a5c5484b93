"""Hostile input gets a clear 4xx in the contract's shape, and the gateway stays healthy."""
import pytest

from tests.helpers import next_phone

JSON = {"Content-Type": "application/json"}


def assert_contract_error(answer, status):
    assert answer.status_code == status, answer.text[:300]
    error = answer.json()["error"]
    assert error["code"] and error["message"] and isinstance(error["details"], dict)


@pytest.fixture(scope="module")
def person(api):
    return api.resident(api.community()["id"])


def test_a_10_mb_body_is_413(api):
    body = b'{"phone": "' + b"1" * (10 * 1024 * 1024) + b'"}'
    assert_contract_error(api.post("/api/v1/auth/token", data=body, headers=JSON), 413)
    assert api.get("/healthz").status_code == 200


def test_deeply_nested_json_is_refused(api, person):
    body = '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"
    answer = api.patch(f"/api/v1/residents/{person['id']}", data=body, token=person["token"],
                       headers=JSON)
    assert answer.status_code in (400, 422)
    assert_contract_error(answer, answer.status_code)
    assert api.get("/healthz").status_code == 200


def test_invalid_utf8_is_400(api):
    answer = api.post("/api/v1/auth/token", data=b'{"phone": "\xff\xfe", "password": "x"}',
                      headers=JSON)
    assert_contract_error(answer, 400)


def test_numbers_beyond_64_bits_are_422(api, person):
    answer = api.put("/api/v1/notifications/preferences",
                     data='{"language": 123456789012345678901234567890}', token=person["token"],
                     headers=JSON)
    assert_contract_error(answer, 422)


def test_operators_and_dotted_keys_anywhere_are_422(api, person):
    for payload in ({"phone": next_phone(), "password": {"$ne": None}},
                    {"phone": next_phone(), "password": "x", "a.b": 1},
                    {"$where": "sleep(1000)"}):
        assert_contract_error(api.post("/api/v1/auth/token", payload), 422)
    query = api.get("/api/v1/notifications?unread[$ne]=true", person["token"])
    assert_contract_error(query, 422)
    limit = api.get("/api/v1/notifications?limit=100000", person["token"])
    assert_contract_error(limit, 422)


def test_a_body_that_is_not_an_object_is_422(api):
    assert_contract_error(api.post("/api/v1/auth/token", ["phone"]), 422)
    assert_contract_error(api.post("/api/v1/auth/token", "phone"), 422)


def test_unknown_routes_and_methods_keep_the_shape(api, person):
    assert_contract_error(api.get("/api/v1/no-such-thing", person["token"]), 404)
    assert_contract_error(api.delete("/api/v1/me", person["token"]), 405)


def _forged(claims, key="someone-elses-key-that-is-long-enough-1234", alg="HS256"):
    import jwt
    return jwt.encode(claims, key, algorithm=alg)


def test_expired_tampered_foreign_and_unsigned_tokens_are_401(api, person):
    import base64
    import json as jsonlib
    import time as timelib

    now = int(timelib.time())
    claims = {"sub": person["id"], "role": "admin", "iat": now, "exp": now + 600, "iss": "linli"}
    header, payload, signature = person["token"].split(".")
    raised = jsonlib.loads(base64.urlsafe_b64decode(payload + "=="))
    raised["role"] = "admin"
    tampered = ".".join([header, base64.urlsafe_b64encode(jsonlib.dumps(raised).encode())
                         .decode().rstrip("="), signature])

    def b64(obj):
        return base64.urlsafe_b64encode(jsonlib.dumps(obj).encode()).decode().rstrip("=")
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    from shared.config import settings
    expired = _forged({**claims, "role": "resident", "iat": now - 7200, "exp": now - 3600},
                      key=settings().secret)
    for token in (expired, tampered, _forged(claims), unsigned):
        answer = api.get("/api/v1/communities", token)
        assert_contract_error(answer, 401)
    assert api.get("/api/v1/me", person["token"]).status_code == 200
