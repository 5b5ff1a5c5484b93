"""What every page module uses: today in the community's time zone, redirects that
keep to this site, and answering a refused form next to its fields."""
import datetime as dt
from zoneinfo import ZoneInfo

from flask import g, redirect, render_template, request

from services.web import gateway, i18n
from services.web.config import web_settings
from services.web.sessions import safe_next


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(web_settings().tz)).date()


def now() -> dt.datetime:
    return dt.datetime.now(ZoneInfo(web_settings().tz))


def see_other(target: str):
    """The answer to a form that worked: 303 to the page that shows the result."""
    return redirect(safe_next(target), 303)


def refused(template: str, answer, status: int | None = None, **context):
    """Render the form's page again with the gateway's refusal: field errors next to
    their fields, everything else as one sentence at the top, in the page's language."""
    errors = i18n.field_errors(answer)
    problem = i18n.error_text(answer)
    return render_template(template, errors=errors, problem=problem, form=request.form,
                           **context), status or (answer.status if answer.status >= 400 else 422)


def int_or_none(text):
    try:
        return int(str(text).strip())
    except (TypeError, ValueError):
        return None


def yuan_to_fen(text):
    """"12.5" yuan as 1250 fen (how staff type prices); None for empty, the text itself
    for anything else so the gateway names the field."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        return int(round(float(text) * 100))
    except ValueError:
        return text


def unread_count():
    """The signed-in resident's unread messages (None when unknown), asked once a request."""
    if not g.get("token"):
        return None
    if "unread" not in g:
        try:
            answer = gateway.get("/notifications/unread-count")
            g.unread = answer.body.get("unread") if answer.ok and isinstance(answer.body, dict) else None
        except gateway.GatewayDown:
            g.unread = None
    return g.unread
