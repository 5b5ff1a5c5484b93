"""The canteen's entrypoints with the storage and the residents service replaced
(nameko's worker_factory; no broker, no database): what each one loads, decides and
hands to storage. The storage itself is tested against the real database
(tests/integration/test_canteen_storage.py, tests/e2e/test_canteen*.py)."""
import datetime as dt

import pytest
from nameko.testing.services import worker_factory

from services.canteen import booking as rules
from services.canteen import service as canteen
from shared.auth import Actor
from shared.errors import Conflict, Forbidden, Invalid, NotFound

SITE = {"_id": "s1", "name": "初心食堂", "community_id": "c1", "elder_discount_percent": 20,
        "caring_lunch_price_fen": 990, "created_at": dt.datetime(2026, 11, 1)}
DAY = dt.date(2030, 1, 2)
DISHES = [{"name": "红烧肉", "tags": ["meat"], "price_fen": 1500}]
RIDER = Actor(id="r1", role="resident", community_id="c1").assertion()
STAFF = Actor(id="s1", role="staff", community_id="c1").assertion()


class Reply:
    def __init__(self, value):
        self.value = value

    def result(self):
        if isinstance(self.value, Exception):
            raise self.value
        return self.value


class Residents:
    """The residents service as the canteen calls it: ``get_resident`` only."""
    service_name = "residents"

    def __init__(self, profiles):
        self.profiles = profiles

    @property
    def get_resident(self):
        profiles = self.profiles

        class Method:
            @staticmethod
            def call_async(resident_id):
                return Reply(profiles.get(resident_id) or NotFound("no such resident"))
        return Method


class Store:
    """Just enough of CanteenStore, recording what the entrypoints hand it."""

    def __init__(self, menu=True, diner=None, caring_lunch_taken=False, waiting=None,
                 caring_lunch_taken_meanwhile=False):
        self.menu_doc = {"_id": "m1", "site_id": "s1", "date": DAY.isoformat(), "meal": "lunch",
                         "dishes": DISHES} if menu else None
        self.diner_doc, self.caring_lunch_taken = diner, caring_lunch_taken
        self.waiting, self.taken_meanwhile = waiting, caring_lunch_taken_meanwhile
        self.caring_lunch_reads, self.booked, self.bills, self.published = 0, [], [], []

    def site(self, site_id):
        return SITE if site_id == "s1" else None

    def menu_ref(self, site_id, date, meal):
        return self.menu_doc

    def menu(self, site_id, date, meal):
        return self.menu_doc

    def diner(self, resident_id):
        return self.diner_doc

    def had_caring_lunch(self, resident_id, date):
        self.caring_lunch_reads += 1
        return self.caring_lunch_taken

    def book(self, menu, booking, now):
        self.booked.append(booking)
        return {**rules.with_pickup_code(booking)}

    def booking_by_code(self, site_id, date, meal, code):
        return self.waiting if self.waiting and self.waiting["pickup_code"] == code else None

    def active_booking(self, site_id, date, meal, resident_id):
        return self.waiting

    def check_out(self, resident_id, date, bill_of, booking, site_name):
        bill = bill_of(self.caring_lunch_taken)
        if self.taken_meanwhile:       # another counter won the caring lunch: made again
            bill = bill_of(True)
        self.bills.append(bill)
        return bill

    def publish_menu(self, first, changes, event):
        self.published.append((first, changes, event))
        return {**first, **changes}


def worker(store, profiles=None):
    return worker_factory(canteen.CanteenService, store=store,
                          residents=Residents(profiles or {}))


def booking_payload(**extra):
    return {"site_id": "s1", "date": DAY.isoformat(), "meal": "lunch", "portions": 1, **extra}


# -- book ------------------------------------------------------------------------------
def test_a_booking_for_an_unknown_site_or_an_unpublished_meal_is_refused():
    with pytest.raises(Invalid) as unknown:
        worker(Store()).book(RIDER, booking_payload(site_id="nowhere"))
    assert "site_id" in unknown.value.details
    with pytest.raises(Invalid) as no_menu:
        worker(Store(menu=False)).book(RIDER, booking_payload())
    assert no_menu.value.code == "no_menu"


