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
    # a fresh CSRF token for the new session
    response.set_cookie(CSRF_COOKIE, secrets.token_urlsafe(24), httponly=True, samesite="Lax",
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


def signed_in(view):
    """A page for anyone signed in; signed out: 303 to the sign-in page, back after."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.token:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)
        return view(*args, **kwargs)
    return wrapper


def staff_only(view):
    """A console page: staff or admin; a resident gets the 403 page."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not g.token:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), 303)
        if g.role not in ("staff", "admin"):
            raise NotStaff()
        return view(*args, **kwargs)
    return wrapper
