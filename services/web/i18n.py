"""Languages: zh-CN by default, en on ``?lang=en`` (kept in a cookie).

Message ids are English; the zh_CN catalogue translates every one of them (a unit
test fails when a string in a template or here has none). The catalogues are compiled
from the committed .po files when the app starts, so a fresh clone needs no build step.

The gateway's words (error codes, field messages, states, tags) are shown through
the tables below, in the page's language; anything the tables do not know is shown
as a calm generic sentence, never as the raw English text."""
import re
import tempfile
from pathlib import Path

from babel import Locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, request
from flask_babel import Babel, gettext as _, lazy_gettext as L

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = {"zh-CN": "zh_CN", "en": "en"}
DEFAULT_LANGUAGE = "zh-CN"


def compile_catalogues(target: Path) -> Path:
    """Compile every translations/<locale>/LC_MESSAGES/messages.po into ``target``."""
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as f:
            catalogue = read_po(f, locale=po_path.parts[-3])
        # Babel looks catalogues up by the parsed locale's name (zh_CN is zh_Hans_CN)
        out = target / str(Locale.parse(po_path.parts[-3])) / "LC_MESSAGES"
        out.mkdir(parents=True, exist_ok=True)
        with (out / "messages.mo").open("wb") as f:
            write_mo(f, catalogue)
    return target


def page_language() -> str:
    """``?lang=`` (then remembered), the cookie, else zh-CN."""
    wanted = request.args.get("lang")
    if wanted in LANGUAGES:
        g.set_language = wanted
        return wanted
    cookie = request.cookies.get("linli_lang")
    return cookie if cookie in LANGUAGES else DEFAULT_LANGUAGE


def select_locale() -> str:
    return LANGUAGES[g.get("language") or page_language()]


def init(app):
    directory = compile_catalogues(Path(tempfile.mkdtemp(prefix="linli-web-i18n-")))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    app.config["BABEL_DEFAULT_LOCALE"] = "zh_CN"
    Babel(app, locale_selector=select_locale, timezone_selector=lambda: app.config["LINLI_TZ"])


# -- the gateway's words, in the page's language ------------------------------------
ERROR_CODES = {
    "bad_credentials": L("Wrong phone number or password."),
    "too_many_attempts": L("Too many attempts. Please wait a while and try again."),
    "too_many_requests": L("Too many attempts. Please wait a while and try again."),
    "too_many_registrations": L("Too many sign-ups from here. Please try again later."),
    "phone_taken": L("This phone number already has an account."),
    "weak_password": L("Choose a stronger password: at least 8 characters, not only digits, not your phone number."),
    "slot_full": L("Sorry, this meal is fully booked."),
    "already_booked": L("You have already booked this meal."),
    "booking_closed": L("Booking for this meal has closed."),
    "no_menu": L("There is no menu for this meal."),
    "already_served": L("This booking has already been served."),
    "capacity_below_booked": L("Capacity cannot be lower than what is already booked."),
    "illegal_transition": L("This cannot be done in the current state."),
    "patron_blocked": L("You cannot borrow right now: return overdue books first, or you already have 5 loans."),
    "copy_unavailable": L("This copy is not available."),
    "copy_held": L("This copy is kept for another reader."),
    "already_on_loan": L("This copy is already on loan."),
    "already_held": L("You already have a hold on this title."),
    "not_on_loan": L("This copy is not on loan."),
    "insufficient_points": L("Not enough points."),
    "out_of_stock": L("Out of stock."),
    "code_taken": L("This code is already used."),
    "not_found": L("Not found."),
    "forbidden": L("You may not do this."),
    "validation_failed": L("Please check the highlighted fields."),
    "conflict": L("This conflicts with the current state. Please reload and try again."),
    "already_claimed": L("A neighbour claimed this wish first."),
    "own_wish": L("You cannot claim your own wish."),
    "already_signed_up": L("You have already signed up for this activity."),
    "signup_closed": L("Sign-up for this activity has closed."),
    "age_limit": L("Someone in the party is outside the age limits."),
    "offer_expired": L("The offer has expired."),
    "not_started": L("Attendance opens when the first session starts."),
    "not_confirmed": L("This sign-up has no seat."),
    "activity_started": L("The activity has begun."),
}

# Field messages the gateway gives (marshmallow's and the services' own), by pattern.
FIELD_MESSAGES = [
    (re.compile(r"^Missing data for required field"), L("This field is required.")),
    (re.compile(r"^Not a valid date"), L("Enter a date like 2026-05-01.")),
    (re.compile(r"^Not a valid (datetime|time)"), L("Enter a valid time.")),
    (re.compile(r"^Not a valid (integer|number)"), L("Enter a number.")),
    (re.compile(r"^Length must be between"), L("This is too short or too long.")),
    (re.compile(r"^Shorter than minimum length"), L("This is too short.")),
    (re.compile(r"^Must be (greater|less) than"), L("This number is out of range.")),
    (re.compile(r"^Must be one of"), L("Choose one of the options.")),
    (re.compile(r"phone number"), L("Enter a phone number (digits only).")),
    (re.compile(r"unknown community"), L("Choose a community.")),
    (re.compile(r"unknown site"), L("Choose a canteen.")),
    (re.compile(r"unknown copy code"), L("No book has this code.")),
    (re.compile(r"unknown pickup code|pickup code"), L("No booking has this pickup code.")),
    (re.compile(r"unknown (title|branch)"), L("Choose from the list.")),
    (re.compile(r"unknown resident"), L("No resident with this id.")),
    (re.compile(r"password", re.I), L("Choose a stronger password: at least 8 characters, not only digits, not your phone number.")),
]


