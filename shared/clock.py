"""The one clock. Code asks ``clock.now()``; tests and jobs pass ``as_of`` instead."""
import datetime as dt
from zoneinfo import ZoneInfo

from shared.config import settings

UTC = dt.timezone.utc


def now() -> dt.datetime:
    return dt.datetime.now(UTC)


def community_tz() -> ZoneInfo:
    return ZoneInfo(settings().tz)


def today_local(at: dt.datetime | None = None) -> dt.date:
    return (at or now()).astimezone(community_tz()).date()


def as_utc(value: dt.datetime) -> dt.datetime:
    """Mongo gives naive UTC datetimes back; make every instant aware."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_instant(text: str | None) -> dt.datetime:
    if not text:
        return now()
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=community_tz())
    return value.astimezone(UTC)


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).isoformat()


def local_iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return as_utc(value).astimezone(community_tz()).isoformat()


def age_on(birth_date: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day`` (a 29 February birthday counts on 1 March)."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)
