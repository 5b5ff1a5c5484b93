"""The pages in a real browser (headless chromium) against the real stack: a resident
books a meal, sees the pickup code and the inbox message; staff checks the diner out by
that code; a resident scans a copy's QR link, borrows and renews; the language switch and
elder mode change what is shown; CSRF, someone else's booking and the cookie's flags;
axe-core on every page; screenshots at phone and desktop sizes in test-artifacts/."""
import base64
import datetime as dt
import json
import time
import uuid

import pytest
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser.conftest import ARTIFACTS, AXE, DESKTOP, PHONE

pytestmark = pytest.mark.timeout(240)


def wait(driver, seconds=15):
    return WebDriverWait(driver, seconds, ignored_exceptions=[StaleElementReferenceException])


def open_page(driver, web, path):
    driver.get(web + path)
    wait(driver).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver, web, phone, password, then="/app"):
    driver.delete_all_cookies()
    open_page(driver, web, "/app/login?lang=zh-CN&next=" + then)
    driver.find_element(By.ID, "f-phone").send_keys(phone)
    driver.find_element(By.ID, "f-password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.card button[type=submit]").click()
    wait(driver).until(lambda d: "/app/login" not in d.current_url)


def h1(driver):
    return wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "h1").text)


def submit(driver, button):
    """Click a form's button (a CSS selector or an element) and wait for the next page
    (hx-boost swaps the body).

    The old <main> is remembered inside the page, not as a WebDriver reference: asking
    chromium about a node that was just swapped out sometimes fails with "Node with
    given id does not belong to the document" instead of a stale-element error."""
    driver.execute_script("window.__linliOldMain = document.querySelector('main')")
    if isinstance(button, str):
        button = driver.find_element(By.CSS_SELECTOR, button)
    button.click()
    WebDriverWait(driver, 15, ignored_exceptions=[WebDriverException]).until(
        lambda d: d.execute_script("const m = window.__linliOldMain;"
                                   "return document.readyState === 'complete' && (!m || !m.isConnected)"
                                   " && !!document.querySelector('main')"))


def axe_problems(driver):
    """Serious and critical axe-core violations of the page shown."""
    if not driver.execute_script("return !!window.axe"):
        driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}]));")
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n.get("target") for n in v.get("nodes", [])][:3]}
            for v in result if v.get("impact") in ("serious", "critical")]


def screenshot(driver, name):
    ARTIFACTS.mkdir(exist_ok=True)
    for size_name, (width, height) in (("phone", PHONE), ("desktop", DESKTOP)):
        driver.set_window_size(width, height)
        full = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(width, min(max(height, full + 140), 4000))
        driver.save_screenshot(str(ARTIFACTS / f"{name}-{size_name}.png"))
    driver.set_window_size(*PHONE)


@pytest.fixture(scope="module")
def resident(api, place):
    return api.resident(place["community"]["id"], birth_date="1950-03-08", name="王秀英")


def test_a_resident_books_a_meal_sees_the_pickup_code_and_the_inbox_message(browser, web, api, place, resident):
    sign_in(browser, web, resident["phone"], resident["password"])
    open_page(browser, web, f"/app/canteen?site_id={place['site']['id']}")
    submit(browser, f"#menu-{place['date']}-lunch form.book button[type=submit]")
    code = wait(browser).until(seen.presence_of_element_located((By.ID, "pickup-code"))).text
    screenshot(browser, "pickup-code")
    bookings = api.get("/api/v1/canteen/bookings", resident["token"]).json()["items"]
    assert [b["pickup_code"] for b in bookings] == [code]
    assert "/app/canteen/bookings/" + bookings[0]["id"] in browser.current_url
    place["booking"] = bookings[0]

    def message_arrived(driver):
        open_page(driver, web, "/app/inbox")
        return code in driver.find_element(By.ID, "messages").text
    WebDriverWait(browser, 20, poll_frequency=0.5).until(message_arrived)
    unread = int(browser.find_element(By.CSS_SELECTOR, "#unread .badge").text)
    message = next(m for m in browser.find_elements(By.CSS_SELECTOR, "#messages li") if code in m.text)
    message_id = message.get_attribute("id")
    message.find_element(By.CSS_SELECTOR, "button").click()  # htmx swaps this one message
    wait(browser).until(lambda d: "unread" not in d.find_element(By.ID, message_id).get_attribute("class"))
    open_page(browser, web, "/app")
    badge = browser.find_elements(By.CSS_SELECTOR, "#unread .badge")
    assert (int(badge[0].text) if badge else 0) == unread - 1


