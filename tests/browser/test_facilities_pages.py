"""The two resident flows of rooms and shared equipment in a real browser against the
real stack: find a free room and book it, then check in by the door's QR page (and walk
in at another door); open a speaker's QR page, accept its rules, borrow, return, and
file a noise complaint. Staff pages and the printable labels render; axe-core finds no
serious problem on the resident pages."""
import datetime as dt
import uuid

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as seen

from tests.browser.test_pages import axe_problems, open_page, screenshot, sign_in, submit, wait

pytestmark = pytest.mark.timeout(240)
CST = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture(scope="module")
def centre(api):
    community = api.community()
    staff = api.staff(community["id"])
    rooms = []
    for name, opening, private in (("阅览室", None, False), ("书画室", None, False)):
        answer = api.post("/api/v1/facilities/rooms", {
            "name": name, "community_id": community["id"], "kind": "reading", "capacity": 10,
            "opening": opening, "private": private}, staff["token"])
        assert answer.status_code == 201, answer.text
        rooms.append(answer.json())
    now = dt.datetime.now(CST)
    speaker = api.post("/api/v1/facilities/equipment", {
        "name": "广场舞音箱1号", "kind": "speaker", "community_id": community["id"],
        "code": f"SPK-{uuid.uuid4().hex[:6]}",
        "rules": {"max_volume_db": 70,
                  "allowed": {"start": (now - dt.timedelta(hours=1)).strftime("%H:%M"),
                              "end": (now + dt.timedelta(hours=3)).strftime("%H:%M")}}},
        staff["token"])
    assert speaker.status_code == 201, speaker.text
    resident = api.resident(community["id"], name="赵阿姨", birth_date="1958-04-02")
    return {"community": community, "staff": staff, "rooms": rooms, "speaker": speaker.json(),
            "resident": resident}


def test_a_resident_books_a_room_and_checks_in_by_the_door_qr(browser, web, api, stack, centre):
    room, other = centre["rooms"]
    resident = centre["resident"]
    day = (dt.datetime.now(CST).date() + dt.timedelta(days=2)).isoformat()
    sign_in(browser, web, resident["phone"], resident["password"], then="/app/rooms")
    open_page(browser, web, f"/app/rooms?room_id={room['id']}&date={day}")
    assert "全天空闲" in browser.find_element(By.ID, "taken").text
    browser.find_element(By.CSS_SELECTOR, "#f-start option[value='10:00']").click()
    browser.find_element(By.CSS_SELECTOR, "#f-end option[value='11:30']").click()
    browser.find_element(By.ID, "f-purpose").send_keys("读书会")
    submit(browser, "#book-room button[type=submit]")
    mine = wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "li.room-booking")))
    assert "已预订" in mine.text and "10:00" in mine.text
    assert "10:00–11:30" in browser.find_element(By.ID, "taken").text
    assert axe_problems(browser) == []
    screenshot(browser, "rooms")
    [booking] = api.get("/api/v1/facilities/room-bookings", resident["token"]).json()["items"]
    assert booking["purpose"] == "读书会" and booking["status"] == "booked"

    # at the door, a few minutes before the start (the booking is moved there: the
    # clock of a request cannot be moved)
    start = dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=5)
    stack.db("facilities")["room_bookings"].update_one(
        {"_id": booking["id"]}, {"$set": {"start": start,
                                          "no_show_at": start + dt.timedelta(minutes=15)}})
    door = api.get(f"/api/v1/facilities/rooms/{room['id']}", centre["staff"]["token"]).json()["door_code"]
    open_page(browser, web, f"/app/rooms/door/{door}")
    submit(browser, "#check-in")
    assert "签到成功" in wait(browser).until(seen.presence_of_element_located((By.ID, "done"))).text
    checked = api.get(f"/api/v1/facilities/room-bookings/{booking['id']}", resident["token"]).json()
    assert checked["status"] == "checked_in"

    # another door, nobody booked: walk in for an hour
    other_door = api.get(f"/api/v1/facilities/rooms/{other['id']}",
                         centre["staff"]["token"]).json()["door_code"]
    open_page(browser, web, f"/app/rooms/door/{other_door}")
    browser.find_element(By.CSS_SELECTOR, "#f-minutes option[value='60']").click()
    submit(browser, "#walk-in button[type=submit]")
    assert wait(browser).until(seen.presence_of_element_located((By.ID, "done")))
    assert "已签到" in browser.find_element(By.ID, "taken").text
    assert axe_problems(browser) == []


def test_a_resident_borrows_a_speaker_under_its_rules_returns_it_and_complains(browser, web, api,
                                                                             centre):
    speaker, resident = centre["speaker"], centre["resident"]
    sign_in(browser, web, resident["phone"], resident["password"],
            then=f"/app/equipment/scan/{speaker['code']}")
    rules = browser.find_element(By.ID, "rules").text
    assert "70" in rules and speaker["rules"]["allowed"]["end"] in rules
    submit(browser, "#borrow")  # the rules not accepted: refused, next to the checkbox
    assert browser.find_element(By.ID, "e-accept_rules").text
    browser.find_element(By.ID, "f-accept_rules").click()
    submit(browser, "#borrow")
    loan_line = wait(browser).until(seen.presence_of_element_located((By.CSS_SELECTOR, "li.equipment-loan")))
    [loan] = api.get("/api/v1/facilities/equipment-loans", resident["token"]).json()["items"]
    due = dt.datetime.fromisoformat(loan["due_at"]).astimezone(CST).strftime("%m-%d %H:%M")
    assert due in loan_line.text
    assert axe_problems(browser) == []
    screenshot(browser, "equipment-loan")

    browser.find_element(By.ID, "f-description").send_keys("晚上九点后音量很大")
    submit(browser, "#complain")
    complaints = api.get("/api/v1/facilities/complaints", centre["staff"]["token"]).json()["items"]
    assert [c["loan_id"] for c in complaints] == [loan["id"]]

    browser.find_element(By.CSS_SELECTOR, f"#condition-{loan['id']} option[value='damaged']").click()
    submit(browser, "li.equipment-loan form.return button")
    assert "维修中" in browser.find_element(By.ID, "item-status").text
    assert api.get("/api/v1/facilities/equipment-loans",
                   resident["token"]).json()["items"][0]["status"] == "returned"


def test_staff_see_rooms_equipment_and_print_labels(browser, web, api, centre):
    staff_phone = "16" + uuid.uuid4().hex[:9].translate(str.maketrans("abcdef", "123456"))
    made = api.post("/api/v1/staff", {"phone": staff_phone, "password": "staff-pass-2026",
                                      "name": "钱社工", "community_id": centre["community"]["id"]},
                    api.admin())
    assert made.status_code == 201, made.text
    sign_in(browser, web, staff_phone, "staff-pass-2026", then="/console/rooms")
    page = browser.find_element(By.TAG_NAME, "main").text
    assert all(room["name"] in page for room in centre["rooms"])
    open_page(browser, web, f"/console/rooms/{centre['rooms'][0]['id']}/label")
    assert browser.find_element(By.ID, "label-code").text == centre["rooms"][0]["door_code"]
    assert browser.find_elements(By.CSS_SELECTOR, "svg")
    open_page(browser, web, "/console/equipment")
    assert centre["speaker"]["code"] in browser.find_element(By.TAG_NAME, "main").text
    open_page(browser, web, f"/console/equipment/{centre['speaker']['id']}/label")
    assert browser.find_element(By.ID, "label-code").text == centre["speaker"]["code"]
