"""An Idempotency-Key holds end to end: when a service answers too late for the gateway
(503) but its queued call still takes effect, a retry with the same key gets that
call's answer, never a second effect."""
import os
import signal
import uuid

from tests.helpers import eventually

V = "/api/v1/volunteer"
REQUEST = {"category": "repair", "description": "厨房水龙头漏水", "address": "3号楼2单元501",
           "urgency": "normal"}


def test_a_retry_after_the_service_answered_too_late_takes_effect_once(stack, api):
    community = api.community()
    resident = api.resident(community["id"])
    key = {"Idempotency-Key": uuid.uuid4().hex}
    volunteer = stack.processes["volunteer"]
    os.killpg(volunteer.pid, signal.SIGSTOP)  # slowed past the gateway's timeout
    try:
        first = api.post(f"{V}/requests", REQUEST, resident["token"], headers=key)
        assert first.status_code == 503, first.text
    finally:
        os.killpg(volunteer.pid, signal.SIGCONT)

    def settled():  # meanwhile: 409 idempotency_in_progress, never a second request
        answer = api.post(f"{V}/requests", REQUEST, resident["token"], headers=key)
        assert answer.status_code in (201, 409), answer.text
        return answer if answer.status_code == 201 else None

    retried = eventually(settled, seconds=30)
    again = api.post(f"{V}/requests", REQUEST, resident["token"], headers=key)
    assert again.status_code == 201 and again.json()["id"] == retried.json()["id"]
    mine = api.get(f"{V}/requests", resident["token"]).json()["items"]
    assert [r["id"] for r in mine] == [retried.json()["id"]]


def test_the_same_key_on_another_route_or_by_another_caller_is_another_request(stack, api):
    community = api.community()
    alice, bob = api.resident(community["id"]), api.resident(community["id"])
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = api.post(f"{V}/requests", REQUEST, alice["token"], headers=key)
    other = api.post(f"{V}/requests", REQUEST, bob["token"], headers=key)
    assert first.status_code == other.status_code == 201
    assert first.json()["id"] != other.json()["id"]
