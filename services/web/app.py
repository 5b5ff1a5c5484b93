"""The web app: Flask, Jinja templates, htmx for partial updates (vendored), every
form a plain POST answered by a 303 redirect, so pages work without JavaScript."""
import datetime as dt
import logging
import os
import re
import uuid
from zoneinfo import ZoneInfo

from flask import Flask, g, make_response, render_template, request
from flask_babel import gettext as _

from services.web import gateway, i18n, sessions
from services.web.config import web_settings
from services.web.views import ROUTES
from services.web.views.common import unread_count
from shared import logs

log = logging.getLogger("web")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def create_app() -> Flask:
    logs.configure("web")
    settings = web_settings()
    app = Flask("linli_web", root_path=os.path.dirname(__file__))
    app.config.update(LINLI_TZ=settings.tz, MAX_CONTENT_LENGTH=256 * 1024,
                      TEMPLATES_AUTO_RELOAD=False)
    i18n.init(app)
    for blueprint in ROUTES:
        app.register_blueprint(blueprint)
    _filters(app)
    app.add_template_global(lambda: g.csrf, "csrf_token")

    @app.before_request
    def begin():
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex
        g.language = i18n.page_language()
        g.elder = request.cookies.get(sessions.ELDER_COOKIE) == "1"
        sessions.load_session()
        sessions.check_csrf()

    @app.after_request
    def end(response):
        if g.get("set_language"):
            response.set_cookie(sessions.LANG_COOKIE, g.set_language, max_age=365 * 86400,
                                httponly=True, samesite="Lax",
                                secure=settings.web_secure_cookies, path="/")
        response.headers["X-Request-Id"] = g.get("request_id", "")
        if request.headers.get("HX-Request"):
            response.headers["Vary"] = "HX-Request"
        return sessions.save_session(response)

    @app.context_processor
    def page_globals():
        return {"csrf_token": lambda: g.csrf, "unread_count": unread_count,
                "language": g.get("language", i18n.DEFAULT_LANGUAGE),
                "elder": g.get("elder", False), "role": g.get("role"),
                "signed_in": bool(g.get("token")), "lang_url": _lang_url,
                "label": i18n.label, "MEALS": i18n.MEALS, "TAGS": i18n.TAGS,
                "STATES": i18n.STATES, "PRICE_RULES": i18n.PRICE_RULES,
                "CATEGORIES": i18n.CATEGORIES, "GROUPS": i18n.GROUPS,
                "ENTRY_KINDS": i18n.ENTRY_KINDS, "reason_text": i18n.reason_text}

    @app.errorhandler(gateway.GatewayDown)
    def gateway_down(exc):
        log.warning("gateway unavailable: %s (%s)", exc, request.path)
        return render_template("unavailable.html"), 503

    @app.errorhandler(gateway.SignedOut)
    def signed_out(_exc):
        response = make_response(sessions.sign_in_again())
        sessions.sign_out(response)
        return response

    @app.errorhandler(sessions.CsrfRefused)
    def csrf_refused(_exc):
        return render_template("error.html", title=_("This form has expired"),
                               text=_("Please go back, reload the page and send the form again.")), 403

    @app.errorhandler(sessions.NotStaff)
    def not_staff(_exc):
        return render_template("error.html", title=_("Staff only"),
                               text=_("This page is for community staff.")), 403

    @app.errorhandler(404)
    def not_found(_exc):
        return render_template("error.html", title=_("Page not found"),
                               text=_("This page does not exist or is not yours.")), 404

    @app.errorhandler(413)
    def too_large(_exc):
        return render_template("error.html", title=_("Too much data"),
                               text=_("The form was too large.")), 413

    @app.errorhandler(500)
    def broken(_exc):
        return render_template("unavailable.html"), 500

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def _lang_url(language: str) -> str:
    args = request.args.to_dict()
    args["lang"] = language
    from urllib.parse import urlencode
    return request.path + "?" + urlencode(args)


def _filters(app):
    tz = ZoneInfo(app.config["LINLI_TZ"])

    @app.template_filter("yuan")
    def yuan(fen):
        if fen is None:
            return ""
        return f"¥{int(fen) / 100:.2f}"

    @app.template_filter("local")
    def local(instant, fmt="%Y-%m-%d %H:%M"):
        if not instant:
            return ""
        try:
            value = dt.datetime.fromisoformat(str(instant).replace("Z", "+00:00"))
        except ValueError:
            return str(instant)
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.astimezone(tz).strftime(fmt)

    @app.template_filter("weekday")
    def weekday(date_text):
        names = [_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun")]
        try:
            return names[dt.date.fromisoformat(date_text).weekday()]
        except (TypeError, ValueError):
            return ""


app = create_app()