@pytest.fixture
def booking(api, place, resident):
    """The resident's lunch booking: the one the booking test made in the browser, or
    one made through the API when that test has not run first."""
    if "booking" not in place:
        answer = api.post("/api/v1/canteen/bookings", {
            "site_id": place["site"]["id"], "date": str(place["date"]), "meal": "lunch",
            "portions": 1}, resident["token"])
        assert answer.status_code == 201, answer.text
        place["booking"] = answer.json()
    return place["booking"]


def test_staff_checks_the_diner_out_by_the_pickup_code(browser, web, api, place, resident,
                                                        booking):
    sign_in(browser, web, place["staff"]["phone"], place["staff"]["password"], then="/console")
    open_page(browser, web, f"/console/counter?site_id={place['site']['id']}&date={place['date']}&meal=lunch")
    browser.find_element(By.ID, "f-pickup_code").send_keys(booking["pickup_code"].lower())
    quantity = browser.find_element(By.CSS_SELECTOR, "input[name=quantity][type=number]")
    quantity.clear()
    quantity.send_keys("1")
    grams = browser.find_element(By.CSS_SELECTOR, "input[name=grams][type=number]")
    grams.clear()
    grams.send_keys("200")
    submit(browser, "#checkout")
    bill = wait(browser).until(seen.presence_of_element_located((By.ID, "bill"))).text
    assert "长者优惠价" in bill  # born 1950: the elder price, as the service decided
    answer = api.get(f"/api/v1/canteen/bookings/{booking['id']}", resident["token"])
    assert answer.json()["status"] == "served"


def test_a_resident_scans_a_copy_borrows_and_renews(browser, web, api, place, resident):
    sign_in(browser, web, resident["phone"], resident["password"], then=f"/app/scan/{place['copy_code']}")
    assert f"/app/scan/{place['copy_code']}" in browser.current_url  # back where the QR code pointed
    submit(browser, "#borrow")
    loan = wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "li.loan")))
    due = api.get("/api/v1/library/loans", resident["token"]).json()["items"][0]["due_date"]
    assert due in loan.text
    submit(browser, "li.loan form button")
    renewed = api.get("/api/v1/library/loans", resident["token"]).json()["items"][0]
    assert renewed["renewals"] == 1
    assert renewed["due_date"] in browser.find_element(By.CSS_SELECTOR, "li.loan").text


def test_the_language_switch_and_elder_mode_change_what_is_shown(browser, web, resident):
    sign_in(browser, web, resident["phone"], resident["password"])
    assert h1(browser) == "欢迎使用邻里"
    submit(browser, "#lang-switch")
    assert h1(browser) == "Welcome to Linli"
    open_page(browser, web, "/app/canteen")  # the language is remembered
    assert h1(browser).startswith("Canteen")
    submit(browser, "#elder-switch")
    body = browser.find_element(By.TAG_NAME, "body")
    assert "elder" in body.get_attribute("class")
    size = browser.execute_script("return parseFloat(getComputedStyle(document.body).fontSize)")
    assert size >= 22
    smallest_button = browser.execute_script(
        "return Math.min(...[...document.querySelectorAll('main button, main a.button')]"
        ".filter(b => b.offsetParent).map(b => b.getBoundingClientRect().height))")
    assert smallest_button >= 48
    assert not browser.find_element(By.CSS_SELECTOR, "main .back").is_displayed()  # secondary hidden
    screenshot(browser, "canteen-elder-en")
    submit(browser, "#elder-switch")
    open_page(browser, web, "/app?lang=zh-CN")
    assert "elder" not in browser.find_element(By.TAG_NAME, "body").get_attribute("class")


