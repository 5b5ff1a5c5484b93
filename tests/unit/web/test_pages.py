"""The web app's own promises, answered before (or without) the gateway: sessions,
CSRF, redirects when signed out, the staff-only console, languages, elder mode and
the calm page when the gateway does not answer. LINLI_API_URL points at a closed port,
so any page that needs the gateway shows the "try again" page."""
import base64
import json
import re
import time

import pytest

from services.web import config


def fake_token(role="resident", exp_in=3600):
    def part(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).decode().rstrip("=")
    return ".".join([part({"alg": "HS256"}), part({"sub": "r1", "role": role, "cid": "c1",
                                                   "exp": int(time.time()) + exp_in}), "sig"])


@pytest.fixture
def client(monkeypatch):
    monkeypatch.setenv("LINLI_API_URL", "http://127.0.0.1:9")
    config.web_settings.cache_clear()
    from services.web.app import create_app
    app = create_app()
    yield app.test_client()
    config.web_settings.cache_clear()


def csrf_of(client):
    page = client.get("/app/login")
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_signed_out_app_and_console_pages_go_to_sign_in_and_back(client):
    for path in ("/app/canteen", "/console/counter"):
        answer = client.get(path)
        assert answer.status_code == 303
        assert answer.headers["Location"].startswith("/app/login?next=")
        assert path in answer.headers["Location"].replace("%2F", "/")


def test_a_resident_opening_the_console_gets_403(client):
    client.set_cookie("linli_token", fake_token("resident"))
    answer = client.get("/console")
    assert answer.status_code == 403
    assert "仅限工作人员" in answer.get_data(as_text=True)


def test_an_expired_token_counts_as_signed_out(client):
    client.set_cookie("linli_token", fake_token("resident", exp_in=-10))
    assert client.get("/app").status_code == 303


def test_a_form_without_the_csrf_token_is_refused(client):
    csrf_of(client)  # the cookie is set, but the form does not carry the token
    answer = client.post("/app/login", data={"phone": "13800000011", "password": "x"})
    assert answer.status_code == 403
    assert "表单已过期" in answer.get_data(as_text=True)


def test_a_form_with_a_wrong_csrf_token_is_refused(client):
    csrf_of(client)
    answer = client.post("/app/logout", data={"csrf_token": "not-the-cookie"})
    assert answer.status_code == 403


def test_sign_out_clears_the_token_cookie(client):
    token = csrf_of(client)
    client.set_cookie("linli_token", fake_token())
    answer = client.post("/app/logout", data={"csrf_token": token})
    assert answer.status_code == 303
    cleared = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("linli_token=")]
    assert cleared and ("Max-Age=0" in cleared[0] or "expires=Thu, 01 Jan 1970" in cleared[0])


def test_the_csrf_cookie_is_httponly_and_samesite_lax(client):
    answer = client.get("/app/login")
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("linli_csrf="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_chinese_by_default_english_on_the_switch_and_remembered(client):
    assert "<h1>登录</h1>" in client.get("/app/login").get_data(as_text=True)
    english = client.get("/app/login?lang=en")
    assert "<h1>Sign in</h1>" in english.get_data(as_text=True)
    assert any(c.startswith("linli_lang=en") for c in english.headers.getlist("Set-Cookie"))
    assert "<h1>Sign in</h1>" in client.get("/app/login").get_data(as_text=True)


def test_elder_mode_is_a_form_and_marks_the_page(client):
    token = csrf_of(client)
    answer = client.post("/app/elder", data={"csrf_token": token, "elder": "1", "next": "/app/login"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/app/login"
    page = client.get("/app/login").get_data(as_text=True)
    assert '<body class="elder"' in page
    assert "user-scalable" not in page and "maximum-scale" not in page


def test_the_way_back_after_sign_in_stays_on_this_site(client):
    from services.web.sessions import safe_next
    assert safe_next("/app/canteen?site_id=1") == "/app/canteen?site_id=1"
    for hostile in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"):
        assert safe_next(hostile) == "/app"


def test_a_gateway_that_does_not_answer_gives_the_calm_try_again_page(client):
    client.set_cookie("linli_token", fake_token())
    answer = client.get("/app/canteen")
    assert answer.status_code == 503
    text = answer.get_data(as_text=True)
    assert "请稍等片刻再试" in text and "Traceback" not in text


def test_gateway_field_errors_are_shown_in_the_pages_language(client):
    from services.web import i18n
    from services.web.gateway import Answer
    answer = Answer(422, None, "validation_failed", "the input is invalid",
                    {"birth_date": ["Not a valid date."], "phone": ["a phone number: digits"],
                     "mystery": ["Something new"]})
    with client.application.test_request_context("/app/register?lang=en"):
        from flask import g
        g.language = "en"
        assert i18n.field_errors(answer)["birth_date"] == "Enter a date like 2026-05-01."
    with client.application.test_request_context("/app/register"):
        errors = i18n.field_errors(answer)
        assert errors == {"birth_date": "请按 2026-05-01 的格式填写日期。",
                          "phone": "请填写手机号（仅数字）。", "mystery": "请检查此项。"}


def test_a_form_sent_after_the_session_ended_is_kept_through_the_sign_in(client):
    token = csrf_of(client)
    client.set_cookie("linli_token", fake_token("resident", exp_in=-10))
    answer = client.post("/app/volunteer/requests", data={
        "csrf_token": token, "category": "repair", "description": "楼道灯坏了 <b>",
        "address": "3号楼", "password": "never-carried"})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 401
    assert 'name="replay" value="/app/volunteer/requests"' in page
    assert 'name="carry:description" value="楼道灯坏了 &lt;b&gt;"' in page
    assert 'name="carry:category" value="repair"' in page
    assert "never-carried" not in page and 'name="carry:csrf_token"' not in page
    assert "您填写的内容都还在" in page


def test_registration_asks_for_the_community_code_when_the_list_cannot_be_had(client):
    page = client.get("/app/register?community_id=c-123").get_data(as_text=True)
    assert 'name="community_id" type="text" value="c-123"' in page
