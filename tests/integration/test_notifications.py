"""Notifications on the real broker and database: every personal event type reaches
the right people once, in their language; webhooks are signed and retried; quiet hours
hold pushes back; a stopped service catches up."""
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer, ThreadingHTTPServer

import pymongo
import pytest
from pymongo import monitoring

from services.notifications import messaging
from services.notifications.storage import NotificationsStore
from shared import clock
from shared.catalogue import CATALOGUE
from shared.devstack import free_port
from shared.events import make_envelope, publisher
from tests.helpers import eventually


def inbox(api, person, category=None):
    items = api.get("/api/v1/notifications?limit=200", person["token"]).json()["items"]
    return [m for m in items if category is None or m["category"] == category]


def publish(event_type, **data):
    fields = {f: f"<{f}>" for f in CATALOGUE[event_type]["fields"]}
    fields.update({"total_fen": 990, "expires_at": clock.iso(clock.now()), "meal": "lunch",
                   "category": "repair", "points": 10, "balance": 10})
    fields.update(data)
    event = make_envelope(event_type, fields, source=event_type.split(".")[0])
    publisher().publish(event)
    return event


@pytest.fixture(scope="module")
def people(api):
    community = api.community()
    zh = api.resident(community["id"], name="周大爷")
    en = api.resident(community["id"], name="Tom")
    assert api.put("/api/v1/notifications/preferences", {"language": "en"}, en["token"]).status_code == 200
    staff_zh = api.staff(community["id"])
    staff_en = api.staff(community["id"])
    api.put("/api/v1/notifications/preferences", {"language": "en"}, staff_en["token"])
    return {"community": community, "zh": zh, "en": en, "staff_zh": staff_zh, "staff_en": staff_en}


def looks_chinese(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


@pytest.mark.parametrize("event_type", sorted(t for t in messaging.TEMPLATES
                                              if t != "residents.resident_registered"))
def test_each_event_type_reaches_the_right_people_once_in_their_language(api, people, event_type):
    rule = messaging.recipients_rule(event_type)
    if rule == "community_staff":
        readers = [people["staff_zh"], people["staff_en"]]
        data = {"community_id": people["community"]["id"]}
    elif rule == "resident_and_community_staff":
        readers = [people["zh"], people["staff_zh"], people["staff_en"]]
        data = {"resident_id": people["zh"]["id"], "community_id": people["community"]["id"]}
    elif rule == "team_members":
        readers = [people["zh"], people["en"]]
        data = {"member_ids": [people["zh"]["id"], people["en"]["id"]]}
    else:
        readers = [people["zh"]]
        data = {"resident_id": people["zh"]["id"]}
    event = publish(event_type, **data)
    publisher().publish(event)  # delivered twice: still one message each
    for reader in readers:
        mine = eventually(lambda: [m for m in inbox(api, reader, event_type)
                                   if m["created_at"] >= event["occurred_at"][:19]])
        time.sleep(0.3)
        mine = [m for m in inbox(api, reader, event_type)]
        assert len([m for m in mine if m["created_at"] >= event["occurred_at"][:19]]) == 1
        text = mine[0]["title"] + mine[0]["body"]
        wants_en = reader in (people["en"], people["staff_en"])
        assert looks_chinese(text) is not wants_en, text


class Receiver:
    """A local webhook receiver that fails the first ``failures`` posts."""

    def __init__(self, failures=0):
        self.failures, self.received, self.port = failures, [], free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((body, dict(self.headers)))
                ok = len(receiver.received) > receiver.failures
                self.send_response(200 if ok else 500)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def close(self):
        self.server.shutdown()


def test_a_webhook_that_fails_twice_gets_one_delivery_after_three_attempts(api, people):
    community = people["community"]
    person = api.resident(community["id"])
    receiver = Receiver(failures=2)
    try:
        prefs = api.put("/api/v1/notifications/preferences", {"webhook_url": receiver.url},
                        person["token"])
        assert prefs.status_code == 200, prefs.text
        secret = prefs.json()["webhook_secret"]
        assert "webhook_secret" not in api.get("/api/v1/notifications/preferences",
                                               person["token"]).json()
        publish("library.hold_ready", resident_id=person["id"], title="平凡的世界")
        message = eventually(lambda: inbox(api, person, "library.hold_ready"))[0]

        def three_attempts():
            pushes = api.get(f"/api/v1/notifications/{message['id']}/pushes", person["token"]).json()
            return pushes if pushes and pushes[0]["state"] == "delivered" else None
        pushes = eventually(three_attempts, seconds=45)
        assert [a["ok"] for a in pushes[0]["attempts"]] == [False, False, True]
        assert len(receiver.received) == 3
        body, headers = receiver.received[-1]
        assert json.loads(body)["id"] == message["id"]
        timestamp = headers["X-Linli-Timestamp"]
        assert abs(time.time() - int(timestamp)) < 300
        expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body,
                                        hashlib.sha256).hexdigest()
        assert headers["X-Linli-Signature"] == expected
    finally:
        receiver.close()


