"""The directory and the listening page in a real browser: a resident finds the
pharmacy open now by category and keyword and reads its number on the large-print
sheet; anyone (signed out) opens a poster's listening page, presses the one big button
and the play is counted once; staff add and verify a place and reach the poster. Axe
finds no serious problem on these pages."""
import datetime as dt
import json
import uuid
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen

from tests.browser.test_pages import axe_problems, h1, open_page, screenshot, sign_in, submit, wait

pytestmark = pytest.mark.timeout(240)


def _open_all_day_around_now():
    now = dt.datetime.now(ZoneInfo("Asia/Shanghai"))
    return [{"days": [1, 2, 3, 4, 5, 6, 7],
             "open": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
             "close": (now + dt.timedelta(hours=1)).strftime("%H:%M")}]


@pytest.fixture(scope="module")
def town(api, place):
    community_id = place["community"]["id"]
    token = place["staff"]["token"]
    made = {}
    for key, body in {
        "pharmacy": {"name": "益丰大药房", "category": "pharmacy", "phone": "021-5555 0101",
                     "address": "幸福路 12 号", "hours": _open_all_day_around_now(),
                     "notes": "夜间售药窗口"},
        "locksmith": {"name": "老周开锁", "category": "repair", "phone": "138 0000 1111",
                      "address": "幸福路 3 号", "hours": []},
    }.items():
        answer = api.post("/api/v1/directory/places", {"community_id": community_id, **body},
                          token)
        assert answer.status_code == 201, answer.text
        made[key] = answer.json()
    title = api.post("/api/v1/library/titles", {"title": "活着", "author": "余华", "tags": []},
                     token).json()
    copy = api.post("/api/v1/library/copies", {"title_id": title["id"], "branch_id": place["branch"]["id"],
                                               "code": "LSN-" + uuid.uuid4().hex[:6]}, token)
    assert copy.status_code == 201, copy.text
    edition = api.post(f"/api/v1/library/titles/{title['id']}/editions",
                       {"kind": "audiobook", "url": "http://127.0.0.1:9/huozhe.mp3",
                        "minutes": 560}, token)
    assert edition.status_code == 201, edition.text
    made["edition"] = edition.json()
    made["resident"] = api.resident(community_id, name="赵大爷", birth_date="1948-02-02")
    return made


def test_a_resident_finds_the_pharmacy_open_now_and_prints_the_numbers(browser, web, town):
    resident = town["resident"]
    sign_in(browser, web, resident["phone"], resident["password"], then="/app/directory")
    assert h1(browser) == "便民服务"
    browser.find_element(By.ID, "q").send_keys("药房")
    browser.find_element(By.CSS_SELECTOR, "#category option[value=pharmacy]").click()
    browser.find_element(By.ID, "open_now").click()
    submit(browser, "#search")
    found = wait(browser).until(seen.presence_of_element_located(
        (By.ID, f"p-{town['pharmacy']['id']}")))
    assert "正在营业" in found.text and "021-5555 0101" in found.text
    assert not browser.find_elements(By.ID, f"p-{town['locksmith']['id']}")
    open_page(browser, web, "/app/directory/print")
    sheet = browser.find_element(By.TAG_NAME, "body").text
    assert "社区便民电话" in sheet and "021-5555 0101" in sheet and "138 0000 1111" in sheet


def test_anyone_listens_without_signing_in_and_the_play_counts_once(browser, web, api, town):
    edition = town["edition"]
    browser.delete_all_cookies()
    open_page(browser, web, f"/app/listen/{edition['id']}")
    assert "/app/login" not in browser.current_url
    assert h1(browser) == "活着"
    button = browser.find_element(By.ID, "play")
    assert button.size["height"] >= 100  # one large button
    button.click()
    wait(browser).until(seen.presence_of_element_located((By.ID, "player")))
    assert api.get(f"/api/v1/library/editions/{edition['id']}").json()["plays"] == 1
    open_page(browser, web, f"/app/listen/{edition['id']}")
    browser.find_element(By.ID, "play").click()  # the same browser again: not counted twice
    wait(browser).until(seen.presence_of_element_located((By.ID, "player")))
    assert api.get(f"/api/v1/library/editions/{edition['id']}").json()["plays"] == 1


