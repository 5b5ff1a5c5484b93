"""The gateway over HTTP, as any frontend calls it: one pooled session per thread,
bounded by a timeout. A gateway that does not answer (or answers 503) raises
``GatewayDown``, which the app turns into a calm "try again" page."""
import threading
from dataclasses import dataclass, field

import requests
from flask import g, has_request_context

from services.web.config import web_settings

_local = threading.local()


class GatewayDown(Exception):
    """The gateway, a service behind it, the database or the broker did not answer."""


class SignedOut(Exception):
    """The gateway refused the token (expired or revoked): sign in again."""


@dataclass
class Answer:
    status: int
    body: object = None
    error_code: str = ""
    message: str = ""
    details: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def items(self) -> list:
        """The list of a paginated (``{"items": [...]}``) or a bare list answer."""
        if isinstance(self.body, dict):
            return list(self.body.get("items") or [])
        return list(self.body or []) if self.ok else []


def _session() -> requests.Session:
    if not hasattr(_local, "session"):
        s = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=8)
        s.mount("http://", adapter)
        s.mount("https://", adapter)
        _local.session = s
    return _local.session


def call(method: str, path: str, json=None, params=None, token: str | None = None,
         signed_in: bool = True) -> Answer:
    """``method path`` under /api/v1 with the page's token; an Answer for any 2xx-4xx."""
    headers = {"Accept": "application/json"}
    request_id = getattr(g, "request_id", None)
    if request_id:
        headers["X-Request-Id"] = request_id
    if token is None and signed_in:
        token = getattr(g, "token", None)
    if token:
        headers["Authorization"] = f"Bearer {token}"
    settings = web_settings()
    if has_request_context():  # counted per page (the X-Linli-Gateway-Calls header)
        g.gateway_calls = g.get("gateway_calls", 0) + 1
    try:
        response = _session().request(method, f"{settings.api_url}/api/v1{path}", json=json,
                                      params=params, headers=headers,
                                      timeout=(3, settings.web_api_timeout))
    except requests.RequestException as exc:
        raise GatewayDown(type(exc).__name__) from exc
    if response.status_code >= 500:
        raise GatewayDown(str(response.status_code))
    try:
        body = response.json() if response.content else None
    except ValueError:
        body = None
    answer = Answer(response.status_code, body)
    if not answer.ok and isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        answer.error_code = str(error.get("code") or "")
        answer.message = str(error.get("message") or "")
        answer.details = error.get("details") if isinstance(error.get("details"), dict) else {}
    if answer.status == 401 and token:
        raise SignedOut()
    return answer


def get(path, **kw) -> Answer:
    return call("GET", path, **kw)


def post(path, json=None, **kw) -> Answer:
    return call("POST", path, json=json if json is not None else {}, **kw)


def put(path, json=None, **kw) -> Answer:
    return call("PUT", path, json=json, **kw)


def patch(path, json=None, **kw) -> Answer:
    return call("PATCH", path, json=json, **kw)


def delete(path, **kw) -> Answer:
    return call("DELETE", path, **kw)
