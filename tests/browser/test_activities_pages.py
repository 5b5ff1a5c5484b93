"""Classes and gatherings in a real browser: a mother signs up with her son, waits in
line, is offered the seats when another family cancels and accepts them; staff see
the roster and publish an activity from the console. axe-core on each page."""
import datetime as dt
import uuid

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_pages import axe_problems, open_page, screenshot, sign_in, submit, wait
from tests.e2e.activities_helpers import A, publish, sign_up, step
from tests.helpers import next_phone

pytestmark = pytest.mark.timeout(240)


@pytest.fixture(scope="module")
def centre(api):
    community = api.community()
    staff = {"phone": next_phone(), "password": "staff-" + uuid.uuid4().hex[:8]}
    made = api.post("/api/v1/staff", {**staff, "name": "周社工", "community_id": community["id"]},
                    api.admin())
    assert made.status_code == 201, made.text
    staff["token"] = api.token(staff["phone"], staff["password"])
    return {"community": community, "staff": staff}


def test_a_family_signs_up_waits_and_accepts_an_offer(browser, web, api, centre):
    cid = centre["community"]["id"]
    reading = publish(api, centre["staff"], cid, capacity=2, title="亲子阅读时光", kind="class",
                      min_age=3)
    other = api.resident(cid, name="李女士")
    first = sign_up(api, other, reading, ("李小宝", "2019-09-09"))
    assert first["status"] == "confirmed"
    mother = api.resident(cid, name="陈丽", birth_date="1988-04-12")

    sign_in(browser, web, mother["phone"], mother["password"], then="/app/activities")
    open_page(browser, web, "/app/activities")
    card = browser.find_element(By.ID, f"activity-{reading['id']}")
    card.find_element(By.TAG_NAME, "summary").click()
    card.find_element(By.ID, f"m-{reading['id']}-0-name").send_keys("陈小乐")
    born = card.find_element(By.ID, f"m-{reading['id']}-0-born")
    browser.execute_script("arguments[0].value = '2020-06-01'", born)
    submit(browser, f"#activity-{reading['id']} form.signup-form button[type=submit]")

    mine = api.get(f"{A}/signups", mother["token"]).json()["items"]
    assert [(s["status"], s["size"], s["position"]) for s in mine] == [("waitlisted", 2, 1)]
    assert [m["name"] for m in mine[0]["party"]] == ["陈丽", "陈小乐"]
    shown = browser.find_element(By.ID, f"signup-{mine[0]['id']}").text
    assert "候补" in shown and "1" in shown
    assert axe_problems(browser) == []

    step(api, first, "cancel", other["token"])  # the other family cannot come after all
    open_page(browser, web, "/app/activities")
    offer = browser.find_element(By.ID, f"signup-{mine[0]['id']}")
    assert "保留" in offer.text
    screenshot(browser, "activities-offer")
    submit(browser, f"#signup-{mine[0]['id']} button.primary")
    assert api.get(f"{A}/signups/{mine[0]['id']}", mother["token"]).json()["status"] == "confirmed"
    assert "已确认" in browser.find_element(By.ID, f"signup-{mine[0]['id']}").text

    sign_in(browser, web, centre["staff"]["phone"], centre["staff"]["password"],
            then="/console/activities")
    open_page(browser, web, f"/console/activities/{reading['id']}")
    roster = browser.find_element(By.CSS_SELECTOR, "ul.roster").text
    assert "陈丽" in roster and "陈小乐" in roster
    assert axe_problems(browser) == []


def test_staff_publish_an_activity_from_the_console(browser, web, api, centre):
    sign_in(browser, web, centre["staff"]["phone"], centre["staff"]["password"],
            then="/console/activities")
    open_page(browser, web, "/console/activities")
    assert axe_problems(browser) == []
    browser.find_element(By.ID, "f-title").send_keys("周末书法班")
    browser.find_element(By.ID, "f-location").send_keys("社区活动中心二楼")
    browser.find_element(By.ID, "f-capacity").send_keys("12")
    weeks = browser.find_element(By.ID, "f-weeks")
    weeks.clear()
    weeks.send_keys("4")
    browser.find_element(By.ID, "f-attendance_points").clear()
    browser.find_element(By.ID, "f-attendance_points").send_keys("5")
    submit(browser, "form.card button.primary")
    wait(browser).until(lambda d: "/console/activities/" in d.current_url)
    made = api.get(A, centre["staff"]["token"]).json()["items"]
    course = next(a for a in made if a["title"] == "周末书法班")
    assert (len(course["sessions"]), course["capacity"], course["attendance_points"]) == (4, 12, 5)
    screenshot(browser, "console-activity")


def test_staff_mark_a_family_arrived_at_the_door_on_a_phone(browser, web, api, centre):
    cid = centre["community"]["id"]
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=5)
    drums = api.post(A, {"community_id": cid, "title": "非洲鼓体验课", "kind": "class",
                         "sessions": [{"start": start.isoformat(),
                                       "end": (start + dt.timedelta(hours=1)).isoformat()}],
                         "capacity": 6, "location": "活动室", "signup_closes_at": start.isoformat(),
                         "attendance_points": 4}, centre["staff"]["token"])
    assert drums.status_code == 201, drums.text
    drums = drums.json()
    father = api.resident(cid, name="吴刚", birth_date="1985-02-02")
    family = sign_up(api, father, drums, ("吴小鼓", "2016-08-08"))
    sign_in(browser, web, centre["staff"]["phone"], centre["staff"]["password"],
            then="/console/activities")

    def arrived(driver):  # the door opens at the first session's start: tap until it does
        open_page(driver, web, f"/console/activities/{drums['id']}")
        if "已签到" in driver.find_element(By.ID, f"signup-{family['id']}").text:
            return True
        submit(driver, f"#signup-{family['id']} button.primary")
        return False
    wait(browser, 30).until(arrived)
    assert api.get(f"{A}/signups/{family['id']}", father["token"]).json()["attended"] is True
    assert wait(browser).until(lambda d: api.get("/api/v1/points/me", father["token"])
                               .json()["balance"] == 4)
    assert axe_problems(browser) == []
    screenshot(browser, "console-attendance")
