"""The directory of nearby service places (search, open now, a large-print sheet to
print), the listening page a book house's QR code opens (no sign-in, one big play
button), and the staff pages that keep both: the places, and the digital editions
with their posters and most played."""
import secrets

from flask import Blueprint, Response, abort, g, render_template, request, url_for
from flask_babel import lazy_gettext as L

from services.web import gateway
from services.web.config import web_settings
from services.web.sessions import signed_in, staff_only
from services.web.views.common import int_or_none, refused, see_other

bp = Blueprint("directory", __name__)
LISTENER_COOKIE = "linli_listener"
CATEGORIES = {
    "clinic": L("Clinics"), "pharmacy": L("Pharmacies"), "repair": L("Repairs"),
    "housekeeping": L("Housekeeping"), "government": L("Government counters"),
    "police": L("Police"), "utility": L("Utilities"), "education": L("Education"),
    "elderly_care": L("Elderly care"), "other": L("Other"),
}
WEEKDAYS = {1: L("Mon"), 2: L("Tue"), 3: L("Wed"), 4: L("Thu"), 5: L("Fri"), 6: L("Sat"),
            7: L("Sun")}
KINDS = {"audiobook": L("Audiobook"), "ebook": L("E-book")}


def hours_text(hours: list[dict]) -> list[str]:
    """Each opening as one line: "Mon Tue Wed 08:00-17:00"."""
    return [" ".join(str(WEEKDAYS[d]) for d in sorted(h["days"])) + f" {h['open']}-{h['close']}"
            for h in hours]


def _places(params=None):
    wanted = {"limit": 200, **(params or {})}
    if g.community_id and "community_id" not in wanted:
        wanted["community_id"] = g.community_id
    return gateway.get("/directory/places", params=wanted)


def _page_context():
    return {"categories": CATEGORIES, "hours_text": hours_text}


# -- residents -----------------------------------------------------------------------
@bp.get("/app/directory")
@signed_in
def search():
    q = request.args.get("q", "").strip()
    category = request.args.get("category", "")
    open_now = request.args.get("open_now") == "true"
    params = {"q": q or None, "category": category or None,
              "open_now": "true" if open_now else None}
    answer = _places({k: v for k, v in params.items() if v})
    return render_template("app/directory.html", places=answer.items(), q=q, category=category,
                           open_now=open_now, **_page_context())


@bp.get("/app/directory/print")
@signed_in
def print_sheet():
    places = _places().items()
    grouped = [(key, name, sorted((p for p in places if p["category"] == key),
                                  key=lambda p: p["name"])) for key, name in CATEGORIES.items()]
    return render_template("app/directory_print.html",
                           grouped=[group for group in grouped if group[2]], **_page_context())


# -- the listening page: no sign-in --------------------------------------------------
def _edition(edition_id):
    answer = gateway.get(f"/library/editions/{edition_id}", signed_in=False)
    if not answer.ok:
        abort(404)
    return answer.body


@bp.get("/app/listen/<edition_id>")
def listen(edition_id):
    playing = request.args.get("play") == "1"
    response = Response(render_template("app/listen.html", edition=_edition(edition_id),
                                        kinds=KINDS, playing=playing))
    # the recording lives on the library's media host, not on this site
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; media-src 'self' https: http:; img-src 'self' data:; "
        "style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; "
        "base-uri 'self'")
    return response


@bp.post("/app/listen/<edition_id>")
def play(edition_id):
    """Count the play (once per browser and edition in 10 minutes: the gateway answers
    429 after that, and the book plays all the same), then play it."""
    _edition(edition_id)
    listener = request.cookies.get(LISTENER_COOKIE) or secrets.token_urlsafe(18)
    gateway.post(f"/library/editions/{edition_id}/plays", {"listener": listener},
                 signed_in=False)
    response = see_other(url_for("directory.listen", edition_id=edition_id, play=1))
    response.set_cookie(LISTENER_COOKIE, listener, max_age=365 * 24 * 3600, httponly=True,
                        samesite="Lax", secure=web_settings().web_secure_cookies,
                        path="/app/listen")
    return response


# -- staff: the places -----------------------------------------------------------------
def _console_places():
    return _places().items()


HOURS_ROWS = 3  # opening-hours rows on the staff form (a lunch break takes two)


def _hours_rows(place: dict | None) -> list[dict]:
    """The form's hours rows: the place's own, then empty ones up to HOURS_ROWS."""
    rows = list((place or {}).get("hours") or [])[:HOURS_ROWS]
    if not place:
        rows = [{"days": [1, 2, 3, 4, 5], "open": "08:00", "close": "17:30"}]
    return rows + [{"days": [], "open": "", "close": ""}] * (HOURS_ROWS - len(rows))