def test_the_push_history_shows_the_owner_outcomes_not_urls_or_answers(api, people):
    person = api.resident(people["community"]["id"])
    receiver = Receiver(failures=1)
    try:
        hook = receiver.url + "?token=do-not-show"
        api.put("/api/v1/notifications/preferences", {"webhook_url": hook}, person["token"])
        publish("library.hold_ready", resident_id=person["id"], title="活着")
        message = eventually(lambda: inbox(api, person, "library.hold_ready"))[0]

        def delivered():
            answer = api.get(f"/api/v1/notifications/{message['id']}/pushes", person["token"])
            pushes = answer.json()
            return pushes if pushes and pushes[0]["state"] == "delivered" else None
        pushes = eventually(delivered, seconds=30)
        assert "do-not-show" not in json.dumps(pushes)
        assert set(pushes[0]) == {"id", "state", "attempts"}
        assert [(a["outcome"], a["status_code"]) for a in pushes[0]["attempts"]] == [
            ("rejected", 500), ("delivered", 200)]
        assert all(set(a) == {"at", "ok", "status_code", "outcome"} for a in pushes[0]["attempts"])
    finally:
        receiver.close()


def test_quiet_hours_hold_the_push_but_not_the_inbox(api, people):
    person = api.resident(people["community"]["id"])
    receiver = Receiver()
    now_local = clock.now().astimezone(clock.community_tz())
    start = (now_local - dt.timedelta(hours=1)).strftime("%H:%M")
    end_local = now_local + dt.timedelta(hours=1)
    try:
        api.put("/api/v1/notifications/preferences", {
            "webhook_url": receiver.url, "quiet_hours": {"start": start, "end": end_local.strftime("%H:%M")}},
            person["token"])
        publish("canteen.booking_created", resident_id=person["id"], site_name="初心食堂")
        assert eventually(lambda: inbox(api, person, "canteen.booking_created"))
        time.sleep(2)
        assert receiver.received == []
        admin = api.admin()
        before_end = api.post("/api/v1/admin/jobs/notifications-push",
                              {"as_of": clock.iso(end_local - dt.timedelta(minutes=5))}, admin)
        assert before_end.status_code == 200
        assert receiver.received == []
        after_end = api.post("/api/v1/admin/jobs/notifications-push",
                             {"as_of": clock.iso(end_local + dt.timedelta(minutes=1))}, admin)
        assert after_end.json()["processed"] >= 1
        assert len(receiver.received) == 1
    finally:
        receiver.close()


def test_a_muted_category_still_reaches_the_inbox_but_is_not_pushed(api, people):
    person = api.resident(people["community"]["id"])
    receiver = Receiver()
    try:
        api.put("/api/v1/notifications/preferences", {
            "webhook_url": receiver.url, "muted_categories": ["library.loan_due_soon"]}, person["token"])
        publish("library.loan_due_soon", resident_id=person["id"], title="红岩")
        publish("library.loan_overdue", resident_id=person["id"], title="红岩")
        eventually(lambda: inbox(api, person, "library.loan_due_soon"))
        eventually(lambda: receiver.received)
        time.sleep(1.5)
        categories = [json.loads(body)["category"] for body, _ in receiver.received]
        assert categories == ["library.loan_overdue"]
    finally:
        receiver.close()


@pytest.mark.parametrize("preferences, field", [
    ({"webhook_url": "ftp://example.org/x"}, "webhook_url"),
    ({"quiet_hours": {"start": "25:00", "end": "07:00"}}, "quiet_hours"),
    ({"quiet_hours": {"start": "late", "end": "07:00"}}, "quiet_hours"),
    ({"language": "fr"}, "language"),
    ({"muted_categories": ["canteen.free_lunch"]}, "muted_categories"),
])
def test_bad_preferences_are_422(api, people, preferences, field):
    answer = api.put("/api/v1/notifications/preferences", preferences, people["zh"]["token"])
    assert answer.status_code == 422
    assert field in answer.json()["error"]["details"]


def test_read_all_clears_the_unread_count(api, people):
    person = api.resident(people["community"]["id"])
    publish("library.loan_returned", resident_id=person["id"], title="围城")
    eventually(lambda: len(inbox(api, person)) >= 2)
    assert api.get("/api/v1/notifications/unread-count", person["token"]).json()["unread"] >= 2
    assert api.post("/api/v1/notifications/read-all", token=person["token"]).status_code == 200
    assert api.get("/api/v1/notifications/unread-count", person["token"]).json()["unread"] == 0


