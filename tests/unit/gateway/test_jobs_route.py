"""The range of ``as_of`` on ``POST /admin/jobs/{name}``, answered by the gateway's
schema before any service is called, so no broker or database is needed here. (That
production runs no job in the future is the service's rule: tests/unit/shared/test_jobs.py.)"""
import secrets

import pytest

from shared import config
from shared.auth import Actor, issue_token

PATH = "/api/v1/admin/jobs/canteen-no-show"


@pytest.fixture
def gateway(monkeypatch):
    def make(env):
        monkeypatch.setenv("LINLI_ENV", env)
        monkeypatch.setenv("LINLI_SECRET", secrets.token_urlsafe(48))
        monkeypatch.setenv("LINLI_ADMIN_PASSWORD", secrets.token_urlsafe(24))
        monkeypatch.setenv("LINLI_MONGO_TIMEOUT_MS", "50")
        monkeypatch.setenv("MONGO_URI", "mongodb://127.0.0.1:9/?directConnection=true")
        config.settings.cache_clear()
        from services.gateway.app import create_app
        client = create_app().test_client()
        token, _ = issue_token(Actor(id="s1", role="staff", community_id="c1"))
        return lambda body: client.post(PATH, json=body,
                                        headers={"Authorization": f"Bearer {token}"})
    yield make
    config.settings.cache_clear()


@pytest.mark.parametrize("as_of", ["9999-12-31T23:59:59+00:00", "0001-01-02T00:00:00+00:00"])
def test_an_instant_at_the_edge_of_the_calendar_is_refused(gateway, as_of):
    answer = gateway("development")({"as_of": as_of})
    assert answer.status_code == 422
    assert "as_of" in answer.get_json()["error"]["details"]
