"""Shapes of what comes into and goes out of the canteen service. The gateway
validates with the same schemas; the service loads them again."""
import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from services.canteen.booking import MAX_PORTIONS, MEALS, STATUSES, meal_start
from services.canteen.pricing import DEFAULT_CARING_LUNCH_PRICE_FEN, MAX_GRAMS, MAX_QUANTITY
from shared import clock
from shared.schemas import Day, Id, Page, StrictSchema, Text, Whole, page_of

MAX_PRICE_FEN = 100_000  # 1,000 yuan for one dish: anything above is a typo
MAX_CAPACITY = 10_000
TAG = Whole(r"^[a-z][a-z0-9_]{0,29}$", error="a tag: lower-case letters, digits, _")


def Money(**kw):  # noqa: N802 - a field factory, read like a field class
    return fields.Integer(strict=True, validate=validate.Range(min=0, max=MAX_PRICE_FEN), **kw)


Meal = lambda **kw: fields.String(validate=validate.OneOf(MEALS), **kw)  # noqa: E731


# -- in --------------------------------------------------------------------------
class NewSite(StrictSchema):
    name = Text(100, required=True)
    community_id = Id(required=True)
    elder_discount_percent = fields.Integer(strict=True, load_default=0,
                                            validate=validate.Range(min=0, max=100))
    caring_lunch_price_fen = Money(load_default=DEFAULT_CARING_LUNCH_PRICE_FEN)


class SiteQuery(Page):
    community_id = Id(load_default=None)


class Dish(StrictSchema):
    name = Text(50, required=True)
    tags = fields.List(fields.String(validate=TAG), load_default=list,
                       validate=validate.Length(max=12))
    price_fen = Money(load_default=None, allow_none=True)
    price_per_100g_fen = Money(load_default=None, allow_none=True)

    @validates_schema
    def one_price(self, data, **kwargs):
        fixed, weighed = data.get("price_fen"), data.get("price_per_100g_fen")
        if (fixed is None) == (weighed is None):
            raise ValidationError("give exactly one of price_fen or price_per_100g_fen",
                                  "price_fen")


class MenuIn(StrictSchema):
    capacity = fields.Integer(strict=True, required=True,
                              validate=validate.Range(min=0, max=MAX_CAPACITY))
    booking_cutoff = fields.AwareDateTime(required=True, default_timezone=clock.community_tz())
    dishes = fields.List(fields.Nested(Dish), required=True,
                         validate=validate.Length(min=1, max=60))

    @validates_schema
    def distinct_dishes(self, data, **kwargs):
        names = [d["name"] for d in data.get("dishes", [])]
        if len(names) != len(set(names)):
            raise ValidationError("dish names must be distinct within a menu", "dishes")


class MenuSlot(StrictSchema):
    """The path of a menu: ``/sites/{site_id}/menus/{date}/{meal}``."""
    date = Day(required=True)
    meal = Meal(required=True)


class MenuQuery(StrictSchema):
    from_ = Day(data_key="from", load_default=None)
    to = Day(load_default=None)


class NewBooking(StrictSchema):
    site_id = Id(required=True)
    date = Day(required=True)
    meal = Meal(required=True)
    portions = fields.Integer(strict=True, load_default=1,
                              validate=validate.Range(min=1, max=MAX_PORTIONS))


class BookingQuery(Page):
    site_id = Id(load_default=None)
    date = Day(load_default=None)
    meal = Meal(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(STATUSES))


class Item(StrictSchema):
    dish_name = Text(50, required=True)
    quantity = fields.Integer(strict=True, load_default=None, allow_none=True,
                              validate=validate.Range(min=1, max=MAX_QUANTITY))
    grams = fields.Integer(strict=True, load_default=None, allow_none=True,
                           validate=validate.Range(min=1, max=MAX_GRAMS))

    @validates_schema
    def quantity_or_grams(self, data, **kwargs):
        if data.get("quantity") is not None and data.get("grams") is not None:
            raise ValidationError("give quantity or grams, not both", "grams")


class Checkout(StrictSchema):
    site_id = Id(required=True)
    pickup_code = fields.String(load_default=None, allow_none=True,
                                validate=Whole(r"^[A-Za-z0-9]{6}$",
                                                         error="six letters or digits"))
    resident_id = Id(load_default=None, allow_none=True)
    date = Day(required=True)
    meal = Meal(required=True)
    items = fields.List(fields.Nested(Item), required=True,
                        validate=validate.Length(min=1, max=40))

    @validates_schema
    def who(self, data, **kwargs):
        if (data.get("pickup_code") is None) == (data.get("resident_id") is None):
            raise ValidationError("give pickup_code or resident_id (exactly one)", "pickup_code")


# -- out -------------------------------------------------------------------------
class SiteOut(Schema):
    id = fields.String()
    name = fields.String()
    community_id = fields.String()
    elder_discount_percent = fields.Integer()
    caring_lunch_price_fen = fields.Integer()
    created_at = fields.String()


