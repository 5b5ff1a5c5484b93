"""Accounts through the real gunicorn gateway."""
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from tests.helpers import next_phone


def register(api, community_id, **overrides):
    payload = {"phone": next_phone(), "password": "good-pass-1", "name": "王芳",
               "birth_date": "1958-03-02", "community_id": community_id, **overrides}
    return api.post("/api/v1/auth/register", payload)


def test_register_then_sign_in_then_see_my_profile(api):
    community = api.community()
    answer = register(api, community["id"], building="3号楼", unit="2单元")
    assert answer.status_code == 201, answer.text
    resident = answer.json()
    assert resident["role"] == "resident" and resident["name"] == "王芳"
    assert resident["building"] == "3号楼" and resident["groups"] == []
    assert "password" not in resident and "password_hash" not in resident

    token = api.post("/api/v1/auth/token", {"phone": resident["phone"], "password": "good-pass-1"})
    assert token.status_code == 200
    body = token.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    assert body["role"] == "resident" and body["resident_id"] == resident["id"]

    me = api.get("/api/v1/me", body["access_token"])
    assert me.status_code == 200
    assert me.json()["id"] == resident["id"] and me.json()["phone"] == resident["phone"]


def test_a_phone_registers_once(api):
    community = api.community()
    phone = next_phone()
    assert register(api, community["id"], phone=phone).status_code == 201
    again = register(api, community["id"], phone=phone)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "phone_taken"


def test_weak_passwords_are_refused_with_the_field_named(api):
    community = api.community()
    phone = next_phone()
    for weak in ("short1", "1234567890", phone):
        answer = register(api, community["id"], phone=phone, password=weak)
        assert answer.status_code == 422, (weak, answer.text)
        assert "password" in answer.json()["error"]["details"]


def test_unknown_fields_and_operators_are_422(api):
    community = api.community()
    unknown = register(api, community["id"], is_admin=True)
    assert unknown.status_code == 422
    assert "is_admin" in unknown.json()["error"]["details"]
    operator = api.post("/api/v1/auth/token", {"phone": {"$gt": ""}, "password": "x"})
    assert operator.status_code == 422
    assert operator.json()["error"]["code"] == "validation_failed"