def _place_body(form) -> dict:
    """The staff form as the API's place: ``hours`` from the rows that have days ticked
    (row n's fields are ``days_n``, ``open_n``, ``close_n``)."""
    hours = []
    for n in range(1, HOURS_ROWS + 1):
        days = [int_or_none(d) for d in form.getlist(f"days_{n}")]
        if days:
            hours.append({"days": days, "open": form.get(f"open_{n}", ""),
                          "close": form.get(f"close_{n}", "")})
    return {"name": form.get("name", "").strip(), "category": form.get("category", ""),
            "address": form.get("address", "").strip(), "phone": form.get("phone", "").strip(),
            "hours": hours, "notes": form.get("notes", "").strip() or None}


def _form_context(place=None):
    return {"weekdays": WEEKDAYS, "hours_rows": _hours_rows(place), "place": place,
            **_page_context()}


@bp.get("/console/directory")
@staff_only
def console_places():
    return render_template("console/directory.html", places=_console_places(), errors={},
                           form={}, **_form_context())


@bp.post("/console/directory")
@staff_only
def add_place():
    body = {"community_id": request.form.get("community_id") or g.community_id or "",
            **_place_body(request.form)}
    answer = gateway.post("/directory/places", body)
    if not answer.ok:
        return refused("console/directory.html", answer, places=_console_places(),
                       **_form_context({"hours": body["hours"]}))
    return see_other(url_for("directory.console_places", added=answer.body["id"]))


def _console_place(place_id):
    place = next((p for p in _console_places() if p["id"] == place_id), None)
    if place is None:
        abort(404)
    return place


@bp.get("/console/directory/<place_id>")
@staff_only
def edit_place(place_id):
    place = _console_place(place_id)
    return render_template("console/place.html", errors={}, form=place, **_form_context(place))


@bp.post("/console/directory/<place_id>")
@staff_only
def change_place(place_id):
    place = _console_place(place_id)
    body = _place_body(request.form)
    answer = gateway.patch(f"/directory/places/{place_id}", body)
    if answer.status in (403, 404):
        abort(404)
    if not answer.ok:
        return refused("console/place.html", answer, **_form_context({**place, **body}))
    return see_other(url_for("directory.console_places", changed=place_id))


@bp.post("/console/directory/<place_id>/verify")
@staff_only
def verify_place(place_id):
    answer = gateway.post(f"/directory/places/{place_id}/verify")
    if answer.status in (403, 404):
        abort(404)
    return see_other(url_for("directory.console_places", verified=place_id))


# -- staff: digital editions --------------------------------------------------------------
def _branches():
    params = {"community_id": g.community_id} if g.community_id else None
    return gateway.get("/library/branches", params=params).items()


def _editions_context(branch_id, q):
    branches = _branches()
    branch = next((b for b in branches if b["id"] == branch_id), branches[0] if branches else None)
    popular = []
    if branch:
        popular = gateway.get("/library/editions/popular",
                              params={"branch_id": branch["id"]}).body or {}
        popular = popular.get("items", [])
    titles = gateway.get("/library/titles", params={"q": q, "limit": 20}).items() if q else []
    return {"branches": branches, "branch": branch, "popular": popular, "titles": titles,
            "q": q, "kinds": KINDS}


@bp.get("/console/library/editions")
@staff_only
def editions():
    return render_template("console/editions.html", errors={}, form={},
                           **_editions_context(request.args.get("branch_id"),
                                               request.args.get("q", "").strip()))


@bp.post("/console/library/editions")
@staff_only
def add_edition():
    title_id = request.form.get("title_id", "")
    body = {"kind": request.form.get("kind", ""), "url": request.form.get("url", "").strip()}
    minutes = request.form.get("minutes", "").strip()
    if minutes:
        body["minutes"] = int_or_none(minutes) if int_or_none(minutes) is not None else minutes
    answer = gateway.post(f"/library/titles/{title_id}/editions", body)
    q = request.form.get("q", "")
    if not answer.ok:
        return refused("console/editions.html", answer, failed_title=title_id,
                       **_editions_context(request.form.get("branch_id"), q))
    return see_other(url_for("directory.editions", q=q, added=answer.body["id"]))


@bp.get("/console/library/branches/<branch_id>/poster.svg")
@staff_only
def poster(branch_id):
    answer = gateway.get(f"/library/branches/{branch_id}/poster")
    if not answer.ok:
        abort(404)
    return Response(answer.raw, mimetype="image/svg+xml")