def test_a_form_without_its_csrf_token_is_refused(browser, web, resident):
    sign_in(browser, web, resident["phone"], resident["password"])
    open_page(browser, web, "/app/inbox")
    browser.execute_script("document.body.removeAttribute('hx-boost');"
                           "document.querySelectorAll('input[name=csrf_token]').forEach(i => i.remove())")
    browser.find_element(By.CSS_SELECTOR, "form[action$='read-all'] button").click()
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == "表单已过期")


def test_another_residents_booking_page_is_404(browser, web, api, place, booking):
    other = api.resident(place["community"]["id"], name="李娜")
    sign_in(browser, web, other["phone"], other["password"])
    open_page(browser, web, f"/app/canteen/bookings/{booking['id']}")
    assert h1(browser) == "找不到页面"
    assert booking["pickup_code"] not in browser.page_source


def test_the_session_cookie_is_httponly_and_samesite_lax(browser, web, resident):
    sign_in(browser, web, resident["phone"], resident["password"])
    cookie = browser.get_cookie("linli_token")
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert "linli_token" not in browser.execute_script("return document.cookie")
    assert resident["token"] not in browser.current_url


RESIDENT_PAGES = [("home", "/app"), ("canteen", "/app/canteen"), ("bookings", "/app/canteen/bookings"),
                  ("inbox", "/app/inbox"), ("settings", "/app/settings"),
                  ("library", "/app/library?q=平凡"), ("loans", "/app/library/loans"),
                  ("holds", "/app/library/holds"), ("volunteer", "/app/volunteer"),
                  ("points", "/app/points")]
STAFF_PAGES = [("console-today", "/console"), ("console-menus", "/console/menus"),
               ("console-counter", "/console/counter"), ("console-desk", "/console/desk"),
               ("console-dispatch", "/console/dispatch"), ("console-residents", "/console/residents?q=王"),
               ("console-rewards", "/console/rewards"), ("console-jobs", "/console/jobs")]


def test_every_page_has_no_serious_accessibility_problem_and_is_photographed(browser, web, place, resident):
    problems = {}

    def check(name, path):
        open_page(browser, web, path)
        found = axe_problems(browser)
        if found:
            problems[path] = found
        screenshot(browser, name)

    browser.delete_all_cookies()
    for name, path in (("login", "/app/login?lang=zh-CN"), ("register", "/app/register")):
        check(name, path)
    sign_in(browser, web, resident["phone"], resident["password"])
    pages = list(RESIDENT_PAGES)
    if place.get("booking"):
        pages.append(("booking", f"/app/canteen/bookings/{place['booking']['id']}"))
    pages.append(("scan", f"/app/scan/{place['copy_code']}"))
    for name, path in pages:
        check(name, path)
    open_page(browser, web, "/app?lang=en")
    check("home-en", "/app")
    open_page(browser, web, "/app?lang=zh-CN")
    sign_in(browser, web, place["staff"]["phone"], place["staff"]["password"], then="/console")
    for name, path in STAFF_PAGES:
        check(name, path)
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_staff_publishes_a_menu_in_the_console(browser, web, api, place):
    sign_in(browser, web, place["staff"]["phone"], place["staff"]["password"], then="/console/menus")
    day = (dt.date.fromisoformat(place["date"]) + dt.timedelta(days=1)).isoformat()
    browser.execute_script("document.getElementById('f-date').value = arguments[0];"
                           "document.getElementById('f-booking_cutoff').value = arguments[0] + 'T09:30';"
                           "document.getElementById('f-meal').value = 'lunch';", day)
    capacity = browser.find_element(By.ID, "f-capacity")
    capacity.clear()
    capacity.send_keys("40")
    rows = browser.find_elements(By.CSS_SELECTOR, ".dish-rows tbody tr")
    for row, (name, price, per_100g, tags) in zip(rows, [("清蒸鲈鱼", "18", "", "fish"),
                                                        ("自选素菜", "", "2.5", "vegetable")]):
        inputs = row.find_elements(By.TAG_NAME, "input")
        for field, value in zip(inputs, (name, price, per_100g, tags)):
            if value:
                field.send_keys(value)
    submit(browser, "form.card button.primary")
    menus = api.get(f"/api/v1/canteen/sites/{place['site']['id']}/menus?from={day}&to={day}",
                    place["staff"]["token"]).json()["items"]
    assert [(m["meal"], m["capacity"]) for m in menus] == [("lunch", 40)]
    assert {d["name"]: (d["price_fen"], d["price_per_100g_fen"]) for d in menus[0]["dishes"]} == {
        "清蒸鲈鱼": (1800, None), "自选素菜": (None, 250)}
    assert menus[0]["booking_cutoff"].startswith(f"{day}T09:30:00")
    assert "清蒸鲈鱼" in browser.find_element(By.TAG_NAME, "table").text