SiteList = page_of(SiteOut, "SiteList")


class DishOut(Schema):
    name = fields.String()
    tags = fields.List(fields.String())
    price_fen = fields.Integer(allow_none=True)
    price_per_100g_fen = fields.Integer(allow_none=True)


class MenuOut(Schema):
    id = fields.String()
    site_id = fields.String()
    date = fields.String()
    meal = fields.String()
    capacity = fields.Integer()
    booked = fields.Integer()
    remaining = fields.Integer()
    booking_cutoff = fields.String()
    meal_starts_at = fields.String()
    dishes = fields.List(fields.Nested(DishOut))


MenuList = page_of(MenuOut, "MenuList")


class BookingOut(Schema):
    id = fields.String()
    site_id = fields.String()
    site_name = fields.String()
    resident_id = fields.String()
    date = fields.String()
    meal = fields.String()
    portions = fields.Integer()
    status = fields.String()
    pickup_code = fields.String()
    price_rule = fields.String()
    meal_starts_at = fields.String()
    created_at = fields.String()
    cancelled_at = fields.String(allow_none=True)
    served_at = fields.String(allow_none=True)


BookingList = page_of(BookingOut, "BookingList")


class LineOut(Schema):
    dish_name = fields.String()
    tags = fields.List(fields.String())
    quantity = fields.Integer()
    grams = fields.Integer()
    price_fen = fields.Integer()
    price_per_100g_fen = fields.Integer()
    amount_fen = fields.Integer()


class BillOut(Schema):
    id = fields.String()
    site_id = fields.String()
    date = fields.String()
    meal = fields.String()
    resident_id = fields.String(allow_none=True)
    booking_id = fields.String(allow_none=True)
    walk_in = fields.Boolean()
    portions = fields.Integer()
    lines = fields.List(fields.Nested(LineOut))
    list_total_fen = fields.Integer()
    total_fen = fields.Integer()
    price_rule = fields.String()
    created_at = fields.String()


class KitchenMeal(Schema):
    meal = fields.String()
    published = fields.Boolean()
    capacity = fields.Integer(allow_none=True)
    bookings = fields.Integer()
    portions = fields.Integer()
    served = fields.Integer()
    cancelled = fields.Integer()
    no_shows = fields.Integer()
    walk_ins = fields.Integer()
    served_by_tag = fields.Dict(keys=fields.String(), values=fields.Integer())


class Kitchen(Schema):
    site_id = fields.String()
    site_name = fields.String()
    date = fields.String()
    meals = fields.List(fields.Nested(KitchenMeal))


# -- stored documents as answered ---------------------------------------------------------
site_out, bill_out = SiteOut(), BillOut()


def site_of(doc: dict) -> dict:
    return site_out.dump({**doc, "id": doc["_id"], "created_at": clock.iso(doc["created_at"])})


# Menus and bookings are the hot reads: shaped by hand (the same fields as MenuOut and
# BookingOut), which costs a tenth of a marshmallow dump. What a menu shows besides its
# counts changes only when it is republished (its ``version`` moves), so that part is
# shaped once per (menu, version) in each process.
_menu_shapes: dict[tuple, dict] = {}


def menu_of(doc: dict) -> dict:
    key = (doc["_id"], doc.get("version", 0))
    shaped = _menu_shapes.get(key)
    if shaped is None:
        shaped = {
            "id": doc["_id"], "site_id": doc["site_id"], "date": doc["date"], "meal": doc["meal"],
            "booking_cutoff": clock.local_iso(doc["booking_cutoff"]),
            "meal_starts_at": clock.local_iso(
                meal_start(dt.date.fromisoformat(doc["date"]), doc["meal"])),
            "dishes": [{"name": d["name"], "tags": list(d.get("tags", [])),
                        "price_fen": d.get("price_fen"),
                        "price_per_100g_fen": d.get("price_per_100g_fen")} for d in doc["dishes"]],
        }
        if len(_menu_shapes) > 20_000:  # old weeks; the next read shapes one again
            _menu_shapes.clear()
        _menu_shapes[key] = shaped
    return {**shaped, "capacity": doc["capacity"], "booked": doc["booked"],
            "remaining": doc["remaining"]}


def booking_of(doc: dict) -> dict:
    return {
        "id": doc["_id"], "site_id": doc["site_id"], "site_name": doc.get("site_name"),
        "resident_id": doc["resident_id"], "date": doc["date"], "meal": doc["meal"],
        "portions": doc["portions"], "status": doc["status"], "pickup_code": doc["pickup_code"],
        "price_rule": doc.get("price_rule"),
        "meal_starts_at": clock.local_iso(doc["meal_starts_at"]),
        "created_at": clock.iso(doc["created_at"]),
        "cancelled_at": clock.iso(doc.get("cancelled_at")),
        "served_at": clock.iso(doc.get("served_at")),
    }


def bill_of(doc: dict) -> dict:
    return bill_out.dump({**doc, "id": doc["_id"], "created_at": clock.iso(doc["created_at"])})
