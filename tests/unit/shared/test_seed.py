"""The demo loader of `make run` says which step failed instead of crashing."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import seed  # noqa: E402  (deploy/local/seed.py)
from shared.devstack import free_port  # noqa: E402


class Answer:
    def __init__(self, status_code, body=None, text=""):
        self.status_code, self._body, self.text = status_code, body, text

    def json(self):
        if self._body is None:
            raise ValueError("no JSON")
        return self._body


def test_an_error_answer_names_the_step_instead_of_a_key_error():
    with pytest.raises(seed.SeedError, match="creating the community .* 503"):
        seed.expect(Answer(503, {"error": {"code": "service_unavailable"}}, "down"),
                    "creating the community 和平里社区")


def test_an_answer_without_json_names_the_step():
    with pytest.raises(seed.SeedError, match="listing communities answered 200 without JSON"):
        seed.expect(Answer(200), "listing communities")


def test_an_expected_conflict_is_an_answer_not_a_failure():
    assert seed.expect(Answer(409, {"error": {"code": "phone_taken"}}), "registering", 201, 409)


def test_a_system_that_never_becomes_ready_is_reported_not_seeded():
    with pytest.raises(seed.SeedError, match="not ready within 1 s"):
        seed.wait_until_ready(f"http://127.0.0.1:{free_port()}", seconds=1, interval=0.2)
