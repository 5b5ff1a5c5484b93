"""Who is signed in, and the forms' CSRF token.

The gateway's token lives in an HttpOnly, SameSite=Lax cookie; the page reads the
role and community from its payload only to choose what to show (the gateway checks
the signature and every permission itself). Every POST carries a CSRF token equal to
the HttpOnly ``linli_csrf`` cookie (double submit: another site can neither read the
cookie nor make the browser send it cross-site with a form post)."""
import base64
import functools
import hmac
import json
import secrets
import time
from urllib.parse import urlsplit

from flask import g, redirect, request, url_for

TOKEN_COOKIE = "linli_token"
CSRF_COOKIE = "linli_csrf"
LANG_COOKIE = "linli_lang"
ELDER_COOKIE = "linli_elder"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


class CsrfRefused(Exception):
    pass


class NotStaff(Exception):
    pass


def token_claims(token: str) -> dict:
    """The (unverified) payload of the gateway's JWT, or {} if it is not one."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return claims if isinstance(claims, dict) else {}
    except (IndexError, ValueError, UnicodeDecodeError):
        return {}


def load_session():
    """Before each request: g.token, g.role, g.resident_id, g.community_id, g.csrf."""
    token = request.cookies.get(TOKEN_COOKIE, "")
    claims = token_claims(token) if token else {}
    if claims and claims.get("exp", 0) <= time.time():
        claims, token = {}, ""
    g.token = token if claims else None
    g.role = claims.get("role")
    g.resident_id = claims.get("sub")
    g.community_id = claims.get("cid")
    g.csrf = request.cookies.get(CSRF_COOKIE) or ""
    g.new_csrf = not g.csrf
    if not g.csrf:
        g.csrf = secrets.token_urlsafe(24)


def check_csrf():
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    cookie = request.cookies.get(CSRF_COOKIE) or ""
    if not cookie or not sent or not hmac.compare_digest(sent.encode(), cookie.encode()):
        raise CsrfRefused()


def save_session(response):
    """After each request: the CSRF cookie when new, never cached pages with tokens."""
    from services.web.config import web_settings
    if g.get("new_csrf"):
        response.set_cookie(CSRF_COOKIE, g.csrf, httponly=True, samesite="Lax",
                            secure=web_settings().web_secure_cookies, path="/")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    # what the page cost: the benchmarks and tests hold each page to two gateway calls
    response.headers["X-Linli-Gateway-Calls"] = str(g.get("gateway_calls", 0))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
    return response


def sign_in(response, token: str, expires_in: int):
    from services.web.config import web_settings
    secure = web_settings().web_secure_cookies
    response.set_cookie(TOKEN_COOKIE, token, max_age=int(expires_in), httponly=True,
                        samesite="Lax", secure=secure, path="/")
    # a fresh CSRF token for the new session (a page rendered now uses it too)
    g.csrf = secrets.token_urlsafe(24)
    response.set_cookie(CSRF_COOKIE, g.csrf, httponly=True, samesite="Lax",
                        secure=secure, path="/")
    g.new_csrf = False


def sign_out(response):
    response.delete_cookie(TOKEN_COOKIE, path="/")
    response.delete_cookie(CSRF_COOKIE, path="/")
    g.new_csrf = False


def safe_next(target: str | None, default: str = "/app") -> str:
    """Only a path of this site (no scheme, no host, no //) is a place to go back to."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return default
    return target


# Never carried over a sign-in: the CSRF token of the old session, and passwords.
NOT_CARRIED = {CSRF_FIELD, "password"}
CARRY_PREFIX = "carry:"  # a carried field's name on the sign-in form


def carried_form(prefix: str = "") -> list[tuple[str, str]]:
    """The fields of the form just sent (``prefix``: as the sign-in form carries them),
    to keep over a sign-in, each value of each."""
    return [(name[len(prefix):], value) for name, value in request.form.items(multi=True)
            if name.startswith(prefix) and name[len(prefix):] not in NOT_CARRIED][:100]


def sign_in_again():
    """The answer when the session ended: a page to sign in again. A form sent at that
    moment is not lost (an elder may take long over one): its fields travel with the
    sign-in, and afterwards one button sends it (``auth.login_post``)."""
    if request.method == "POST" and request.form:
        from flask import render_template
        back = safe_next(urlsplit(request.referrer or "").path or None)
        return render_template("app/login.html", errors={}, problem=None, form={}, next=back,
                               replay=safe_next(request.path), carried=carried_form()), 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)


def signed_in(view):
    """A page for anyone signed in; signed out: the sign-in page, back after."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.token:
            return sign_in_again()
        return view(*args, **kwargs)
    return wrapper


def staff_only(view):
    """A console page: staff or admin; a resident gets the 403 page."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.token:
            return sign_in_again()
        if g.role not in ("staff", "admin"):
            raise NotStaff()
        return view(*args, **kwargs)
    return wrapper