def error_text(answer) -> str:
    """One sentence for a refused call, in the page's language."""
    known = ERROR_CODES.get(answer.error_code)
    if known is not None:
        return str(known)
    if answer.status == 404:
        return _("Not found.")
    if answer.status == 403:
        return _("You may not do this.")
    if answer.status == 409:
        return _("This conflicts with the current state. Please reload and try again.")
    return _("This was not accepted. Please check and try again.")


def field_text(message) -> str:
    if isinstance(message, list):
        message = message[0] if message else ""
    if isinstance(message, dict):  # nested (a list's item): say the field is wrong
        return _("Please check this field.")
    message = str(message)
    for pattern, text in FIELD_MESSAGES:
        if pattern.search(message):
            return str(text)
    return _("Please check this field.")


def field_errors(answer) -> dict:
    """The contract's ``details``, keyed by field, translated."""
    return {str(name): field_text(message) for name, message in (answer.details or {}).items()}


MEALS = {"breakfast": L("Breakfast"), "lunch": L("Lunch"), "dinner": L("Dinner")}
TAGS = {"soft": L("soft"), "low_salt": L("low salt"), "meat": L("meat"),
        "vegetable": L("vegetable"), "gluten": L("gluten"), "peanut": L("peanut"),
        "spicy": L("spicy"), "halal": L("halal"), "low_sugar": L("low sugar"),
        "vegetarian": L("vegetarian"), "seafood": L("seafood"), "egg": L("egg")}
STATES = {
    "booked": L("booked"), "cancelled": L("cancelled"), "served": L("served"),
    "no_show": L("no-show"), "active": L("on loan"), "overdue": L("overdue"),
    "returned": L("returned"), "waiting": L("waiting"), "in_transit": L("in transit"),
    "ready": L("ready to collect"), "collected": L("collected"), "expired": L("expired"),
    "submitted": L("submitted"), "dispatched": L("dispatched"), "accepted": L("accepted"),
    "completed": L("completed"), "closed": L("closed"), "rejected": L("rejected"),
    "available": L("available"), "on_loan": L("on loan"), "hold_ready": L("held for a reader"),
    "escalated": L("escalated"),
}
PRICE_RULES = {"standard": L("standard price"), "elder": L("elder price"),
               "caring_lunch": L("caring lunch")}
CATEGORIES = {"elderly_care": L("elderly care"), "repair": L("repair"), "escort": L("escort"),
              "cleaning": L("cleaning"), "tutoring": L("tutoring"),
              "companionship": L("companionship"), "other": L("other")}
ROLES = {"resident": L("resident"), "staff": L("staff"), "admin": L("administrator")}
GROUPS = {"sanitation_worker": L("sanitation worker"), "delivery_rider": L("delivery rider"),
          "property_staff": L("property staff"), "elderly_alone": L("elderly living alone")}
NOTICE_CATEGORIES = {
    "canteen.booking_created": L("Meal booked"),
    "canteen.booking_cancelled": L("Meal booking cancelled"),
    "canteen.pickup_reminder_due": L("Meal pickup reminders"),
    "library.loan_due_soon": L("Books due soon"),
    "library.loan_overdue": L("Overdue books"),
    "library.hold_ready": L("Holds ready"),
    "volunteer.request_dispatched": L("Requests dispatched to my team"),
    "volunteer.points_credited": L("Points credited"),
}


ENTRY_KINDS = {"credit": L("volunteer service"), "redemption": L("redeemed"),
               "redeem": L("redeemed"), "reversal": L("reversed"), "grant": L("granted"),
               "debit": L("spent")}

# The reasons the volunteer service gives for a suggested team (English), in the
# page's language; a reason not listed is shown as it came.
REASONS = [
    (re.compile(r"^has the skill (\S+)$"), L("has the skill: %(x)s")),
    (re.compile(r"^lacks the skill (\S+)$"), L("lacks the skill: %(x)s")),
    (re.compile(r"^does not cover this address$"), L("does not cover this address")),
    (re.compile(r"^covers (.+)$"), L("covers %(x)s")),
    (re.compile(r"^no open requests$"), L("no open requests")),
    (re.compile(r"^(\d+) open requests?$"), L("%(x)s open requests")),
    (re.compile(r"^not rated yet$"), L("not rated yet")),
    (re.compile(r"^average rating (\S+) from .*$"), L("average rating %(x)s")),
]


def reason_text(reason: str) -> str:
    for pattern, text in REASONS:
        found = pattern.match(str(reason))
        if found:
            value = found.group(1) if found.groups() else ""
            return str(text) % {"x": label(CATEGORIES, value)}
    return str(reason)


def label(table: dict, key) -> str:
    value = table.get(key)
    return str(value) if value is not None else str(key)
