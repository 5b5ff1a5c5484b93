"""The canteen's unique indexes on the real database of the test stack: a pickup code
taken in a slot is told apart from a second active booking, and neither leaves a
portion taken (the whole booking transaction rolls back)."""
import datetime as dt
import uuid

import pytest

from shared import clock, mongo
from shared.errors import Conflict


@pytest.fixture(scope="module")
def store(stack):
    from services.canteen.storage import CanteenStore
    s = CanteenStore(mongo.client(stack.mongo_uris["canteen"]))
    s.outbox.relay_enabled = False   # these rows need no broker
    s.create_indexes()
    return s


def _menu(store, capacity=5):
    doc = {"_id": uuid.uuid4().hex, "site_id": uuid.uuid4().hex, "community_id": "c",
           "date": "2030-01-02", "meal": "lunch", "capacity": capacity, "booked": 0,
           "remaining": capacity, "booking_cutoff": clock.now() + dt.timedelta(days=1),
           "dishes": []}
    store.menus.insert_one(doc)
    return doc


def _booking(menu, resident_id, code):
    return {"_id": uuid.uuid4().hex, "site_id": menu["site_id"], "community_id": "c",
            "menu_id": menu["_id"], "resident_id": resident_id, "date": menu["date"],
            "meal": "lunch", "portions": 2, "status": "booked", "active": True,
            "pickup_code": code, "created_at": clock.now()}


def _event(doc):
    return {"booking_id": doc["_id"], "resident_id": doc["resident_id"], "site_id": doc["site_id"],
            "site_name": "初心食堂", "date": doc["date"], "meal": "lunch", "portions": 2,
            "pickup_code": doc["pickup_code"]}


def test_a_taken_pickup_code_and_a_second_booking_roll_back_whole(store):
    from services.canteen.storage import PickupCodeTaken
    menu = _menu(store)
    first = _booking(menu, "r1", "ABC234")
    store.add_booking(menu, first, _event(first))

    same_code = _booking(menu, "r2", "ABC234")
    with pytest.raises(PickupCodeTaken):
        store.add_booking(menu, same_code, _event(same_code))
    twice = _booking(menu, "r1", "XYZ789")
    with pytest.raises(Conflict) as caught:
        store.add_booking(menu, twice, _event(twice))
    assert caught.value.code == "already_booked"

    after = store.menu_by_id(menu["_id"])
    assert (after["booked"], after["remaining"]) == (2, 3)
    assert store.bookings.count_documents({"menu_id": menu["_id"]}) == 1

    retried = _booking(menu, "r2", "QRS567")
    store.add_booking(menu, retried, _event(retried))
    assert store.menu_by_id(menu["_id"])["remaining"] == 1


def test_a_cancelled_booking_frees_the_diner_to_book_again(store):
    menu = _menu(store)
    first = _booking(menu, "r1", "AAA222")
    store.add_booking(menu, first, _event(first))
    event = {k: v for k, v in _event(first).items() if k != "pickup_code"}
    assert store.cancel_booking(first, clock.now(), event)["status"] == "cancelled"
    assert store.cancel_booking(first, clock.now(), event) is None
    again = _booking(menu, "r1", "BBB333")
    store.add_booking(menu, again, _event(again))
    assert store.menu_by_id(menu["_id"])["booked"] == 2