def test_messages_page_newest_first(api, people):
    person = api.resident(people["community"]["id"])
    for title in ("一", "二", "三"):
        publish("library.loan_returned", resident_id=person["id"], title=title)
        time.sleep(0.05)
    eventually(lambda: len(inbox(api, person)) >= 4)
    first = api.get("/api/v1/notifications?limit=2", person["token"]).json()
    second = api.get(f"/api/v1/notifications?limit=2&cursor={first['next_cursor']}",
                     person["token"]).json()
    seen = [m["id"] for m in first["items"] + second["items"]]
    assert len(seen) == len(set(seen)) == 4
    stamps = [m["created_at"] for m in first["items"] + second["items"]]
    assert stamps == sorted(stamps, reverse=True)


def test_a_stopped_notifications_service_catches_up(stack, api, people):
    """Stopped while a registration, a booking, a loan and a dispatch happen; started
    again, every message arrives, once."""
    from tests.e2e.volunteer_helpers import act, ok, submit, team
    from tests.streams import canteen_world

    community_id = people["community"]["id"]
    staff = api.staff(community_id)
    world = canteen_world(api, days=1)
    diner = api.resident(world["community"]["id"])
    branch = ok(api.post("/api/v1/library/branches", {"name": "书屋", "community_id": community_id,
                                                      "kind": "book_house"}, staff["token"]), 201)
    title = ok(api.post("/api/v1/library/titles", {"title": "人世间", "author": "梁晓声",
                                                   "tags": ["小说"]}, staff["token"]), 201)
    code = "NS-" + uuid.uuid4().hex[:10]
    ok(api.post("/api/v1/library/copies", {"title_id": title["id"], "code": code,
                                           "branch_id": branch["id"]}, staff["token"]), 201)
    reader, elder, member = (api.resident(community_id) for _ in range(3))
    helpers = team(api, staff, community_id, [member])
    request = submit(api, elder)

    stack.stop("notifications")
    try:
        newcomer = api.resident(community_id)
        date, meal = world["slots"][0]
        assert api.post("/api/v1/canteen/bookings", {"site_id": world["site"]["id"], "date": date,
                                                     "meal": meal, "portions": 1},
                        diner["token"]).status_code == 201
        assert api.post("/api/v1/library/loans", {"code": code, "branch_id": branch["id"]},
                        reader["token"]).status_code == 201
        ok(act(api, request["id"], "dispatch", staff["token"], {"team_id": helpers["id"]}))
    finally:
        stack.start_service("notifications")
    stack.wait_ready()
    for person, category in ((newcomer, "residents.resident_registered"),
                             (diner, "canteen.booking_created"),
                             (reader, "library.loan_created"),
                             (member, "volunteer.request_dispatched")):
        assert len(eventually(lambda: inbox(api, person, category), seconds=30)) == 1, category


def quiet_now():
    """Quiet hours around now, and an instant after they end."""
    now_local = clock.now().astimezone(clock.community_tz())
    end_local = now_local + dt.timedelta(hours=1)
    window = {"start": (now_local - dt.timedelta(hours=1)).strftime("%H:%M"),
              "end": end_local.strftime("%H:%M")}
    return window, clock.iso(end_local + dt.timedelta(minutes=1))


def test_staff_push_job_sends_only_their_own_communitys_pushes(api, people):
    ours, theirs = api.community(), api.community()
    staff = api.staff(ours["id"])
    window, after_quiet_hours = quiet_now()
    neighbour, stranger = api.resident(ours["id"]), api.resident(theirs["id"])
    to_neighbour, to_stranger = Receiver(), Receiver()
    try:
        for person, receiver in ((neighbour, to_neighbour), (stranger, to_stranger)):
            api.put("/api/v1/notifications/preferences",
                    {"webhook_url": receiver.url, "quiet_hours": window}, person["token"])
            publish("library.loan_overdue", resident_id=person["id"], title="活着")
            eventually(lambda: inbox(api, person, "library.loan_overdue"))
        ran = api.post("/api/v1/admin/jobs/notifications-push", {"as_of": after_quiet_hours},
                       staff["token"])
        assert ran.status_code == 200, ran.text
        assert len(to_neighbour.received) == 1
        assert to_stranger.received == []
        api.post("/api/v1/admin/jobs/notifications-push", {"as_of": after_quiet_hours},
                 api.admin())
        assert len(to_stranger.received) == 1
    finally:
        to_neighbour.close()
        to_stranger.close()


