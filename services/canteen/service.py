"""Canteen: sites, menus, advance booking that never overbooks, counter checkout with
weighed dishes, elder and caring-lunch prices, the kitchen's view, no-show and
pickup-reminder sweeps.

RPC for other services (every method takes the caller first, as the gateway sends
it: a signed assertion, ``Actor(resident_id, "resident").assertion()`` to act for a
resident): ``menus_for(site_id, first, last)``, ``bookings_of(resident_id)``,
``book(actor, payload)``, ``cancel_booking(actor, booking_id)``."""
import datetime as dt

from nameko.rpc import RpcProxy

from services.canteen import booking as rules
from services.canteen import pricing, schemas
from services.canteen.jobs import schedule
from services.canteen.storage import (CanteenStore, CapacityMoved, CaringLunchTaken,
                                      PickupCodeTaken, SlotUnavailable)
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Conflict, Invalid, NotFound, Unavailable, found
from shared.events import handles
from shared.mongo import Mongo, new_id
from shared.rpc import call, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("canteen")

MAX_MENU_DAYS = 62
PICKUP_CODE_ATTEMPTS = 8

site_out = schemas.SiteOut()
bill_out = schemas.BillOut()
kitchen_out = schemas.Kitchen()


def _site(doc):
    return site_out.dump({**doc, "id": doc["_id"], "created_at": clock.iso(doc["created_at"])})


# Menus and bookings are the hot reads: shaped by hand (the same fields as
# schemas.MenuOut / schemas.BookingOut), which costs a tenth of a marshmallow dump.
def _menu(doc):
    return {
        "id": doc["_id"], "site_id": doc["site_id"], "date": doc["date"], "meal": doc["meal"],
        "capacity": doc["capacity"], "booked": doc["booked"], "remaining": doc["remaining"],
        "booking_cutoff": clock.local_iso(doc["booking_cutoff"]),
        "meal_starts_at": clock.local_iso(
            rules.meal_start(dt.date.fromisoformat(doc["date"]), doc["meal"])),
        "dishes": [{"name": d["name"], "tags": list(d.get("tags", [])),
                    "price_fen": d.get("price_fen"),
                    "price_per_100g_fen": d.get("price_per_100g_fen")} for d in doc["dishes"]],
    }


def _booking(doc):
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


def _bill(doc):
    return bill_out.dump({**doc, "id": doc["_id"], "created_at": clock.iso(doc["created_at"])})


def _closed(cutoff):
    return Invalid("booking for this meal has closed", code="booking_closed",
                   details={"booking_cutoff": [f"booking closed at {clock.local_iso(cutoff)}"]})


