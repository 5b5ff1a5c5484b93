"""Demo data, loaded through the public HTTP API (so it also proves the API).

A community with staff and residents; then each service's own ``demo.load`` adds its
part (menus, library, teams, rewards). It first waits until every service is ready,
checks every answer (a failure names the step, never a KeyError), and is idempotent:
what exists is found rather than created again, and a service whose demo data is
already there is skipped, so a second ``make run`` on the same database adds nothing.

    python deploy/local/seed.py http://127.0.0.1:8000 <admin phone> <admin password>
"""
import importlib
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from shared.devstack import available_services  # noqa: E402

DEMO_COMMUNITY = "和平里社区"
STAFF = ("13800000001", "demo-staff-2026", "刘社工")
RESIDENTS = [
    ("13800000011", "demo-pass-2026", "王秀英", "1952-04-18", ["elderly_alone"]),
    ("13800000012", "demo-pass-2026", "张建国", "1975-09-02", ["sanitation_worker"]),
    ("13800000013", "demo-pass-2026", "李娜", "1991-12-11", []),
    ("13800000014", "demo-pass-2026", "陈志强", "1988-06-30", ["delivery_rider"]),
    ("13800000015", "demo-pass-2026", "赵敏", "1963-02-25", []),
]
# What each service's demo.load creates first: when the community already has it, the
# service's demo data is there (a service's demo module may instead define
# ``is_loaded(api, community_id, staff_token)``).
LOADED_WHEN_PRESENT = {
    "canteen": "/canteen/sites?community_id={community_id}",
    "library": "/library/branches?community_id={community_id}",
    "volunteer": "/volunteer/teams?community_id={community_id}",
    "facilities": "/facilities/rooms?community_id={community_id}",
    "needs": "/needs?community_id={community_id}",
    "directory": "/directory/places?community_id={community_id}",
    "activities": "/activities?community_id={community_id}",
}


class SeedError(RuntimeError):
    """A demo step that failed; the message names the step and the answer."""


def expect(answer, step: str, *statuses):
    """The JSON of ``answer``, or SeedError naming ``step`` when the status is not one
    of ``statuses`` (default 200 or 201) or the body is not JSON."""
    if answer.status_code not in (statuses or (200, 201)):
        raise SeedError(f"demo data: {step} failed: {answer.status_code} {answer.text[:300]}")
    try:
        return answer.json()
    except ValueError as exc:
        raise SeedError(f"demo data: {step} answered {answer.status_code} without JSON") from exc


def wait_until_ready(base: str, seconds: float = 180, interval: float = 1.0):
    """Return once /readyz answers 200 (every service, the broker and the database up);
    SeedError naming what is still down after ``seconds``."""
    deadline = time.monotonic() + seconds
    last = "no answer"
    while True:
        try:
            answer = requests.get(base.rstrip("/") + "/readyz", timeout=5)
            if answer.status_code == 200:
                return
            details = answer.json().get("error", {}).get("details", {})
            down = sorted(name for name, state in details.items() if state != "ok")
            last = "down: " + ", ".join(down) if down else f"{answer.status_code}"
        except (requests.RequestException, ValueError, AttributeError) as exc:
            last = str(exc)
        if time.monotonic() >= deadline:
            raise SeedError(f"demo data: Linli was not ready within {seconds:.0f} s ({last})")
        time.sleep(interval)


class DemoApi:
    def __init__(self, base: str, admin_token: str):
        self.base = base.rstrip("/") + "/api/v1"
        self.admin_token = admin_token
        self.http = requests.Session()

    def request(self, method, path, json=None, token=None):
        headers = {"Authorization": f"Bearer {token or self.admin_token}"}
        return self.http.request(method, self.base + path, json=json, headers=headers, timeout=30)

    def post(self, path, json=None, token=None):
        return self.request("POST", path, json, token)

    def put(self, path, json=None, token=None):
        return self.request("PUT", path, json, token)

    def patch(self, path, json=None, token=None):
        return self.request("PATCH", path, json, token)

    def get(self, path, token=None):
        return self.request("GET", path, None, token)


def sign_in(base: str, phone: str, password: str, who: str) -> str:
    answer = requests.post(base.rstrip("/") + "/api/v1/auth/token",
                           json={"phone": phone, "password": password}, timeout=30)
    body = expect(answer, f"signing in {who} ({phone})")
    if not isinstance(body, dict) or "access_token" not in body:
        raise SeedError(f"demo data: signing in {who} ({phone}) answered without a token")
    return body["access_token"]


def _community(api: DemoApi) -> dict:
    communities = expect(api.get("/communities"), "listing communities")
    found = [c for c in communities if c.get("name") == DEMO_COMMUNITY]
    if found:
        return found[0]
    return expect(api.post("/communities", {"name": DEMO_COMMUNITY, "district": "和平区"}),
                  f"creating the community {DEMO_COMMUNITY}")


def _has_items(body) -> bool:
    items = body.get("items") if isinstance(body, dict) else body
    return bool(items)


def service_demo_loaded(api: DemoApi, service: str, demo, community_id: str, staff_token: str) -> bool:
    if hasattr(demo, "is_loaded"):
        return bool(demo.is_loaded(api, community_id, staff_token))
    probe = LOADED_WHEN_PRESENT.get(service)
    if probe is None:
        return False
    return _has_items(expect(api.get(probe.format(community_id=community_id), staff_token),
                             f"checking the {service} demo data"))


def seed(base: str, admin_phone: str, admin_password: str, ready_seconds: float = 180):
    """Load what is missing of the demo; return the demo logins as (role, phone, password)."""
    wait_until_ready(base, ready_seconds)
    api = DemoApi(base, sign_in(base, admin_phone, admin_password, "the admin"))
    logins = [("staff", STAFF[0], STAFF[1])] + [("resident", r[0], r[1]) for r in RESIDENTS[:3]]
    community = _community(api)
    expect(api.post("/staff", {"phone": STAFF[0], "password": STAFF[1], "name": STAFF[2],
                               "community_id": community["id"]}),
           f"creating the staff account {STAFF[0]}", 201, 409)
    staff_token = sign_in(base, STAFF[0], STAFF[1], "the demo staff member")
    resident_tokens = []
    for phone, password, name, born, groups in RESIDENTS:
        expect(api.post("/auth/register", {
            "phone": phone, "password": password, "name": name, "birth_date": born,
            "community_id": community["id"], "building": "3号楼", "unit": "1单元"}),
            f"registering the resident {phone}", 201, 409)
        token = sign_in(base, phone, password, f"the resident {name}")
        if groups:
            person = expect(api.get("/me", token), f"reading the resident {phone}")
            expect(api.patch(f"/residents/{person['id']}", {"groups": groups}, staff_token),
                   f"setting the groups of {phone}")
        resident_tokens.append(token)
    for service in available_services():
        try:
            demo = importlib.import_module(f"services.{service}.demo")
        except ModuleNotFoundError:
            continue
        if service_demo_loaded(api, service, demo, community["id"], staff_token):
            print(f"demo data: {service} already loaded")
            continue
        try:
            demo.load(api, community["id"], staff_token, resident_tokens)
            print(f"demo data: {service} loaded")
        except Exception as exc:  # one service's demo must not stop the others
            print(f"demo data: {service} failed: {exc}")
    return logins


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__.strip().splitlines()[-1].strip())
    try:
        for role, phone, password in seed(*sys.argv[1:4]):
            print(f"{role}: {phone} / {password}")
    except SeedError as exc:
        sys.exit(str(exc))
