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
from services.canteen.schemas import bill_of, booking_of, menu_of, site_of
from services.canteen.storage import CanteenStore
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Conflict, Invalid, NotFound, found
from shared.events import handles
from shared.mongo import Mongo
from shared.rpc import call, require_community, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("canteen")

MAX_MENU_DAYS = 62
MAX_SITES_A_PAGE = 50  # a community runs a few canteens, not fifty
kitchen_out = schemas.Kitchen()


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
        data = load(schemas.NewSite, payload)
        who.require_manager(data["community_id"],
                            "only staff of that community can open a canteen there")
        require_community(self.residents, data["community_id"])
        return site_of(self.store.add_site(data))

    @rpc(expected_exceptions=EXPECTED)
    def list_sites(self, actor, query):
        """Canteen sites, newest first; ``community_id`` narrows to one community."""
        Actor.of(actor)
        data = load(schemas.SiteQuery, query)
        docs, next_cursor = self.store.list_sites(data["community_id"], data["limit"],
                                                  data["cursor"])
        return {"items": [site_of(d) for d in docs], "next_cursor": next_cursor}

    # -- menus ---------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def publish_menu(self, actor, site_id, date, meal, payload):
        """Staff: publish (or republish, replacing the dishes) the menu of a slot.
        Capacity never drops below what is booked: 409 ``capacity_below_booked``."""
        who = Actor.of(actor)
        site = found(self.store.site(site_id), "canteen site")
        who.require_manager(site["community_id"],
                            "only staff of this site's community publish its menus")
        slot = load(schemas.MenuSlot, {"date": date, "meal": meal})
        day, meal = slot["date"], slot["meal"]
        changes = rules.menu_changes(load(schemas.MenuIn, payload), day, meal)
        return menu_of(self.store.publish_menu(
            rules.new_menu(site, day, meal, changes, clock.now()), changes,
            rules.menu_published_event(site, day, meal, changes)))

    @rpc(expected_exceptions=EXPECTED)
    def list_menus(self, actor, site_id, query):
        """Anyone signed in: a site's menus from ``from`` to ``to`` (default: the next
        seven days), by date and meal, with capacity, booked and remaining."""
        Actor.of(actor)
        found(self.store.site(site_id), "canteen site")
        data = load(schemas.MenuQuery, query)
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
        return [menu_of(d) for d in docs]

    # -- bookings ----------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def book(self, actor, payload):
        """Book 1-4 portions of a meal for the caller. Full: 409 ``slot_full``; second
        active booking for the slot: 409 ``already_booked``; past the cutoff or no
        menu: 422."""
        who = Actor.of(actor)
        data = load(schemas.NewBooking, payload)
        site = self._site_named(data["site_id"])
        day, meal = data["date"], data["meal"]
        menu = self.store.menu_ref(site["_id"], day.isoformat(), meal)
        if menu is None:
            raise rules.no_menu(day.isoformat(), meal)
        # The cutoff, the capacity and one active booking per diner are all checked
        # by the one conditional write in storage; failures are explained there.
        profile = self._diner(who.id)
        had_caring = (pricing.caring_lunch_could_apply(profile["groups"], meal)
                      and self.store.had_caring_lunch(who.id, day.isoformat()))
        price_rule = pricing.expected_rule(
            meal=meal, meal_date=day, birth_date=profile["birth_date"],
            groups=profile["groups"], had_caring_lunch_that_day=had_caring)
        now = clock.now()
        booking = rules.new_booking(site, menu["_id"], who.id, day, meal, data["portions"],
                                    price_rule, now)
        return booking_of(self.store.book(menu, booking, now))

    @rpc(expected_exceptions=EXPECTED)
    def list_bookings(self, actor, query):
        """A resident's own bookings; staff with ``site_id`` see that site's bookings,
        narrowed by ``date``, ``meal`` and ``status``."""
        who = Actor.of(actor)
        data = load(schemas.BookingQuery, query)
        filters = {k: data[k] for k in ("date", "meal", "status") if data[k] is not None}
        if "date" in filters:
            filters["date"] = filters["date"].isoformat()
        if data["site_id"] and (who.is_staff or who.is_admin):
            site = self._site_named(data["site_id"])
            who.require_manager(site["community_id"],
                                "only staff of this site's community see its bookings")
            query_doc = {"site_id": data["site_id"], **filters}
        else:
            query_doc = {"resident_id": who.id, **filters}
            if data["site_id"]:
                query_doc["site_id"] = data["site_id"]
        docs, next_cursor = self.store.list_bookings(query_doc, data["limit"], data["cursor"])
        return {"items": [booking_of(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_booking(self, actor, booking_id):
        """One booking: its diner, or staff of its community."""
        return booking_of(self._visible_booking(Actor.of(actor), booking_id))

    @rpc(expected_exceptions=EXPECTED)
    def bookings_of(self, resident_id, limit=50):
        """For other services: a resident's bookings, newest first."""
        docs, _ = self.store.list_bookings({"resident_id": resident_id}, min(int(limit), 200), None)
        return [booking_of(d) for d in docs]

    @rpc(expected_exceptions=EXPECTED)
    def cancel_booking(self, actor, booking_id):
        """The diner (or staff): cancel before the cutoff; the portions are free at
        once. After the cutoff: 422; not ``booked``: 409 ``illegal_transition``."""
        who = Actor.of(actor)
        doc = self._visible_booking(who, booking_id)
        rules.check_cancellable(doc)
        menu = self.store.menu_by_id(doc["menu_id"])
        now = clock.now()
        if not rules.booking_open(menu["booking_cutoff"], now):
            raise rules.closed(menu["booking_cutoff"])
        cancelled = self.store.cancel_booking(doc, now, rules.booking_cancelled_event(doc))
        if cancelled is None:
            raise Conflict("the booking changed meanwhile", code="illegal_transition")
        return booking_of(cancelled)

    # -- the counter -----------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def checkout(self, actor, payload):
        """Staff at the counter: bill a diner by pickup code or resident id (a
        walk-in when they have no booking waiting). The bill names the price rule."""
        who = Actor.of(actor)
        data = load(schemas.Checkout, payload)
        site = self._site_named(data["site_id"])
        who.require_manager(site["community_id"],
                            "only staff of this site's community work its counter")
        day, meal = data["date"], data["meal"]
        menu = self.store.menu(site["_id"], day.isoformat(), meal)
        if menu is None:
            raise rules.no_menu(day.isoformat(), meal)
        booking = self._booking_to_serve(site["_id"], day.isoformat(), meal, data)
        resident_id = booking["resident_id"] if booking else data["resident_id"]
        profile = self._profile(resident_id, required=True)
        portions = booking["portions"] if booking else 1

        def bill(had_caring_lunch_that_day):
            priced = pricing.bill(menu["dishes"], data["items"], site=site, meal=meal,
                                  meal_date=day, birth_date=profile["birth_date"],
                                  groups=profile["groups"], portions=portions,
                                  had_caring_lunch_that_day=had_caring_lunch_that_day)
            return rules.new_checkout(site, day, meal, resident_id, booking, portions, priced,
                                      clock.now())

        return bill_of(self.store.check_out(resident_id, day.isoformat(), bill, booking,
                                            site["name"]))

    def _booking_to_serve(self, site_id, day, meal, data):
        if data["pickup_code"]:
            code = data["pickup_code"].upper()
            booking = self.store.booking_by_code(site_id, day, meal, code)
            if booking is None:
                raise Invalid("no booking with this pickup code for this meal",
                              details={"pickup_code": ["no such pickup code for this meal"]})
            rules.check_servable(booking)
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
        day = load(schemas.MenuSlot, {"date": date, "meal": "lunch"})["date"].isoformat()
        return self._kitchen_of(site, day)

    @rpc(expected_exceptions=EXPECTED)
    def kitchens(self, actor, community_id, date):
        """Staff: the kitchen of every site of their community on one day (the console's
        morning page), each ``{site_id, site_name, date, meals}``."""
        who = Actor.of(actor).require_staff()
        if community_id is None:  # an admin belongs to no community: name one
            raise Invalid("which community?", details={"community_id": ["required for admins"]})
        who.require_manager(community_id, "only staff of this community see its kitchens")
        day = load(schemas.MenuSlot, {"date": date, "meal": "lunch"})["date"].isoformat()
        sites, _ = self.store.list_sites(community_id, MAX_SITES_A_PAGE, None)
        return [self._kitchen_of(site, day) for site in sites]

    def _kitchen_of(self, site, day):
        site_id = site["_id"]
        meals = rules.kitchen_day(self.store.bookings_of_day(site_id, day),
                                  self.store.menus_between(site_id, day, day),
                                  self.store.checkout_lines_of_day(site_id, day))
        return kitchen_out.dump({"site_id": site_id, "site_name": site["name"], "date": day,
                                 "meals": meals})

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
    def _site_named(self, site_id):
        """The site a payload names (422 naming ``site_id`` when there is none)."""
        site = self.store.site(site_id)
        if site is None:
            raise Invalid("no such canteen site", details={"site_id": ["unknown site"]})
        return site

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