def test_malformed_json_is_400_in_the_contract_shape(api):
    answer = api.post("/api/v1/auth/register", data=b'{"phone": ',
                      headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "malformed_json"


def test_unknown_community_is_422(api):
    answer = register(api, "no-such-community")
    assert answer.status_code == 422
    assert "community_id" in answer.json()["error"]["details"]


def test_no_token_or_a_bad_token_is_401(api):
    assert api.get("/api/v1/me").status_code == 401
    assert api.get("/api/v1/me", "not-a-token").status_code == 401
    assert api.get("/api/v1/me").json()["error"]["code"] == "unauthenticated"


def test_wrong_password_is_401(api):
    community = api.community()
    person = api.resident(community["id"])
    answer = api.post("/api/v1/auth/token", {"phone": person["phone"], "password": "wrong-one-1"})
    assert answer.status_code == 401


def test_ten_failures_lock_that_phone_only(api):
    community = api.community()
    victim = api.resident(community["id"])
    bystander = api.resident(community["id"])
    for _ in range(10):
        api.post("/api/v1/auth/token", {"phone": victim["phone"], "password": "guess-guess-1"})
    locked = api.post("/api/v1/auth/token", {"phone": victim["phone"], "password": victim["password"]})
    assert locked.status_code == 429
    assert api.post("/api/v1/auth/token", {"phone": bystander["phone"],
                                           "password": bystander["password"]}).status_code == 200


def test_a_resident_calling_a_staff_route_is_403(api):
    community = api.community()
    person = api.resident(community["id"])
    assert api.get(f"/api/v1/residents?community_id={community['id']}", person["token"]).status_code == 403
    assert api.post("/api/v1/communities", {"name": "x"}, person["token"]).status_code == 403
    assert api.patch(f"/api/v1/residents/{person['id']}", {"groups": ["delivery_rider"]},
                     person["token"]).status_code == 403


def test_staff_change_groups_in_their_own_community_only(api):
    a, b = api.community(), api.community()
    staff_a = api.staff(a["id"])
    resident_a = api.resident(a["id"])
    resident_b = api.resident(b["id"])

    changed = api.patch(f"/api/v1/residents/{resident_a['id']}",
                        {"groups": ["sanitation_worker"], "building": "5号楼"}, staff_a["token"])
    assert changed.status_code == 200, changed.text
    assert changed.json()["groups"] == ["sanitation_worker"]
    assert api.get("/api/v1/me", resident_a["token"]).json()["groups"] == ["sanitation_worker"]

    refused = api.patch(f"/api/v1/residents/{resident_b['id']}", {"groups": ["delivery_rider"]},
                        staff_a["token"])
    assert refused.status_code == 403
    assert api.get("/api/v1/me", resident_b["token"]).json()["groups"] == []

    bad_group = api.patch(f"/api/v1/residents/{resident_a['id']}", {"groups": ["astronaut"]},
                          staff_a["token"])
    assert bad_group.status_code == 422


def test_staff_search_their_residents(api):
    community = api.community()
    staff = api.staff(community["id"])
    api.resident(community["id"], name="赵老伯")
    found = api.get(f"/api/v1/residents?community_id={community['id']}&q=赵", staff["token"])
    assert found.status_code == 200
    assert [r["name"] for r in found.json()["items"]] == ["赵老伯"]
    other = api.community()
    assert api.get(f"/api/v1/residents?community_id={other['id']}", staff["token"]).status_code == 403


def test_only_admins_create_communities_and_staff(api):
    community = api.community()
    staff = api.staff(community["id"])
    assert api.post("/api/v1/communities", {"name": "新社区"}, staff["token"]).status_code == 403
    assert api.post("/api/v1/staff", {"phone": next_phone(), "password": "staff-pass-1",
                                      "name": "x", "community_id": community["id"]},
                    staff["token"]).status_code == 403
    listed = api.get("/api/v1/communities", staff["token"])
    assert community["id"] in [c["id"] for c in listed.json()]


def test_request_id_is_echoed_or_made(api):
    mine = uuid.uuid4().hex
    assert api.get("/healthz", headers={"X-Request-Id": mine}).headers["X-Request-Id"] == mine
    assert len(api.get("/healthz").headers["X-Request-Id"]) >= 16


def test_idempotency_key_replays_the_first_response(api):
    community = api.community()
    payload = {"phone": next_phone(), "password": "good-pass-1", "name": "重试",
               "birth_date": "1980-01-01", "community_id": community["id"]}
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = api.post("/api/v1/auth/register", payload, headers=dict(key))
    second = api.post("/api/v1/auth/register", payload, headers=dict(key))
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    third = api.post("/api/v1/auth/register", payload, headers={"Idempotency-Key": uuid.uuid4().hex})
    assert third.status_code == 409


def test_operations_endpoints(api):
    assert api.get("/healthz").status_code == 200
    assert api.get("/readyz").status_code == 200
    metrics = api.get("/metrics")
    assert metrics.status_code == 200 and "linli_http_requests_total" in metrics.text
    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/api/v1/auth/register" in spec["paths"]
    docs = api.get("/docs")
    assert docs.status_code == 200 and "/docs/assets/swagger-ui-bundle.js" in docs.text
    assert api.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


# -- phones: one person, one account -------------------------------------------------------
def spaced(phone):
    """``15012345678`` as a person might type it: ``+86 150-1234-5678``."""
    return f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"


def test_a_phone_with_a_trailing_newline_is_422(api):
    community = api.community()
    answer = register(api, community["id"], phone=next_phone() + "\n")
    assert answer.status_code == 422, answer.text
    assert "phone" in answer.json()["error"]["details"]
    token = api.post("/api/v1/auth/token", {"phone": next_phone() + "\n", "password": "x"})
    assert token.status_code == 422 and "phone" in token.json()["error"]["details"]


def test_a_phone_typed_with_plus86_spaces_and_dashes_registers_once(api):
    community = api.community()
    phone = next_phone()
    first = register(api, community["id"], phone=spaced(phone))
    assert first.status_code == 201, first.text
    assert first.json()["phone"] == phone
    again = register(api, community["id"], phone=spaced(phone))
    assert again.status_code == 409 and again.json()["error"]["code"] == "phone_taken"
    for other_form in (phone, "0086" + phone, "+86" + phone):
        assert register(api, community["id"], phone=other_form).status_code == 409


def test_sign_in_takes_the_phone_in_any_of_its_forms(api):
    community = api.community()
    phone = next_phone()
    assert register(api, community["id"], phone=phone).status_code == 201
    for typed in (spaced(phone), "0086 " + phone):
        answer = api.post("/api/v1/auth/token", {"phone": typed, "password": "good-pass-1"})
        assert answer.status_code == 200, (typed, answer.text)


# -- sign-in throttling ---------------------------------------------------------------------
def test_parallel_guesses_do_not_pass_the_limit(api):
    community = api.community()
    victim = api.resident(community["id"])

    def guess(i):
        return requests.post(api.base + "/api/v1/auth/token", timeout=30,
                             json={"phone": victim["phone"], "password": f"guess-{i:04d}-x"})

    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = [answer.status_code for answer in pool.map(guess, range(32))]
    assert statuses.count(401) == 10, statuses
    assert statuses.count(429) == 22, statuses
    right = api.post("/api/v1/auth/token", {"phone": victim["phone"], "password": victim["password"]})
    assert right.status_code == 429


def test_a_successful_sign_in_is_not_counted_as_a_guess(api):
    community = api.community()
    person = api.resident(community["id"])
    for _ in range(12):
        again = api.post("/api/v1/auth/token", {"phone": person["phone"],
                                                "password": person["password"]})
        assert again.status_code == 200


# -- groups and birth dates ------------------------------------------------------------------
def test_nobody_puts_themselves_into_a_caring_lunch_group(api):
    community = api.community()
    staff = api.staff(community["id"])
    mine = api.patch(f"/api/v1/residents/{staff['id']}", {"groups": ["sanitation_worker"]},
                     staff["token"])
    assert mine.status_code == 403 and mine.json()["error"]["code"]
    admin_id = api.get("/api/v1/me", api.admin()).json()["id"]
    own = api.patch(f"/api/v1/residents/{admin_id}", {"groups": ["delivery_rider"]}, api.admin())
    assert own.status_code == 403
    assert api.get("/api/v1/me", staff["token"]).json()["groups"] == []
    # the same for a colleague: a staff account's groups are an admin's to set
    colleague = api.staff(community["id"])
    assert api.patch(f"/api/v1/residents/{colleague['id']}", {"groups": ["property_staff"]},
                     staff["token"]).status_code == 403
    assert api.patch(f"/api/v1/residents/{colleague['id']}", {"groups": ["property_staff"]},
                     api.admin()).status_code == 200


def test_staff_correct_a_residents_birth_date_and_it_is_recorded(api):
    community = api.community()
    staff = api.staff(community["id"])
    person = api.resident(community["id"], birth_date="1990-05-01")

    corrected = api.patch(f"/api/v1/residents/{person['id']}", {"birth_date": "1950-05-01"},
                          staff["token"])
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["birth_date"] == "1950-05-01"
    [record] = corrected.json()["birth_date_corrections"]
    assert (record["by"], record["by_role"], record["old"], record["new"]) == \
        (staff["id"], "staff", "1990-05-01", "1950-05-01")
    assert record["at"].endswith("+00:00")
    assert api.get("/api/v1/me", person["token"]).json()["birth_date"] == "1950-05-01"

    again = api.patch(f"/api/v1/residents/{person['id']}", {"birth_date": "1951-05-01"},
                      api.admin())
    assert [(r["by_role"], r["old"], r["new"]) for r in again.json()["birth_date_corrections"]] == \
        [("staff", "1990-05-01", "1950-05-01"), ("admin", "1950-05-01", "1951-05-01")]
    listed = api.get(f"/api/v1/residents?community_id={community['id']}", staff["token"]).json()
    assert len(listed["items"][0]["birth_date_corrections"]) == 2
    assert "birth_date_corrections" not in api.get("/api/v1/me", person["token"]).json()


def test_a_residents_birth_date_is_not_theirs_or_another_communitys_to_change(api):
    community, other = api.community(), api.community()
    person = api.resident(community["id"], birth_date="1990-05-01")
    outsider = api.staff(other["id"])
    assert api.patch(f"/api/v1/residents/{person['id']}", {"birth_date": "1950-05-01"},
                     person["token"]).status_code == 403
    assert api.patch(f"/api/v1/residents/{person['id']}", {"birth_date": "1950-05-01"},
                     outsider["token"]).status_code == 403
    assert api.patch(f"/api/v1/residents/{person['id']}", {"birth_date": "2999-01-01"},
                     api.admin()).status_code == 422
    assert api.get("/api/v1/me", person["token"]).json()["birth_date"] == "1990-05-01"
