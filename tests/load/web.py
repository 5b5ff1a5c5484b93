"""Bench scenarios of the web pages (run by tests/load/bench.py): the web process under
gunicorn, in front of the bench stack's gateway, as a resident's phone would use it.

- "web home page": ``GET /app`` (the tiles and the unread count: one gateway call).
- "web canteen page": ``GET /app/canteen`` (the community's sites and a week of menus
  of the first: two gateway calls, the unread badge comes after the page).

Each page must answer 200 and say in ``X-Linli-Gateway-Calls`` that it made at most two
gateway calls; anything else counts as an error in the figures."""
import datetime as dt
import re

import requests

from shared import devstack
from tests.load.canteen import DISHES

C = "/api/v1/canteen"
MAX_GATEWAY_CALLS = 2


def _start_web(stack) -> str:
    port = devstack.free_port()
    stack.processes["web"] = devstack.start(
        devstack.web_command(port),
        devstack.base_env(**stack.env, LINLI_API_URL=stack.url, LINLI_WEB_WORKERS="2"),
        stack.log_dir / "web.log")
    assert devstack.wait_for_port("127.0.0.1", port, 30), "the web process did not start"
    return f"http://127.0.0.1:{port}"


def _signed_in(web: str, phone: str, password: str) -> requests.Session:
    session = requests.Session()
    session.mount("http://", requests.adapters.HTTPAdapter(pool_maxsize=64))
    page = session.get(f"{web}/app/login").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    answer = session.post(f"{web}/app/login", data={"csrf_token": csrf, "phone": phone,
                                                    "password": password, "next": "/app"},
                          allow_redirects=False)
    assert answer.status_code == 303, answer.text[:300]
    return session


def scenarios(env) -> dict:
    api = env.api
    community = api.community()
    staff = api.staff(community["id"])["token"]
    site = api.post(f"{C}/sites", {"name": "社区长者食堂", "community_id": community["id"]}, staff)
    assert site.status_code == 201, site.text
    today = dt.date.today()
    for days in range(7):
        day = today + dt.timedelta(days=days)
        for meal in ("breakfast", "lunch", "dinner"):
            answer = api.put(f"{C}/sites/{site.json()['id']}/menus/{day.isoformat()}/{meal}",
                             {"capacity": 80, "dishes": DISHES,
                              "booking_cutoff": f"{day.isoformat()}T06:00:00+08:00"}, staff)
            assert answer.status_code == 200, answer.text
    resident = api.resident(community["id"], name="王秀英")
    web = _start_web(env.stack)
    session = _signed_in(web, resident["phone"], resident["password"])

    def page(path):
        def get(_i):
            answer = session.get(web + path, allow_redirects=False)
            calls = int(answer.headers.get("X-Linli-Gateway-Calls", "99"))
            if answer.status_code == 200 and calls > MAX_GATEWAY_CALLS:
                return f"{calls} gateway calls"
            return answer.status_code
        return get

    return {"web home page": page("/app"), "web canteen page": page("/app/canteen")}
