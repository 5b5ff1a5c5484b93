"""The only module of the canteen service that speaks Mongo.

Limits are single conditional ``update_one`` calls on indexed fields: a booking takes
portions with ``{_id, remaining >= p}`` and ``$inc``; a republish changes capacity
with ``{_id, capacity: old, remaining >= -delta}``; a booking changes state with
``{_id, status: from}``. One active booking per resident per slot and one pickup code
per slot are unique indexes. Every change with its events is one transaction.

Longer than ~300 lines on purpose: every atomic write of the canteen (menus, bookings,
the counter, the sweeps, the diners' projection) in one place, so that each limit and
the write that keeps it can be read together."""
import threading
from contextlib import contextmanager

from pymongo.errors import DuplicateKeyError

from services.canteen import booking as rules
from shared import clock
from shared.errors import Conflict, Unavailable
from shared.mongo import Store, index, is_duplicate_key, new_id, unique
from shared.pagination import newest_first

PICKUP_CODE_INDEX = "pickup_code_once_per_slot"
MENU_TURN_SECONDS = 3
ACTIVE_BOOKING_INDEX = "one_active_booking_per_resident_and_slot"
PICKUP_CODE_ATTEMPTS = 8    # codes drawn for one booking before giving up (busy)
REPUBLISH_ATTEMPTS = 10     # capacity moved under a republish this often: busy
CHECKOUT_ATTEMPTS = 2       # the second prices without the caring lunch another took
# what a menu read fetches every time; the rest is kept per (menu, version)
MENU_COUNTS = {"capacity": 1, "booked": 1, "remaining": 1, "version": 1, "date": 1, "meal": 1}


class SlotUnavailable(Exception):
    """The conditional take on the menu matched nothing (full, closed or gone)."""


class CapacityMoved(Exception):
    """Someone changed the menu's capacity between our read and our update."""


class PickupCodeTaken(Exception):
    pass


class CaringLunchTaken(Exception):
    pass


def _version_of(menu: dict) -> tuple:
    return menu["_id"], menu.get("version", 0)  # a menu never republished has none


def _duplicate_of(exc: Exception) -> str:
    text = str(getattr(exc, "details", None) or exc)
    if PICKUP_CODE_INDEX in text or "pickup_code" in text:
        return "pickup_code"
    return "active_booking"