def test_a_rider_books_the_caring_lunch_when_none_was_had_that_day():
    store = Store(diner={"birth_date": "1990-05-01", "groups": ["delivery_rider"]})
    answer = worker(store).book(RIDER, booking_payload())
    assert answer["price_rule"] == "caring_lunch" and answer["pickup_code"]
    booking = store.booked[0]
    assert booking["remind_at"] == rules.reminder_due_at(DAY, "lunch")
    assert booking["ends_at"] == rules.serving_ends_at(DAY, "lunch")
    assert store.caring_lunch_reads == 1


def test_a_diner_outside_the_caring_groups_costs_no_caring_lunch_read():
    store = Store(diner={"birth_date": "1950-05-01", "groups": []})
    assert worker(store).book(RIDER, booking_payload())["price_rule"] == "elder"
    assert store.caring_lunch_reads == 0


def test_a_diner_the_projection_has_not_heard_of_is_asked_of_the_residents_service():
    store = Store(diner=None)
    profiles = {"r1": {"birth_date": "1950-05-01", "groups": []}}
    assert worker(store, profiles).book(RIDER, booking_payload())["price_rule"] == "elder"


# -- publish_menu ------------------------------------------------------------------------
def test_a_menu_with_its_cutoff_after_the_meal_starts_is_refused_before_storage():
    store = Store()
    late = rules.meal_start(DAY, "lunch") + dt.timedelta(minutes=1)
    with pytest.raises(Invalid) as refused:
        worker(store).publish_menu(STAFF, "s1", DAY.isoformat(), "lunch", {
            "capacity": 40, "booking_cutoff": late.isoformat(), "dishes": DISHES})
    assert "booking_cutoff" in refused.value.details and store.published == []


def test_a_published_menu_hands_storage_the_first_menu_its_changes_and_the_event():
    store = Store()
    cutoff = rules.meal_start(DAY, "lunch") - dt.timedelta(hours=2)
    answer = worker(store).publish_menu(STAFF, "s1", DAY.isoformat(), "lunch", {
        "capacity": 40, "booking_cutoff": cutoff.isoformat(), "dishes": DISHES})
    first, changes, event = store.published[0]
    assert (first["booked"], first["remaining"], changes["capacity"]) == (0, 40, 40)
    assert event == {"site_id": "s1", "site_name": "初心食堂", "community_id": "c1",
                     "date": DAY.isoformat(), "meal": "lunch", "capacity": 40, "dishes": 1}
    assert answer["remaining"] == 40


# -- checkout ----------------------------------------------------------------------------
def checkout_payload(**who):
    return {"site_id": "s1", "date": DAY.isoformat(), "meal": "lunch",
            "items": [{"dish_name": "红烧肉", "quantity": 1}], **who}


def test_a_served_booking_is_not_served_twice():
    waiting = {"_id": "b1", "resident_id": "r1", "status": "served", "pickup_code": "ABC234",
               "portions": 1}
    with pytest.raises(Conflict) as refused:
        worker(Store(waiting=waiting)).checkout(STAFF, checkout_payload(pickup_code="abc234"))
    assert refused.value.code == "already_served"


def test_a_walk_in_rider_pays_the_caring_price_and_the_bill_names_it():
    store = Store()
    profiles = {"r1": {"birth_date": "1990-05-01", "groups": ["delivery_rider"]}}
    bill = worker(store, profiles).checkout(STAFF, checkout_payload(resident_id="r1"))
    assert (bill["walk_in"], bill["total_fen"], bill["price_rule"]) == (True, 990, "caring_lunch")


def test_a_caring_lunch_taken_at_another_counter_meanwhile_is_billed_at_the_list_price():
    store = Store(caring_lunch_taken_meanwhile=True)
    profiles = {"r1": {"birth_date": "1990-05-01", "groups": ["delivery_rider"]}}
    bill = worker(store, profiles).checkout(STAFF, checkout_payload(resident_id="r1"))
    assert (bill["total_fen"], bill["price_rule"]) == (1500, "standard")


def test_the_counter_of_another_community_is_refused():
    other = Actor(id="s9", role="staff", community_id="c9").assertion()
    with pytest.raises(Forbidden):
        worker(Store()).checkout(other, checkout_payload(resident_id="r1"))