class DrippingReceiver(Receiver):
    """Answers one header byte a second, forever: every single read succeeds."""

    def __init__(self):
        self.received, self.port, self.stop = [], free_port(), threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                receiver.received.append(self.rfile.read(int(self.headers["Content-Length"])))
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                while not receiver.stop.is_set():
                    try:
                        self.wfile.write(b"X")
                        self.wfile.flush()
                    except OSError:
                        return
                    receiver.stop.wait(1)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.stop.set()
        super().close()


def test_a_slow_webhook_does_not_hold_up_anyone_elses_push(api, people):
    slow_person, person = (api.resident(people["community"]["id"]) for _ in range(2))
    slow, receiver = DrippingReceiver(), Receiver()
    try:
        api.put("/api/v1/notifications/preferences", {"webhook_url": slow.url}, slow_person["token"])
        api.put("/api/v1/notifications/preferences", {"webhook_url": receiver.url}, person["token"])
        publish("library.hold_ready", resident_id=slow_person["id"], title="慢")
        eventually(lambda: slow.received)
        publish("library.hold_ready", resident_id=person["id"], title="快")
        assert eventually(lambda: receiver.received)
        slow_message = inbox(api, slow_person, "library.hold_ready")[0]

        def timed_out():
            pushes = api.get(f"/api/v1/notifications/{slow_message['id']}/pushes",
                             slow_person["token"]).json()
            return pushes and pushes[0]["attempts"] and pushes[0]["attempts"][0]
        assert eventually(timed_out, seconds=40)["outcome"] == "timeout"
    finally:
        slow.close()
        receiver.close()


class Commands(monitoring.CommandListener):
    def __init__(self):
        self.names = []

    def started(self, event):
        if event.command_name not in ("hello", "isMaster", "ismaster", "ping", "endSessions"):
            self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


def test_delivering_an_event_is_one_database_round_trip_and_a_redelivery_adds_nothing(stack):
    """Was a preferences read and a 3-4 statement transaction (4-5 round trips)."""
    commands = Commands()
    store = NotificationsStore(pymongo.MongoClient(stack.mongo_uris["notifications"], tz_aware=True,
                                                   event_listeners=[commands]))
    resident_id = "rt-" + uuid.uuid4().hex
    store.save_preferences(resident_id, {"webhook_url": "http://127.0.0.1:9/hook"}, "c-rt")
    events = [make_envelope("library.hold_ready", {
        "hold_id": uuid.uuid4().hex, "resident_id": resident_id, "title_id": "t", "title": "活着",
        "pickup_branch_id": "b", "branch_name": "书屋", "expires_at": clock.iso(clock.now())},
        source="library") for _ in range(2)]

    def deliver(event):  # what the service's handler does, step by step
        recipients = messaging.direct_recipients(event)
        preferences = store.preferences_of(recipients)
        store.deliver(messaging.messages_for(event, recipients, preferences, clock.now(),
                                            clock.community_tz()))
    deliver(events[0])  # reads the preferences into the cache
    commands.names.clear()
    deliver(events[1])
    assert commands.names == ["insert"]
    commands.names.clear()
    deliver(events[1])  # redelivered
    assert commands.names == ["insert"]
    mine = list(store.messages.find({"resident_id": resident_id}))
    assert len(mine) == 2
    assert all(m["push"]["state"] == "pending" and m["push"]["community_id"] == "c-rt"
               for m in mine)


def test_pushes_left_in_the_old_collection_are_moved_into_their_messages(stack):
    store = NotificationsStore(pymongo.MongoClient(stack.mongo_uris["notifications"], tz_aware=True))
    message_id, push_id = uuid.uuid4().hex, uuid.uuid4().hex
    now = clock.now()
    store.messages.insert_one({"_id": message_id, "event_id": uuid.uuid4().hex,
                               "resident_id": "old-" + message_id, "category": "library.hold_ready",
                               "read": False, "created_at": now, "title": "t", "body": "b"})
    store.db["pushes"].insert_one({
        "_id": push_id, "message_id": message_id, "resident_id": "old-" + message_id,
        "url": "http://127.0.0.1:9/hook", "state": "pending", "not_before": now,
        "attempts": [{"at": now, "ok": False, "status_code": 500, "error": "HTTP 500"}]})
    store.on_start()
    store.on_start()  # a second replica starting: nothing changes
    push = store.messages.find_one({"_id": message_id})["push"]
    assert (push["state"], push["tries"], len(push["attempts"])) == ("pending", 1, 1)
    assert store.db["pushes"].find_one({"_id": push_id}) is None
