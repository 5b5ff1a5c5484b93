"""Events end to end on the real broker and database: idempotent handlers, bounded
retries then the dead-letter queue, the outbox surviving a crash, readiness."""
import json
import signal
import time

import requests
from kombu import Connection

from shared.events import dead_letter_queue, publisher
from tests.helpers import eventually

WELCOME = "residents.resident_registered"
FAULTY_QUEUE = f"evt-residents-{WELCOME}--faulty.always_fails"


def db(stack, service):
    return stack.db(service)


def welcome_messages(api, person):
    inbox = api.get("/api/v1/notifications", person["token"]).json()["items"]
    return [m for m in inbox if m["category"] == WELCOME]


def test_a_new_resident_finds_the_welcome_message(api):
    community = api.community()
    person = api.resident(community["id"], name="陈阿姨")
    messages = eventually(lambda: welcome_messages(api, person))
    assert len(messages) == 1
    assert "陈阿姨" in messages[0]["body"] and messages[0]["read"] is False
    assert messages[0]["ref"] == {"type": "resident", "id": person["id"]}
    assert api.get("/api/v1/notifications/unread-count", person["token"]).json()["unread"] >= 1
    read = api.post(f"/api/v1/notifications/{messages[0]['id']}/read", token=person["token"])
    assert read.status_code == 200 and read.json()["read"] is True
    assert welcome_messages(api, person)[0]["read"] is True
    assert api.get("/api/v1/notifications?unread=true", person["token"]).json()["items"] == []


def test_someone_elses_message_is_404(api):
    community = api.community()
    alice, bob = api.resident(community["id"]), api.resident(community["id"])
    message = eventually(lambda: welcome_messages(api, alice))[0]
    assert api.post(f"/api/v1/notifications/{message['id']}/read", token=bob["token"]).status_code == 404
    assert welcome_messages(api, alice)[0]["read"] is False


def test_the_same_event_delivered_twice_gives_one_message(stack, api):
    community = api.community()
    person = api.resident(community["id"])
    eventually(lambda: welcome_messages(api, person))
    row = db(stack, "residents")["outbox"].find_one(
        {"type": WELCOME, "envelope.data.resident_id": person["id"]})
    for _ in range(3):
        publisher().publish(row["envelope"])
    time.sleep(2)  # give the redeliveries every chance to (wrongly) add a message
    assert len(welcome_messages(api, person)) == 1
    assert db(stack, "notifications")["messages"].count_documents(
        {"event_id": row["_id"], "resident_id": person["id"]}) == 1


def test_a_handler_that_keeps_failing_ends_on_the_dead_letter_queue(stack, api):
    stack.start_module("faulty", "tests.integration.faulty_service")
    try:
        with Connection(stack.amqp_uri) as connection:
            def consumer_ready():
                try:
                    _, _, consumers = connection.default_channel.queue_declare(
                        FAULTY_QUEUE, passive=True)
                    return consumers > 0
                except Exception:
                    connection.close()
                    connection.connect()
                    return False
            eventually(consumer_ready, seconds=30)
            community = api.community()
            person = api.resident(community["id"])

            def dead_letter():
                queue = dead_letter_queue(FAULTY_QUEUE)(connection.default_channel)
                queue.declare()
                message = queue.get(no_ack=False)
                while message is not None:
                    body = json.loads(message.body)
                    if body["data"]["resident_id"] == person["id"]:
                        message.ack()
                        return message
                    message.ack()
                    message = queue.get(no_ack=False)
                return None

            message = eventually(dead_letter, seconds=30)
        assert int(message.headers["x-linli-attempt"]) == 4  # three attempts were made
        assert "cannot handle" in message.headers["x-linli-error"]
        # the healthy handler of the same event was not disturbed
        assert len(eventually(lambda: welcome_messages(api, person))) == 1
    finally:
        stack.stop("faulty")


def test_an_event_committed_before_a_crash_is_published_after_restart(stack, api):
    community = api.community()
    stack.stop("residents")
    stack.start_service("residents", LINLI_OUTBOX_RELAY="off")
    stack.wait_ready()
    person = api.resident(community["id"])
    outbox = db(stack, "residents")["outbox"]
    row = outbox.find_one({"type": WELCOME, "envelope.data.resident_id": person["id"]})
    assert row["state"] == "pending"  # committed with the resident, not yet published
    time.sleep(1.5)
    assert welcome_messages(api, person) == []

    stack.stop("residents", sig=signal.SIGKILL)  # the crash
    stack.start_service("residents")
    stack.wait_ready()
    messages = eventually(lambda: welcome_messages(api, person), seconds=30)
    time.sleep(2)
    assert len(welcome_messages(api, person)) == len(messages) == 1
    assert outbox.find_one({"_id": row["_id"]})["state"] == "sent"


def test_readyz_names_a_stopped_service_and_recovers(stack, api):
    stack.stop("residents")
    try:
        answer = requests.get(stack.url + "/readyz", timeout=10)
        assert answer.status_code == 503
        error = answer.json()["error"]
        assert error["details"]["residents"] == "down" and "residents" in error["message"]
        assert error["details"]["database"] == "ok"
    finally:
        stack.start_service("residents")
    stack.wait_ready()
    assert requests.get(stack.url + "/readyz", timeout=10).status_code == 200


def run_dlq(stack, *args):
    import subprocess
    import sys

    from shared import devstack
    result = subprocess.run([sys.executable, "-m", "shared.dlq", *args], capture_output=True,
                            text=True, timeout=60, env=devstack.base_env(**stack.env),
                            cwd=devstack.ROOT)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_operators_list_and_replay_dead_letters(stack, api):
    dead = f"{FAULTY_QUEUE}.dead"
    stack.start_module("faulty", "tests.integration.faulty_service")
    with Connection(stack.amqp_uri) as connection:
        def depth(name):
            return connection.default_channel.queue_declare(name, passive=True)[1]

        def consumers(name):
            try:
                return connection.default_channel.queue_declare(name, passive=True)[2]
            except Exception:
                connection.close()
                connection.connect()
                return 0
        try:
            eventually(lambda: consumers(FAULTY_QUEUE) > 0, seconds=30)
            api.resident(api.community()["id"])
            eventually(lambda: depth(dead) >= 1, seconds=30)
        finally:
            stack.stop("faulty")
        listed = run_dlq(stack, "list")
        assert dead in listed
        shown = [json.loads(line) for line in run_dlq(stack, "show", dead).splitlines()]
        assert shown and shown[0]["type"] == WELCOME and "cannot handle" in shown[0]["error"]
        waiting = depth(dead)
        assert depth(dead) == waiting  # showing kept them on the queue
        assert f"replayed {waiting} from {dead}" in run_dlq(stack, "replay", dead)
        assert depth(dead) == 0
        assert depth(FAULTY_QUEUE) == waiting  # back with the handler, which is stopped
        connection.default_channel.queue_purge(FAULTY_QUEUE)
