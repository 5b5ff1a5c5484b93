"""Faults with real processes: the broker restarted, the database killed, a service
killed or stopped mid-stream. Every booking the gateway answered 201 exists exactly once
with its event and inbox message; during an outage the answer is 503, never a hang or a
500; everything reconnects by itself.

These tests run on a private RabbitMQ node (its own port and data) so that restarting
it disturbs nothing else, and on their own stack, with quorum event queues."""
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from shared import devstack
from tests.conftest import Api, Stack
from tests.streams import BookingStream, assert_nothing_lost_or_doubled, canteen_world



class PrivateBroker:
    """A RabbitMQ node of our own, started with Debian's rabbitmq-server."""

    def __init__(self):
        assert shutil.which("rabbitmq-server"), "fault tests need rabbitmq-server (make test installs it)"
        self.port = devstack.free_port()
        run = uuid.uuid4().hex[:8]
        self.node = f"linli-faults-{run}@localhost"  # unique: two runs never share a node
        self.home = Path(f"/tmp/linli-rabbit-{run}")
        self.home.mkdir()
        (self.home / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\nloopback_users = none\n")
        subprocess.run(["chown", "-R", "rabbitmq:rabbitmq", str(self.home)], check=False)
        self.env = {**os.environ,
                    "RABBITMQ_CONFIG_FILE": str(self.home / "rabbitmq.conf"),
                    "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
                    "RABBITMQ_DIST_PORT": str(devstack.free_port()),
                    "RABBITMQ_MNESIA_BASE": str(self.home / "mnesia"),
                    "RABBITMQ_LOG_BASE": str(self.home / "log"),
                    "RABBITMQ_PID_FILE": str(self.home / "pid"),
                    "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.home / "plugins"),
                    "RABBITMQ_ENABLED_PLUGINS": "none"}
        subprocess.run(["rabbitmq-server", "-detached"], env=self.env, check=True, timeout=60)
        assert devstack.wait_for_port("127.0.0.1", self.port, 90), "private RabbitMQ did not start"
        self.uri = f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def ctl(self, *args):
        subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self.env, check=True,
                       capture_output=True, timeout=120)

    def close(self):
        subprocess.run(["rabbitmqctl", "-n", self.node, "stop"], env=self.env, capture_output=True,
                       timeout=120)
        shutil.rmtree(self.home, ignore_errors=True)


@pytest.fixture(scope="module")
def world():
    broker = PrivateBroker()
    stack = None
    try:
        # on its own broker, the event queues are quorum queues: the faults below also
        # prove that configuration (LINLI_QUORUM_QUEUES) through a broker restart
        stack = Stack(amqp_uri=broker.uri, services=["residents", "notifications", "canteen"],
                      extra_env={"LINLI_QUORUM_QUEUES": "1"})
        api = Api(stack)
        world = canteen_world(api)
        yield {"broker": broker, "stack": stack, **world}
    finally:
        if stack:
            stack.close()
        broker.close()


def test_the_event_queues_are_quorum_queues(world):
    from kombu import Connection
    queue = "evt-canteen-canteen.booking_created--notifications.on_canteen_booking_created"
    with Connection(world["broker"].uri) as connection:
        channel = connection.channel()
        # a passive declare with a different type is refused: so this checks the type
        channel.queue_declare(queue, durable=True, auto_delete=False,
                              arguments={"x-queue-type": "quorum"})


def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(world):
    with BookingStream(world) as stream:
        time.sleep(3)
        world["broker"].ctl("stop_app")
        time.sleep(6)
        world["broker"].ctl("start_app")
        time.sleep(8)
    statuses = stream.statuses()
    assert 503 in statuses  # the outage was seen, and answered 503
    assert statuses[-5:] == [201] * 5  # and the system came back by itself
    assert_nothing_lost_or_doubled(world, stream)


def test_a_killed_database_restarted_mid_stream_loses_and_doubles_nothing(world):
    stack = world["stack"]
    with BookingStream(world) as stream:
        time.sleep(3)
        stack.stop_mongo(sig=signal.SIGKILL)
        time.sleep(5)
        stack.start_mongo()
        time.sleep(10)
    statuses = stream.statuses()
    assert 503 in statuses
    assert statuses[-5:] == [201] * 5
    assert_nothing_lost_or_doubled(world, stream)


def test_notifications_killed_while_handling_events_handles_each_once(world):
    stack = world["stack"]
    with BookingStream(world) as stream:
        time.sleep(2)
        stack.stop("notifications", sig=signal.SIGKILL)
        time.sleep(3)
        stack.start_service("notifications")
        time.sleep(4)
    assert set(stream.statuses()) == {201}
    assert_nothing_lost_or_doubled(world, stream)


def test_sigterm_lets_a_service_finish_its_work_and_exit(world):
    stack = world["stack"]
    with BookingStream(world) as stream:
        time.sleep(2)
        process = stack.processes["canteen"]
        started = time.monotonic()
        stack.stop("canteen", sig=signal.SIGTERM, wait=25)
        stopped_in = time.monotonic() - started
        assert process.returncode is not None and stopped_in < 25
        time.sleep(2)
        stack.start_service("canteen")
        stack.wait_ready()
        time.sleep(3)
    assert_nothing_lost_or_doubled(world, stream)
