"""Demo data, loaded once through the public HTTP API (so it also proves the API).

A community with staff and residents; then each service's own ``demo.load`` adds its
part (menus, library, teams, rewards). Running it again changes nothing."""
import importlib
import sys
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


def _token(base, phone, password):
    answer = requests.post(base + "/api/v1/auth/token", json={"phone": phone, "password": password},
                           timeout=30)
    answer.raise_for_status()
    return answer.json()["access_token"]


def seed(base: str, admin_phone: str, admin_password: str):
    """Load the demo once; return the demo logins as (role, phone, password)."""
    api = DemoApi(base, _token(base, admin_phone, admin_password))
    logins = [("staff", STAFF[0], STAFF[1])] + [("resident", r[0], r[1]) for r in RESIDENTS[:3]]
    communities = api.get("/communities").json()
    if any(c["name"] == DEMO_COMMUNITY for c in communities):
        print("demo data: already loaded")
        return logins
    community = api.post("/communities", {"name": DEMO_COMMUNITY, "district": "和平区"}).json()
    api.post("/staff", {"phone": STAFF[0], "password": STAFF[1], "name": STAFF[2],
                        "community_id": community["id"]})
    staff_token = _token(base, STAFF[0], STAFF[1])
    resident_tokens = []
    for phone, password, name, born, groups in RESIDENTS:
        person = api.post("/auth/register", {
            "phone": phone, "password": password, "name": name, "birth_date": born,
            "community_id": community["id"], "building": "3号楼", "unit": "1单元"}).json()
        if groups:
            api.patch(f"/residents/{person['id']}", {"groups": groups}, staff_token)
        resident_tokens.append(_token(base, phone, password))
    for service in available_services():
        try:
            demo = importlib.import_module(f"services.{service}.demo")
        except ModuleNotFoundError:
            continue
        try:
            demo.load(api, community["id"], staff_token, resident_tokens)
            print(f"demo data: {service} loaded")
        except Exception as exc:  # demo data must never stop the system from running
            print(f"demo data: {service} failed: {exc}")
    return logins