class CanteenStore(Store):
    service = "canteen"
    indexes = {
        "sites": [index("community_id", "-created_at"), index("-created_at")],
        "menus": [unique("site_id", "date", "meal"), index("site_id", "date")],
        "bookings": [
            unique("site_id", "date", "meal", "resident_id", name=ACTIVE_BOOKING_INDEX,
                   partialFilterExpression={"active": True}),
            unique("site_id", "date", "meal", "pickup_code", name=PICKUP_CODE_INDEX),
            index("resident_id", "-created_at", "-_id"),
            index("site_id", "date", "meal", "-created_at"),
            index("site_id", "date"),
            index("status", "ends_at"),
            index("status", "reminded", "remind_at"),
            # the same sweeps run by staff for their community (equality fields first)
            index("status", "community_id", "ends_at"),
            index("status", "reminded", "community_id", "remind_at"),
        ],
        "checkouts": [index("site_id", "date", "meal"), index("resident_id", "-created_at")],
        # one caring lunch a resident a day: the key is "<resident_id>:<date>"
        "caring_lunches": [],
        # the diners' birth dates and groups, projected from residents.* events
        "diners": [],
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._sites: dict[str, dict] = {}
        self._sites_lock = threading.Lock()
        self._menu_writers: dict[str, threading.Lock] = {}
        self._menu_refs: dict[tuple, dict] = {}
        self._menu_bodies: dict[tuple, dict] = {}  # (menu id, version) -> the menu as stored

    @contextmanager
    def menu_writer(self, menu_id: str):
        """This process's turn at writing one menu in a transaction.

        Not what keeps the limit (the conditional update does that, across replicas):
        it keeps this replica's workers from piling into write conflicts on the
        same hot menu document, which the transaction retries would turn into a
        crawl (measured: 16 threads booking one meal, 33/s without it, 165/s with
        it). A turn that does not come within a few seconds (a stuck database) is
        skipped rather than waited for: correctness never depended on it."""
        lock = self._menu_lock(menu_id)
        held = lock.acquire(timeout=MENU_TURN_SECONDS)
        try:
            yield
        finally:
            if held:
                lock.release()

    def _menu_lock(self, menu_id: str) -> threading.Lock:
        lock = self._menu_writers.get(menu_id)
        if lock is None:
            with self._sites_lock:
                if len(self._menu_writers) > 50_000:  # old meals; dropping one costs nothing
                    self._menu_writers.clear()
                lock = self._menu_writers.setdefault(menu_id, threading.Lock())
        return lock

    @property
    def sites(self):
        return self.db["sites"]

    @property
    def menus(self):
        return self.db["menus"]

    @property
    def bookings(self):
        return self.db["bookings"]

    @property
    def checkouts(self):
        return self.db["checkouts"]

    # -- sites ---------------------------------------------------------------------
    def add_site(self, fields: dict) -> dict:
        doc = {"_id": new_id(), "created_at": clock.now(), **fields}
        self.sites.insert_one(doc)
        return doc

    def site(self, site_id: str) -> dict | None:
        """A site by id. Sites never change once made, so each process keeps them."""
        cached = self._sites.get(site_id)
        if cached is not None:
            return cached
        doc = self.sites.find_one({"_id": site_id})
        if doc is not None:
            with self._sites_lock:
                self._sites[site_id] = doc
        return doc

    def list_sites(self, community_id: str | None, limit: int, cursor: str | None):
        query = {"community_id": community_id} if community_id else {}
        return newest_first(self.sites, query, limit, cursor)

    # -- menus ---------------------------------------------------------------------
    def menu(self, site_id: str, date: str, meal: str) -> dict | None:
        return self.menus.find_one({"site_id": site_id, "date": date, "meal": meal})

    def menus_between(self, site_id: str, first: str, last: str) -> list[dict]:
        """A site's menus for dates ``first``..``last``, each as stored.

        Only the counts are read every time: dishes, cutoff and the rest change only
        when a menu is republished, which moves its ``version``, so each process keeps
        the rest per (menu, version) and reads a body again only for a version it has
        not seen. ``booked`` and ``remaining`` are always as the database has them."""
        counts = list(self.menus.find({"site_id": site_id, "date": {"$gte": first, "$lte": last}},
                                      MENU_COUNTS).limit(500))
        missing = [c["_id"] for c in counts if _version_of(c) not in self._menu_bodies]
        fresh = {}
        if missing:
            for doc in self.menus.find({"_id": {"$in": missing}}):
                fresh[doc["_id"]] = doc
                with self._sites_lock:
                    if len(self._menu_bodies) > 20_000:  # old weeks; one read brings one back
                        self._menu_bodies.clear()
                    self._menu_bodies[_version_of(doc)] = doc
        menus = []
        for c in counts:
            # republished between the two reads: the newer body, with its own counts
            body = self._menu_bodies.get(_version_of(c)) or fresh.get(c["_id"])
            if body is not None:
                menus.append({**body, **c} if body.get("version", 0) == c.get("version", 0)
                             else body)
        return menus

    def publish_menu(self, first: dict, changes: dict, event: dict) -> dict:
        """Publish a slot's menu: insert ``first`` when the slot has none, else set
        ``changes`` on the one there (a simultaneous first publish that won is
        republished over). 409 ``capacity_below_booked``; 503 ``busy`` when the
        capacity keeps moving under us."""
        current = self.menu(first["site_id"], first["date"], first["meal"])
        if current is None:
            try:
                return self.publish_new_menu(first, event)
            except Exception as exc:
                if not is_duplicate_key(exc):
                    raise
                current = self.menu(first["site_id"], first["date"], first["meal"])
        for _ in range(REPUBLISH_ATTEMPTS):
            refused = rules.capacity_refusal(current["booked"], changes["capacity"])
            if refused:
                raise refused
            try:
                return self.republish_menu(current, changes, event)
            except CapacityMoved:
                current = self.menu_by_id(current["_id"])
        raise Unavailable("the menu is changing too fast; try again", code="busy")

    def publish_new_menu(self, doc: dict, event: dict) -> dict:
        """Insert a first menu for its slot; a duplicate key error if one appeared
        meanwhile."""
        def write(tx):
            self.menus.insert_one(doc, session=tx.session)
            tx.emit("canteen.menu_published", {**event, "menu_id": doc["_id"]})
            return doc

        return self.transaction(write)

    def republish_menu(self, current: dict, changes: dict, event: dict) -> dict:
        """Replace dishes, cutoff and capacity of ``current`` in one conditional update.

        The filter pins the capacity we read and asks ``remaining >= -delta``, so the
        new capacity is never below what is booked, even with bookings landing now.
        Raises ``CapacityMoved`` when the filter matches nothing."""
        delta = changes["capacity"] - current["capacity"]
        query = {"_id": current["_id"], "capacity": current["capacity"]}
        if delta < 0:
            query["remaining"] = {"$gte": -delta}

        def write(tx):
            result = self.menus.update_one(
                query, {"$set": {**changes, "updated_at": clock.now()},
                        "$inc": {"remaining": delta, "version": 1}}, session=tx.session)
            if result.matched_count == 0:
                raise CapacityMoved()
            tx.emit("canteen.menu_published", {**event, "menu_id": current["_id"]})

        with self.menu_writer(current["_id"]):
            self.transaction(write)
        return self.menus.find_one({"_id": current["_id"]})

    def menu_ref(self, site_id: str, date: str, meal: str) -> dict | None:
        """``{_id, site_id, date, meal}`` of a slot's menu. A menu, once published,
        keeps its id for good, so each process remembers it (a hot-path read saved)."""
        key = (site_id, date, meal)
        ref = self._menu_refs.get(key)
        if ref is None:
            doc = self.menus.find_one({"site_id": site_id, "date": date, "meal": meal},
                                      {"site_id": 1, "date": 1, "meal": 1})
            if doc is None:
                return None
            with self._sites_lock:
                if len(self._menu_refs) > 50_000:
                    self._menu_refs.clear()
                ref = self._menu_refs.setdefault(key, doc)
        return ref

    def menu_by_id(self, menu_id: str) -> dict | None:
        return self.menus.find_one({"_id": menu_id})

    # -- bookings --------------------------------------------------------------------
    def booking(self, booking_id: str) -> dict | None:
        return self.bookings.find_one({"_id": booking_id})

    def active_booking(self, site_id: str, date: str, meal: str, resident_id: str):
        return self.bookings.find_one({"site_id": site_id, "date": date, "meal": meal,
                                       "resident_id": resident_id, "active": True})

    def booking_by_code(self, site_id: str, date: str, meal: str, code: str):
        return self.bookings.find_one({"site_id": site_id, "date": date, "meal": meal,
                                       "pickup_code": code})

    def book(self, menu: dict, booking: dict, now) -> dict:
        """Write ``booking`` (from ``booking.new_booking``) with a pickup code free in
        its slot, drawing again while the code is taken. A take that matched nothing
        is explained afterwards from the menu as it is now (``booking.refusal``)."""
        for _ in range(PICKUP_CODE_ATTEMPTS):
            doc = rules.with_pickup_code(booking)
            try:
                return self.add_booking(menu, doc, rules.booking_created_event(doc))
            except PickupCodeTaken:
                continue
            except SlotUnavailable:
                fresh = self.menu_by_id(menu["_id"])
                already = self.active_booking(doc["site_id"], doc["date"], doc["meal"],
                                              doc["resident_id"]) is not None
                raise rules.refusal(fresh, now, already) from None
        raise Unavailable("could not find a free pickup code; try again", code="busy")

    def add_booking(self, menu: dict, doc: dict, event: dict) -> dict:
        """Take ``doc["portions"]`` from the menu and record the booking, atomically.

        Raises ``SlotUnavailable`` (full or past the cutoff), ``PickupCodeTaken`` or
        ``Conflict`` (already booked); in each case nothing was written."""
        portions = doc["portions"]

        def write(tx):
            taken = self.menus.update_one(
                {"_id": menu["_id"], "remaining": {"$gte": portions},
                 "booking_cutoff": {"$gt": doc["created_at"]}},
                {"$inc": {"remaining": -portions, "booked": portions}}, session=tx.session)
            if taken.matched_count == 0:
                raise SlotUnavailable()
            self.bookings.insert_one(doc, session=tx.session)
            tx.emit("canteen.booking_created", event)
            return doc

        try:
            with self.menu_writer(menu["_id"]):
                return self.transaction(write)
        except Exception as exc:
            if not is_duplicate_key(exc):
                raise
            if _duplicate_of(exc) == "pickup_code":
                raise PickupCodeTaken() from exc
            raise Conflict("you already have a booking for this meal",
                           code="already_booked") from exc

    def cancel_booking(self, booking: dict, now, event: dict) -> dict | None:
        """``booked`` -> ``cancelled`` and the portions back on the menu at once.
        None when the booking was no longer ``booked``."""
        def write(tx):
            changed = self.bookings.update_one(
                {"_id": booking["_id"], "status": "booked"},
                {"$set": {"status": "cancelled", "cancelled_at": now},
                 "$unset": {"active": ""}}, session=tx.session)
            if changed.matched_count == 0:
                return False
            self.menus.update_one(
                {"_id": booking["menu_id"]},
                {"$inc": {"remaining": booking["portions"], "booked": -booking["portions"]}},
                session=tx.session)
            tx.emit("canteen.booking_cancelled", event)
            return True

        with self.menu_writer(booking["menu_id"]):
            if not self.transaction(write):
                return None
        return self.booking(booking["_id"])

    def list_bookings(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.bookings, query, limit, cursor)

    def bookings_of_day(self, site_id: str, date: str) -> list[dict]:
        return list(self.bookings.find({"site_id": site_id, "date": date},
                                       {"meal": 1, "status": 1, "portions": 1}))

    # -- diners (a projection of the residents service) ----------------------------------
    def diner(self, resident_id: str) -> dict | None:
        return self.db["diners"].find_one({"_id": resident_id})

    def remember_diner(self, resident_id: str, profile: dict, version: int) -> bool:
        """Keep the newest known ``{birth_date, groups}`` of a resident. Events may come
        twice or out of order: only a higher version replaces what is kept (an older
        one matches nothing, and its upsert then meets the existing ``_id``)."""
        try:
            self.db["diners"].update_one({"_id": resident_id, "version": {"$lt": version}},
                                         {"$set": {**profile, "version": version}}, upsert=True)
        except DuplicateKeyError:
            return False
        return True

    # -- checkouts ---------------------------------------------------------------------
    def had_caring_lunch(self, resident_id: str, date: str) -> bool:
        return self.db["caring_lunches"].find_one({"_id": f"{resident_id}:{date}"},
                                                  {"_id": 1}) is not None

    def check_out(self, resident_id: str, date: str, bill_of, booking: dict | None,
                  site_name: str) -> dict:
        """Record the bill ``bill_of(had_caring_lunch_that_day)`` (see ``add_checkout``).
        When another counter served this diner's caring lunch first, the bill is made
        again without it; 409 ``busy`` if that happens twice."""
        had_caring = self.had_caring_lunch(resident_id, date)
        for _ in range(CHECKOUT_ATTEMPTS):
            bill = bill_of(had_caring)
            try:
                return self.add_checkout(bill, booking, rules.meal_served_event(bill, site_name))
            except CaringLunchTaken:
                had_caring = True
        raise Conflict("the caring lunch was just used elsewhere; try again", code="busy")

    def add_checkout(self, bill: dict, booking: dict | None, event: dict) -> dict:
        """Record the bill; serve the booking (``booked`` -> ``served``) and claim the
        day's caring lunch in the same transaction.

        Raises ``Conflict`` (already served) or ``CaringLunchTaken``."""
        def write(tx):
            if booking is not None:
                served = self.bookings.update_one(
                    {"_id": booking["_id"], "status": "booked"},
                    {"$set": {"status": "served", "served_at": bill["created_at"],
                              "checkout_id": bill["_id"]}}, session=tx.session)
                if served.matched_count == 0:
                    raise Conflict("this booking is not waiting to be served",
                                   code="already_served")
            if bill["price_rule"] == "caring_lunch":
                try:
                    self.db["caring_lunches"].insert_one(
                        {"_id": f"{bill['resident_id']}:{bill['date']}", "checkout_id": bill["_id"],
                         "site_id": bill["site_id"], "at": bill["created_at"]}, session=tx.session)
                except DuplicateKeyError as exc:
                    raise CaringLunchTaken() from exc
            self.checkouts.insert_one(bill, session=tx.session)
            tx.emit("canteen.meal_served", event)
            return bill

        try:
            return self.transaction(write)
        except Exception as exc:
            if is_duplicate_key(exc):
                raise CaringLunchTaken() from exc
            raise

    def checkout_lines_of_day(self, site_id: str, date: str) -> list[dict]:
        return list(self.checkouts.find({"site_id": site_id, "date": date},
                                        {"meal": 1, "lines": 1, "booking_id": 1}))

    # -- jobs ------------------------------------------------------------------------------
    def past_bookings(self, as_of, community_id: str | None, limit: int = 500) -> list[dict]:
        query = {"status": "booked", "ends_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.bookings.find(query).limit(limit))

    def mark_no_show(self, booking: dict, as_of, event: dict) -> bool:
        """``booked`` -> ``no_show``: no longer the diner's active booking, and its
        portions back on the menu (a no-show holds nothing)."""
        def write(tx):
            claimed = self.bookings.update_one(
                {"_id": booking["_id"], "status": "booked"},
                {"$set": {"status": "no_show", "no_show_at": as_of}, "$unset": {"active": ""}},
                session=tx.session)
            if claimed.matched_count == 0:
                return False
            self.menus.update_one(
                {"_id": booking["menu_id"]},
                {"$inc": {"remaining": booking["portions"], "booked": -booking["portions"]}},
                session=tx.session)
            tx.emit("canteen.booking_no_show", event)
            return True

        with self.menu_writer(booking["menu_id"]):
            return self.transaction(write)

    def reminders_due(self, as_of, community_id: str | None, limit: int = 500) -> list[dict]:
        # one range only: the embedded server scans the collection for two
        query = {"status": "booked", "reminded": False, "remind_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.bookings.find(query).limit(limit))

    def mark_reminded(self, booking: dict, as_of, event: dict | None) -> bool:
        """Claim the booking's one reminder; ``event`` None: the reminder is dropped
        (too late to be of use), only claimed so that no sweep looks at it again."""
        def write(tx):
            claimed = self.bookings.update_one(
                {"_id": booking["_id"], "status": "booked", "reminded": False},
                {"$set": {"reminded": True, "reminded_at": as_of}}, session=tx.session)
            if claimed.matched_count == 0:
                return False
            if event is not None:
                tx.emit("canteen.pickup_reminder_due", event)
            return True

        return self.transaction(write)

