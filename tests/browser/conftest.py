"""Browser tests: Debian's headless chromium (driven through its chromedriver by
selenium; nothing is downloaded) against the real test stack plus the web process."""
import datetime as dt
import os
import shutil
import uuid
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from shared import devstack
from tests.helpers import next_phone

CHROMIUM = os.environ.get("LINLI_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LINLI_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = devstack.ROOT / "test-artifacts"
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PHONE = (390, 844)
DESKTOP = (1280, 900)


@pytest.fixture(scope="session")
def web(stack):
    """The web frontend under gunicorn, talking to the test stack's gateway."""
    port = devstack.free_port()
    process = devstack.start(devstack.web_command(port),
                             devstack.base_env(**stack.env, LINLI_API_URL=stack.url,
                                               LINLI_WEB_WORKERS="2"),
                             stack.log_dir / "web.log")
    stack.processes["web"] = process
    assert devstack.wait_for_port("127.0.0.1", port, 30), "the web process did not start"
    yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail("chromium and chromedriver are missing: `bash deploy/local/chromium.sh` "
                    "installs Debian's (make test does it)")
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium must never fetch a driver
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 "--lang=zh-CN", f"--window-size={PHONE[0]},{PHONE[1]}",
                 "--disable-extensions", "--no-first-run"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def place(api):
    """A community with a staff member, a canteen with tomorrow's menus, and a library
    branch with a copy, made through the API (the browser tests drive the pages)."""
    community = api.community()
    staff = {"phone": next_phone(), "password": "staff-" + uuid.uuid4().hex[:8]}
    made = api.post("/api/v1/staff", {**staff, "name": "刘社工", "community_id": community["id"]},
                    api.admin())
    assert made.status_code == 201, made.text
    staff["token"] = api.token(staff["phone"], staff["password"])
    site = api.post("/api/v1/canteen/sites", {
        "name": "初心食堂", "community_id": community["id"], "elder_discount_percent": 20,
        "caring_lunch_price_fen": 990}, staff["token"])
    assert site.status_code == 201, site.text
    tomorrow = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=1)
    for meal, cutoff in (("lunch", "10:00"), ("dinner", "16:00")):
        menu = api.put(f"/api/v1/canteen/sites/{site.json()['id']}/menus/{tomorrow}/{meal}", {
            "capacity": 30, "booking_cutoff": f"{tomorrow}T{cutoff}:00+08:00",
            "dishes": [{"name": "西红柿炒鸡蛋", "tags": ["vegetable", "soft"], "price_fen": 800},
                       {"name": "红烧肉", "tags": ["meat"], "price_fen": 1500},
                       {"name": "自选素菜", "tags": ["vegetable"], "price_per_100g_fen": 250}]},
            staff["token"])
        assert menu.status_code == 200, menu.text
    branch = api.post("/api/v1/library/branches", {"name": "邻里书屋", "community_id": community["id"],
                                                   "kind": "book_house"}, staff["token"])
    assert branch.status_code == 201, branch.text
    title = api.post("/api/v1/library/titles", {"title": "平凡的世界", "author": "路遥",
                                                "tags": ["小说"]}, staff["token"])
    assert title.status_code == 201, title.text
    code = "WEB-" + uuid.uuid4().hex[:6].upper()
    copy = api.post("/api/v1/library/copies", {"title_id": title.json()["id"], "code": code,
                                               "branch_id": branch.json()["id"]}, staff["token"])
    assert copy.status_code == 201, copy.text
    return {"community": community, "staff": staff, "site": site.json(), "date": tomorrow.isoformat(),
            "copy_code": code, "branch": branch.json()}
