"""The needs and wish pages in a real browser against the real stack: a wish from
posting to thanks (the wisher posts, staff approve, a neighbour claims and fulfils, the
wisher confirms with thanks, the neighbour's points arrive); staff record a need for a
resident who phoned and route it to the wall; no serious accessibility problem on the
four pages, photographed at phone and desktop sizes."""
import json

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_pages import (axe_problems, h1, open_page, screenshot, sign_in, submit,
                                      wait)

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def wisher(api, place):
    return api.resident(place["community"]["id"], name="王秀英", building="5栋", unit="2单元")


@pytest.fixture(scope="module")
def neighbour(api, place):
    return api.resident(place["community"]["id"], name="陈志强")


def _wish_status(driver, wish_id):
    return driver.find_element(By.ID, f"wish-status-{wish_id}").text


def test_a_wish_from_posting_to_thanks(browser, web, api, place, wisher, neighbour):
    staff = place["staff"]
    sign_in(browser, web, wisher["phone"], wisher["password"], then="/app/wishes")
    assert h1(browser) == "微心愿墙"
    browser.find_element(By.ID, "f-title").send_keys("想要一个新书包")
    browser.find_element(By.ID, "f-description").send_keys("孩子上三年级，旧书包带子断了")
    browser.find_element(By.ID, "f-budget_fen").send_keys("80")
    submit(browser, "#new-wish button.primary")
    mine = api.get("/api/v1/wishes?mine=wished", wisher["token"]).json()["items"]
    wish = next(w for w in mine if w["title"] == "想要一个新书包")
    assert wish["budget_fen"] == 8000
    assert _wish_status(browser, wish["id"]) == "待审核"

    sign_in(browser, web, staff["phone"], staff["password"], then="/console/wishes")
    assert "想要一个新书包" in browser.find_element(By.ID, f"wish-{wish['id']}").text
    submit(browser, f"form[action$='{wish['id']}/approve'] button")
    assert api.get(f"/api/v1/wishes/{wish['id']}", staff["token"]).json()["status"] == "open"

    sign_in(browser, web, neighbour["phone"], neighbour["password"], then="/app/wishes")
    card = browser.find_element(By.ID, f"wish-{wish['id']}").text
    assert "王**" in card and "王秀英" not in card and wisher["phone"] not in card
    submit(browser, f"form[action$='{wish['id']}/claim'] button")
    card = browser.find_element(By.ID, f"wish-{wish['id']}").text
    assert _wish_status(browser, wish["id"]) == "已认领"
    assert "王秀英" in card and wisher["phone"] in card  # the claimer may now call
    browser.find_element(By.ID, f"f-note-{wish['id']}").send_keys("新书包已送到家")
    submit(browser, f"form[action$='{wish['id']}/fulfil'] button")

    sign_in(browser, web, wisher["phone"], wisher["password"], then="/app/wishes")
    assert _wish_status(browser, wish["id"]) == "已实现"
    assert "新书包已送到家" in browser.find_element(By.ID, f"wish-{wish['id']}").text
    browser.find_element(By.ID, f"f-thanks-{wish['id']}").send_keys("谢谢好邻居！")
    submit(browser, f"form[action$='{wish['id']}/confirm'] button")
    assert _wish_status(browser, wish["id"]) == "已致谢"
    assert "谢谢好邻居！" in browser.find_element(By.ID, f"wish-{wish['id']}").text

    sign_in(browser, web, neighbour["phone"], neighbour["password"], then="/app/points")
    wait(browser, 20).until(lambda d: (d.refresh() or True) and
                            d.find_element(By.ID, "balance").text == "5")


def test_staff_record_a_need_for_a_resident_who_phoned_and_pass_it_to_the_wall(
        browser, web, api, place, wisher):
    staff = place["staff"]
    sign_in(browser, web, staff["phone"], staff["password"],
            then=f"/console/needs?resident_id={wisher['id']}")
    assert browser.find_element(By.ID, "f-resident_id").get_attribute("value") == wisher["id"]
    browser.execute_script("document.getElementById('f-source').value = 'phone';"
                           "document.getElementById('f-category').value = 'elderly_care';")
    browser.find_element(By.ID, "f-description").send_keys("眼睛不好，想要一盏护眼台灯")
    submit(browser, "form.card button.primary")
    need = api.get("/api/v1/needs", wisher["token"]).json()["items"][0]
    assert (need["source"], need["category"], need["status"]) == ("phone", "elderly_care", "open")
    assert browser.find_element(By.ID, f"need-status-{need['id']}").text == "待处理"
    assert browser.find_element(By.ID, "summary-elderly_care").text != "0"

    browser.execute_script(f"document.getElementById('f-to-{need['id']}').value = 'wish'")
    submit(browser, f"form[action$='{need['id']}/route'] button")
    assert browser.find_element(By.ID, f"need-status-{need['id']}").text == "已转办"
    routed = api.get(f"/api/v1/needs/{need['id']}", staff["token"]).json()
    assert routed["ref"]["type"] == "wish"

    sign_in(browser, web, wisher["phone"], wisher["password"], then="/app/needs")
    assert "已转交微心愿墙" in browser.find_element(By.ID, f"need-{need['id']}").text


PAGES = [("resident", "wishes", "/app/wishes"), ("resident", "needs", "/app/needs"),
         ("staff", "console-needs", "/console/needs?q=王"), ("staff", "console-wishes",
                                                            "/console/wishes?status=closed")]


def test_the_needs_and_wish_pages_have_no_serious_accessibility_problem(browser, web, place,
                                                                       wisher):
    problems = {}
    for who, name, path in PAGES:
        person = wisher if who == "resident" else place["staff"]
        sign_in(browser, web, person["phone"], person["password"], then=path)
        open_page(browser, web, path)
        found = axe_problems(browser)
        if found:
            problems[path] = found
        screenshot(browser, name)
        open_page(browser, web, path + ("&" if "?" in path else "?") + "lang=en")
        assert "微心愿" not in h1(browser) and "需求" not in h1(browser)
        open_page(browser, web, "/app?lang=zh-CN")
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)