def test_help_is_ordered_dispatched_accepted_completed_confirmed_and_credited(browser, web, api, place, resident):
    staff = place["staff"]
    volunteer = api.resident(place["community"]["id"], name="陈志强")
    team = api.post("/api/v1/volunteer/teams", {"name": "水电维修队", "community_id": place["community"]["id"],
                                                "skills": ["repair"], "areas": ["3号楼"]}, staff["token"])
    assert team.status_code == 201, team.text
    member = api.post(f"/api/v1/volunteer/teams/{team.json()['id']}/members",
                      {"resident_id": volunteer["id"]}, staff["token"])
    assert member.status_code in (200, 201), member.text

    sign_in(browser, web, resident["phone"], resident["password"], then="/app/volunteer")
    browser.execute_script("document.getElementById('f-category').value = 'repair'")
    browser.find_element(By.ID, "f-description").send_keys("楼道灯坏了")
    browser.find_element(By.ID, "f-address").send_keys("3号楼2单元")
    submit(browser, "form.card button.primary")
    assert browser.find_element(By.ID, "request-status").text == "已提交"
    request_id = browser.current_url.rstrip("/").split("/")[-1]

    sign_in(browser, web, staff["phone"], staff["password"], then=f"/console/dispatch/{request_id}")
    assert "水电维修队" in browser.find_element(By.CSS_SELECTOR, "main .list").text
    submit(browser, "main .list form button")
    assert browser.find_element(By.ID, "request-status").text == "已派单"

    sign_in(browser, web, volunteer["phone"], volunteer["password"], then=f"/app/volunteer/requests/{request_id}")
    submit(browser, f"form[action$='{request_id}/accept'] button")
    assert browser.find_element(By.ID, "request-status").text == "已接单"
    submit(browser, f"form[action$='{request_id}/complete'] button")
    assert browser.find_element(By.ID, "request-status").text == "已完成"

    sign_in(browser, web, resident["phone"], resident["password"], then=f"/app/volunteer/requests/{request_id}")
    submit(browser, f"form[action$='{request_id}/confirm'] button")
    assert browser.find_element(By.ID, "request-status").text == "已结束"

    sign_in(browser, web, volunteer["phone"], volunteer["password"], then="/app/points")
    expected = api.get("/api/v1/points/me", volunteer["token"]).json()["balance"]
    assert expected > 0
    assert browser.find_element(By.ID, "balance").text == str(expected)