def test_staff_add_and_verify_a_place_and_reach_the_poster(browser, web, api, place, town):
    sign_in(browser, web, place["staff"]["phone"], place["staff"]["password"],
            then="/console/directory")
    browser.find_element(By.ID, "f-name").send_keys("幸福里街道办事处")
    browser.find_element(By.CSS_SELECTOR, "#f-category option[value=government]").click()
    browser.find_element(By.ID, "f-address").send_keys("幸福路 1 号")
    browser.find_element(By.ID, "f-phone").send_keys("021-6000 1234")
    submit(browser, "#save-place")
    assert "幸福里街道办事处" in browser.find_element(By.ID, "places").text
    # the locksmith takes a lunch break now: two rows of hours, and a new number
    submit(browser, f"#p-{town['locksmith']['id']} a.edit")
    assert h1(browser) == "老周开锁"
    phone = browser.find_element(By.ID, "f-phone")
    phone.clear()
    phone.send_keys("138 0000 2222")
    for n, (opens, closes) in ((1, ("08:00", "12:00")), (2, ("14:00", "20:00"))):
        for day in (1, 2, 3):
            browser.find_element(By.CSS_SELECTOR, f"#hours-{n} input[value='{day}']").click()
        for field, value in (("open", opens), ("close", closes)):
            browser.execute_script("arguments[0].value = arguments[1]",
                                   browser.find_element(By.ID, f"f-{field}-{n}"), value)
    submit(browser, "#save-place")
    listed = api.get("/api/v1/directory/places", place["staff"]["token"]).json()["items"]
    changed = next(p for p in listed if p["id"] == town["locksmith"]["id"])
    assert changed["phone"] == "138 0000 2222"
    assert changed["hours"] == [{"days": [1, 2, 3], "open": "08:00", "close": "12:00"},
                                {"days": [1, 2, 3], "open": "14:00", "close": "20:00"}]
    row = browser.find_element(By.ID, f"p-{town['locksmith']['id']}")
    before = town["locksmith"]["verified_at"]
    submit(browser, row.find_element(By.CSS_SELECTOR, "button"))
    listed = api.get("/api/v1/directory/places", place["staff"]["token"]).json()["items"]
    assert next(p for p in listed if p["id"] == town["locksmith"]["id"])["verified_at"] > before
    open_page(browser, web, f"/console/library/editions?branch_id={place['branch']['id']}")
    assert "活着" in browser.find_element(By.ID, "popular").text
    href = browser.find_element(By.ID, "poster").get_attribute("href")
    open_page(browser, web, href.replace(web, ""))
    assert "<svg" in browser.page_source


def _axe_then_photograph(browser, web, pages) -> dict:
    """Axe's serious problems of each ``(name, path)`` page, each page photographed."""
    found = {}
    for name, path in pages:
        open_page(browser, web, path)
        found[path] = axe_problems(browser)
        screenshot(browser, name)
    return {path: problems for path, problems in found.items() if problems}


def test_the_new_pages_have_no_serious_accessibility_problem(browser, web, place, town):
    browser.delete_all_cookies()
    listen = f"/app/listen/{town['edition']['id']}"
    problems = _axe_then_photograph(browser, web, [("listen", listen)])
    resident = town["resident"]
    sign_in(browser, web, resident["phone"], resident["password"])
    problems.update(_axe_then_photograph(browser, web, [
        ("directory", "/app/directory"), ("directory-print", "/app/directory/print")]))
    sign_in(browser, web, place["staff"]["phone"], place["staff"]["password"], then="/console")
    problems.update(_axe_then_photograph(browser, web, [
        ("console-directory", "/console/directory"),
        ("console-place", f"/console/directory/{town['pharmacy']['id']}"),
        ("console-editions", "/console/library/editions?q=活着")]))
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