class CanteenService(chassis.LinliService):
    name = "canteen"
    store = Mongo(CanteenStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- sites -------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_site(self, actor, payload):
        """Staff of the community (or an admin): open a canteen site."""
        who = Actor.of(actor)
        data = load(schemas.NewSite(), payload)
        who.require_manager(data["community_id"],
                            "only staff of that community can open a canteen there")
        if not call(self.residents, "community_exists", data["community_id"]):
            raise Invalid("no such community", details={"community_id": ["unknown community"]})
        return _site(self.store.add_site(data))

    @rpc(expected_exceptions=EXPECTED)
    def list_sites(self, actor, query):
        """Canteen sites, newest first; ``community_id`` narrows to one community."""
        Actor.of(actor)
        data = load(schemas.SiteQuery(), query)
        docs, next_cursor = self.store.list_sites(data["community_id"], data["limit"],
                                                  data["cursor"])
        return {"items": [_site(d) for d in docs], "next_cursor": next_cursor}

    # -- menus ---------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def publish_menu(self, actor, site_id, date, meal, payload):
        """Staff: publish (or republish, replacing the dishes) the menu of a slot.
        Capacity never drops below what is booked: 409 ``capacity_below_booked``."""
        who = Actor.of(actor)
        site = found(self.store.site(site_id), "canteen site")
        who.require_manager(site["community_id"],
                            "only staff of this site's community publish its menus")
        slot = load(schemas.MenuSlot(), {"date": date, "meal": meal})
        data = load(schemas.MenuIn(), payload)
        problem = rules.cutoff_problem(data["booking_cutoff"], slot["date"], slot["meal"])
        if problem:
            raise Invalid(problem, details={"booking_cutoff": [problem]})
        day = slot["date"].isoformat()
        changes = {"capacity": data["capacity"], "booking_cutoff": data["booking_cutoff"],
                   "dishes": [{k: v for k, v in dish.items() if v is not None}
                              for dish in data["dishes"]]}
        event = {"site_id": site_id, "site_name": site["name"],
                 "community_id": site["community_id"], "date": day, "meal": slot["meal"],
                 "capacity": data["capacity"], "dishes": len(changes["dishes"])}
        current = self.store.menu(site_id, day, slot["meal"])
        if current is None:
            doc = {"_id": new_id(), "site_id": site_id, "community_id": site["community_id"],
                   "date": day, "meal": slot["meal"], "booked": 0,
                   "remaining": data["capacity"], "created_at": clock.now(), **changes}
            try:
                return _menu(self.store.publish_new_menu(doc, event))
            except Exception as exc:  # a simultaneous first publish won: republish over it
                if getattr(exc, "code", None) != 11000:
                    raise
                current = self.store.menu(site_id, day, slot["meal"])
        for _ in range(10):
            if current["booked"] > data["capacity"]:
                raise Conflict(f"{current['booked']} portions are already booked",
                               code="capacity_below_booked",
                               details={"capacity": [f"at least {current['booked']}"]})
            try:
                return _menu(self.store.republish_menu(current, changes, event))
            except CapacityMoved:
                current = self.store.menu_by_id(current["_id"])
        raise Unavailable("the menu is changing too fast; try again", code="busy")

    @rpc(expected_exceptions=EXPECTED)
    def list_menus(self, actor, site_id, query):
        """Anyone signed in: a site's menus from ``from`` to ``to`` (default: the next
        seven days), by date and meal, with capacity, booked and remaining."""
        Actor.of(actor)
        found(self.store.site(site_id), "canteen site")
        data = load(schemas.MenuQuery(), query)
        first = data["from_"] or clock.today_local()
        last = data["to"] or first + dt.timedelta(days=6)
        if last < first:
            raise Invalid("the range ends before it starts", details={"to": ["on or after from"]})
        if (last - first).days >= MAX_MENU_DAYS:
            raise Invalid("the range is too long",
                          details={"to": [f"at most {MAX_MENU_DAYS} days after from"]})
        return {"items": self.menus_for(site_id, first.isoformat(), last.isoformat()),
                "next_cursor": None}

    @rpc(expected_exceptions=EXPECTED)
    def menus_for(self, site_id, first, last):
        """For other services: a site's menus for dates ``first``..``last`` (ISO)."""
        docs = self.store.menus_between(site_id, first, last)
        docs.sort(key=lambda d: (d["date"], rules.MEALS.index(d["meal"])))
        return [_menu(d) for d in docs]

    # -- bookings ----------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def book(self, actor, payload):
        """Book 1-4 portions of a meal for the caller. Full: 409 ``slot_full``; second
        active booking for the slot: 409 ``already_booked``; past the cutoff or no
        menu: 422."""
        who = Actor.of(actor)
        data = load(schemas.NewBooking(), payload)
        site = self.store.site(data["site_id"])
        if site is None:
            raise Invalid("no such canteen site", details={"site_id": ["unknown site"]})
        day, meal = data["date"].isoformat(), data["meal"]
        menu = self.store.menu_ref(site["_id"], day, meal)
        if menu is None:
            raise Invalid("no menu is published for this meal", code="no_menu",
                          details={"meal": [f"no {meal} menu on {day}"]})
        # The cutoff, the capacity and one active booking per diner are all checked
        # by the one conditional write in storage; failures are explained afterwards.
        now = clock.now()
        profile = self._diner(who.id)
        start = rules.meal_start(data["date"], meal)
        doc = {
            "site_id": site["_id"], "site_name": site["name"],
            "community_id": site["community_id"], "menu_id": menu["_id"],
            "resident_id": who.id, "date": day, "meal": meal, "portions": data["portions"],
            "status": "booked", "active": True,
            "price_rule": pricing.expected_rule(
                meal=meal, meal_date=data["date"], birth_date=profile["birth_date"],
                groups=profile["groups"],
                had_caring_lunch_that_day=bool(meal == "lunch" and profile["groups"]
                                               and self.store.had_caring_lunch(who.id, day))),
            "meal_starts_at": start,
            "remind_at": start - rules.REMINDER_LEAD, "ends_at": start + rules.SERVING_WINDOW,
            "reminded": False, "created_at": now,
        }
        for _ in range(PICKUP_CODE_ATTEMPTS):
            doc["_id"], doc["pickup_code"] = new_id(), rules.new_pickup_code()
            event = {"booking_id": doc["_id"], "resident_id": who.id, "site_id": site["_id"],
                     "site_name": site["name"], "date": day, "meal": meal,
                     "portions": doc["portions"], "pickup_code": doc["pickup_code"]}
            try:
                return _booking(self.store.add_booking(menu, doc, event))
            except PickupCodeTaken:
                continue
            except SlotUnavailable:
                menu = self.store.menu_by_id(menu["_id"])
                if not rules.booking_open(menu["booking_cutoff"], now):
                    raise _closed(menu["booking_cutoff"]) from None
                if self.store.active_booking(site["_id"], day, meal, who.id):
                    raise Conflict("you already have a booking for this meal",
                                   code="already_booked") from None
                raise Conflict("this meal is fully booked", code="slot_full",
                               details={"remaining": menu["remaining"]}) from None
        raise Unavailable("could not find a free pickup code; try again", code="busy")

    @rpc(expected_exceptions=EXPECTED)
    def list_bookings(self, actor, query):
        """A resident's own bookings; staff with ``site_id`` see that site's bookings,
        narrowed by ``date``, ``meal`` and ``status``."""
        who = Actor.of(actor)
        data = load(schemas.BookingQuery(), query)
        filters = {k: data[k] for k in ("date", "meal", "status") if data[k] is not None}
        if "date" in filters:
            filters["date"] = filters["date"].isoformat()
        if data["site_id"] and (who.is_staff or who.is_admin):
            site = self.store.site(data["site_id"])
            if site is None:
                raise Invalid("no such canteen site", details={"site_id": ["unknown site"]})
            who.require_manager(site["community_id"],
                                "only staff of this site's community see its bookings")
            query_doc = {"site_id": data["site_id"], **filters}
        else:
            query_doc = {"resident_id": who.id, **filters}
            if data["site_id"]:
                query_doc["site_id"] = data["site_id"]
        docs, next_cursor = self.store.list_bookings(query_doc, data["limit"], data["cursor"])
        return {"items": [_booking(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_booking(self, actor, booking_id):
        """One booking: its diner, or staff of its community."""
        return _booking(self._visible_booking(Actor.of(actor), booking_id))

    @rpc(expected_exceptions=EXPECTED)
    def bookings_of(self, resident_id, limit=50):
        """For other services: a resident's bookings, newest first."""
        docs, _ = self.store.list_bookings({"resident_id": resident_id}, min(int(limit), 200), None)
        return [_booking(d) for d in docs]

    @rpc(expected_exceptions=EXPECTED)
    def cancel_booking(self, actor, booking_id):
        """The diner (or staff): cancel before the cutoff; the portions are free at
        once. After the cutoff: 422; not ``booked``: 409 ``illegal_transition``."""
        who = Actor.of(actor)
        doc = self._visible_booking(who, booking_id)
        if doc["status"] != "booked":
            raise Conflict(f"a {doc['status']} booking cannot be cancelled",
                           code="illegal_transition")
        menu = self.store.menu_by_id(doc["menu_id"])
        now = clock.now()
        if not rules.booking_open(menu["booking_cutoff"], now):
            raise _closed(menu["booking_cutoff"])
        event = {k: doc[k] for k in ("resident_id", "site_id", "site_name", "date", "meal",
                                     "portions")}
        event["booking_id"] = doc["_id"]
        cancelled = self.store.cancel_booking(doc, now, event)
        if cancelled is None:
            raise Conflict("the booking changed meanwhile", code="illegal_transition")
        return _booking(cancelled)

    # -- the counter -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def checkout(self, actor, payload):
        """Staff at the counter: bill a diner by pickup code or resident id (a
        walk-in when they have no booking waiting). The bill names the price rule."""
        who = Actor.of(actor)
        data = load(schemas.Checkout(), payload)
        site = self.store.site(data["site_id"])
        if site is None:
            raise Invalid("no such canteen site", details={"site_id": ["unknown site"]})
        who.require_manager(site["community_id"],
                            "only staff of this site's community work its counter")
        day, meal = data["date"].isoformat(), data["meal"]
        menu = self.store.menu(site["_id"], day, meal)
        if menu is None:
            raise Invalid("no menu is published for this meal", code="no_menu",
                          details={"meal": [f"no {meal} menu on {day}"]})
        booking = self._booking_to_serve(site["_id"], day, meal, data)
        resident_id = booking["resident_id"] if booking else data["resident_id"]
        profile = self._profile(resident_id, required=True)
        portions = booking["portions"] if booking else 1
        had_caring = self.store.had_caring_lunch(resident_id, day)
        for _ in range(2):
            priced = pricing.bill(menu["dishes"], data["items"], site=site, meal=meal,
                                  meal_date=data["date"], birth_date=profile["birth_date"],
                                  groups=profile["groups"], portions=portions,
                                  had_caring_lunch_that_day=had_caring)
            doc = {"_id": new_id(), "site_id": site["_id"], "community_id": site["community_id"],
                   "date": day, "meal": meal, "resident_id": resident_id,
                   "booking_id": booking["_id"] if booking else None, "walk_in": booking is None,
                   "portions": portions, "created_at": clock.now(), **priced}
            event = {"booking_id": doc["booking_id"], "resident_id": resident_id,
                     "site_id": site["_id"], "site_name": site["name"], "date": day,
                     "meal": meal, "total_fen": doc["total_fen"],
                     "price_rule": doc["price_rule"], "checkout_id": doc["_id"]}
            try:
                return _bill(self.store.add_checkout(doc, booking, event))
            except CaringLunchTaken:
                had_caring = True  # another counter served this diner's caring lunch first
        raise Conflict("the caring lunch was just used elsewhere; try again", code="busy")

    def _booking_to_serve(self, site_id, day, meal, data):
        if data["pickup_code"]:
            code = data["pickup_code"].upper()
            booking = self.store.booking_by_code(site_id, day, meal, code)
            if booking is None:
                raise Invalid("no booking with this pickup code for this meal",
                              details={"pickup_code": ["no such pickup code for this meal"]})
            if booking["status"] == "served":
                raise Conflict("this booking is already served", code="already_served")
            if booking["status"] != "booked":
                raise Conflict(f"this booking is {booking['status']}", code="illegal_transition")
            return booking
        booking = self.store.active_booking(site_id, day, meal, data["resident_id"])
        return booking if booking and booking["status"] == "booked" else None

    # -- the kitchen -------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def kitchen(self, actor, site_id, date):
        """Staff: how many to cook for each meal of a day, and how it went."""
        who = Actor.of(actor)
        site = found(self.store.site(site_id), "canteen site")
        who.require_manager(site["community_id"],
                            "only staff of this site's community see its kitchen")
        day = load(schemas.MenuSlot(), {"date": date, "meal": "lunch"})["date"].isoformat()
        meals = rules.kitchen_counts(self.store.bookings_of_day(site_id, day))
        menus = {m["meal"]: m for m in self.store.menus_between(site_id, day, day)}
        served = self.store.checkout_lines_of_day(site_id, day)
        for meal, row in meals.items():
            row["published"] = meal in menus
            row["capacity"] = menus[meal]["capacity"] if meal in menus else None
            of_meal = [c for c in served if c["meal"] == meal]
            row["walk_ins"] = sum(1 for c in of_meal if not c.get("booking_id"))
            row["served_by_tag"] = rules.portions_by_tag(
                [line for c in of_meal for line in c["lines"]])
        return kitchen_out.dump({"site_id": site_id, "date": day,
                                 "meals": [meals[m] for m in rules.MEALS]})

    # -- the diners' projection ----------------------------------------------------------
    @handles("residents.resident_registered")
    def on_resident_registered(self, event):
        """Keep the new resident's birth date and groups (prices need them)."""
        self._remember(event["data"])

    @handles("residents.resident_updated")
    def on_resident_updated(self, event):
        """Keep a resident's birth date and groups after staff changed them."""
        self._remember(event["data"])

    def _remember(self, data):
        self.store.remember_diner(data["resident_id"], {"birth_date": data["birth_date"],
                                                        "groups": data["groups"]},
                                  data["version"])

    # -- helpers -----------------------------------------------------------------------
    def _visible_booking(self, who, booking_id):
        doc = self.store.booking(booking_id)
        if doc is None or not rules.may_see(who, doc):
            raise NotFound("no such booking")
        return doc

    def _diner(self, resident_id):
        """Birth date and groups for a booking's expected price: from the canteen's own
        projection, or asked of the residents service while the projection has not
        heard of the resident yet (a booking right after registering)."""
        doc = self.store.diner(resident_id)
        if doc is None:
            return self._profile(resident_id, required=False)
        born = doc.get("birth_date")
        return {"birth_date": dt.date.fromisoformat(born) if born else None,
                "groups": doc.get("groups") or []}

    def _profile(self, resident_id, required):
        try:
            profile = call(self.residents, "get_resident", resident_id)
        except NotFound:
            if required:
                raise Invalid("no such resident",
                              details={"resident_id": ["unknown resident"]}) from None
            profile = {}
        born = profile.get("birth_date")
        return {"birth_date": dt.date.fromisoformat(born) if born else None,
                "groups": profile.get("groups") or []}