def test_a_half_filled_form_survives_the_end_of_the_session(browser, web, resident):
    """An elder takes long over a form and the session ends meanwhile: sending it leads
    through the sign-in, and one tap then sends what was written."""
    sign_in(browser, web, resident["phone"], resident["password"], then="/app/volunteer")
    browser.execute_script("document.getElementById('f-category').value = 'companionship'")
    browser.find_element(By.ID, "f-description").send_keys("想找人陪我去社区医院复诊")
    browser.find_element(By.ID, "f-address").send_keys("5号楼1单元")
    expired = browser.get_cookie("linli_token")["value"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(expired[1] + "=" * (-len(expired[1]) % 4)))
    claims["exp"] = int(time.time()) - 60
    expired[1] = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    browser.add_cookie({"name": "linli_token", "value": ".".join(expired), "path": "/",
                        "httpOnly": True})
    submit(browser, "form.card button.primary")
    assert "您填写的内容都还在" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.ID, "f-phone").send_keys(resident["phone"])
    browser.find_element(By.ID, "f-password").send_keys(resident["password"])
    submit(browser, "form.card button[type=submit]")
    assert h1(browser) == "您填写的内容还在"
    assert "想找人陪我去社区医院复诊" in browser.find_element(By.CSS_SELECTOR, "ul.kept").text
    submit(browser, "form.card button.primary")
    assert browser.find_element(By.ID, "request-status").text == "已提交"
    assert "想找人陪我去社区医院复诊" in browser.find_element(By.TAG_NAME, "main").text


def test_a_new_resident_chooses_the_community_by_its_name(browser, web, place):
    browser.delete_all_cookies()
    open_page(browser, web, "/app/register?lang=zh-CN")
    options = browser.find_elements(By.CSS_SELECTOR, "#f-community_id option")
    names = {o.get_attribute("value"): o.text for o in options}
    assert names[place["community"]["id"]].startswith(place["community"]["name"])
    assert axe_problems(browser) == []


def test_each_page_needs_at_most_two_gateway_calls(web, place, resident):
    from tests.load.web import _signed_in
    costs = {}
    for who, pages in ((resident, RESIDENT_PAGES), (place["staff"], STAFF_PAGES)):
        session = _signed_in(web, who["phone"], who["password"])
        for _name, path in pages:
            answer = session.get(web + path, allow_redirects=False)
            assert answer.status_code == 200, (path, answer.status_code)
            costs[path] = int(answer.headers["X-Linli-Gateway-Calls"])
    assert {path: n for path, n in costs.items() if n > 2} == {}
    assert costs["/app/canteen"] >= 1  # the count is real: the menus come from the gateway


def test_staff_lend_a_book_at_the_desk_to_a_reader_found_by_phone(browser, web, api, place):
    staff = place["staff"]
    reader = api.resident(place["community"]["id"], name="孙大爷", birth_date="1946-10-01")
    code = "DESK-" + uuid.uuid4().hex[:8].upper()
    title = api.post("/api/v1/library/titles", {"title": "红岩", "author": "罗广斌",
                                                "tags": ["小说"]}, staff["token"]).json()
    made = api.post("/api/v1/library/copies", {"title_id": title["id"], "code": code,
                                               "branch_id": place["branch"]["id"]}, staff["token"])
    assert made.status_code == 201, made.text
    sign_in(browser, web, staff["phone"], staff["password"], then="/console/desk")
    assert browser.find_element(By.ID, "overdue")  # the desk's lists are on the page
    browser.find_element(By.ID, "f-phone-loans").send_keys(reader["phone"])
    browser.find_element(By.ID, "f-code-loans").send_keys(code)
    submit(browser, "form[action$='/desk/loans'] button.primary")
    assert f"{code}" in browser.find_element(By.CSS_SELECTOR, "p.done").text
    assert "孙大爷" in browser.find_element(By.CSS_SELECTOR, "p.done").text
    loans = api.get("/api/v1/library/loans", reader["token"]).json()["items"]
    assert [loan["copy_code"] for loan in loans] == [code]
    assert axe_problems(browser) == []
