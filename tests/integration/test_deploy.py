"""What can be checked of the container setup without a Docker engine."""
import subprocess
import sys

import yaml

from shared import devstack


def compose():
    return yaml.safe_load((devstack.ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_service_and_the_gateway_on_real_images():
    services = compose()["services"]
    for name in devstack.available_services():
        command = services[name]["command"]
        assert command[-1] == f"services.{name}.service"
        assert services[name]["healthcheck"]["test"][-1] == name
    assert services["gateway"]["command"][0] == "gunicorn"
    assert services["mongo"]["image"].startswith("mongo:") and "--replSet" in services["mongo"]["command"]
    assert services["rabbitmq"]["image"].endswith("-management")


def test_the_image_healthcheck_command_answers_for_every_service(stack):
    for name in stack.services:
        result = subprocess.run([sys.executable, "-m", "shared.healthcheck", name],
                                env=devstack.base_env(**stack.env), cwd=devstack.ROOT,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr


def test_the_healthcheck_fails_for_a_service_that_is_not_running(stack):
    result = subprocess.run([sys.executable, "-m", "shared.healthcheck", "no_such_service"],
                            env=devstack.base_env(**stack.env), cwd=devstack.ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1


# --- one broker user per process, on the real broker -----------------------------------

def _grant_users(vhost: str) -> dict[str, str]:
    """Create the per-process users of shared.brokeraccess on ``vhost``; their URIs."""
    import uuid

    from shared import brokeraccess

    def ctl(*args):
        result = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
    uris = {}
    for process in brokeraccess.PROCESSES:
        user, password = f"{brokeraccess.user_name(process)}-{vhost}", uuid.uuid4().hex
        ctl("add_user", user, password)
        grant = brokeraccess.permissions(process)
        ctl("set_permissions", "-p", vhost, user, grant["configure"], grant["write"], grant["read"])
        for rule in brokeraccess.topic_permissions(process):
            ctl("set_topic_permissions", "-p", vhost, user, rule["exchange"], rule["write"], rule["read"])
        uris[process] = f"amqp://{user}:{password}@127.0.0.1:5672/{vhost}"
    return uris


def _drop_users(uris):
    from urllib.parse import urlparse
    for uri in uris.values():
        subprocess.run(["rabbitmqctl", "delete_user", urlparse(uri).username],
                       capture_output=True, timeout=60)


def _refused(action) -> bool:
    from amqp.exceptions import AccessRefused
    try:
        action()
    except AccessRefused:
        return True
    return False


def test_each_service_runs_under_its_own_broker_user_and_cannot_use_anothers_queues(stack, api):
    import shutil

    from kombu import Connection, Exchange, Queue

    from shared.events import Publisher, dead_letter_queue, retry_queue
    from tests.helpers import eventually

    # make test runs the local broker; its users are made with rabbitmqctl
    assert stack.vhost and shutil.which("rabbitmqctl"), "needs the local RabbitMQ (make test starts one)"
    uris = _grant_users(stack.vhost)
    try:
        # residents publishes its events and answers RPC; notifications handles events
        # (retries and dead letters included) as their own users; the gateway as its own
        for name in ("residents", "notifications"):
            stack.stop(name)
            stack.start_service(name, AMQP_URI=uris[name])
        stack.stop("gateway")
        stack.env["AMQP_URI"], guest = uris["gateway"], stack.env["AMQP_URI"]
        stack.start_gateway()
        stack.wait_ready()
        person = api.resident(api.community()["id"])
        inbox = eventually(lambda: api.get("/api/v1/notifications", person["token"]).json()["items"])
        assert inbox[0]["category"] == "residents.resident_registered"
        handler = "evt-residents-residents.resident_registered--notifications." \
                  "on_residents_resident_registered"
        failing = Publisher(uris["notifications"])
        failing.send_to_queue({"probe": 1}, retry_queue(handler, 11), {})
        failing.send_to_queue({"probe": 1}, dead_letter_queue(handler), {})
        with Connection(guest) as admin:
            admin.default_channel.queue_purge(f"{handler}.dead")

        with Connection(uris["canteen"]) as canteen:
            channel = canteen.channel()
            assert _refused(lambda: Queue("rpc-library", Exchange("nameko-rpc", "topic", durable=True),
                                          "library.*", durable=True)(channel).declare())
            channel = canteen.channel()
            assert _refused(lambda: Queue(handler, durable=True)(channel).declare())
            channel = canteen.channel()
            assert _refused(lambda: Exchange("library.events", "topic", durable=True)(channel).declare())
        with Connection(uris["canteen"], transport_options={"confirm_publish": True}) as canteen:
            producer = canteen.Producer(exchange=Exchange("nameko-rpc", "topic", durable=True))
            assert _refused(lambda: producer.publish({}, routing_key="library.run_job"))
        with Connection(uris["gateway"]) as gateway:
            channel = gateway.channel()
            assert _refused(lambda: Queue(handler, durable=True)(channel).queue_declare(passive=False))
    finally:
        stack.env["AMQP_URI"] = stack.amqp_uri
        stack.stop("gateway")
        stack.start_gateway()
        for name in ("residents", "notifications"):
            stack.stop(name)
            stack.start_service(name)
        stack.wait_ready()
        _drop_users(uris)


# --- the demo loader of `make run` ----------------------------------------------------

def _seed_module():
    import importlib
    local = str(devstack.ROOT / "deploy" / "local")
    if local not in sys.path:
        sys.path.insert(0, local)
    return importlib.import_module("seed")


VOLATILE = ("outbox", "processed", "idempot", "attempt", "throttle", "signin", "sign_in", "lock")


def _counts(stack) -> dict[str, int]:
    counts = {}
    for service in stack.mongo_uris:
        db = stack.db(service)
        for collection in db.list_collection_names():
            if not any(word in collection for word in VOLATILE):
                counts[f"{db.name}.{collection}"] = db[collection].count_documents({})
    return counts


def test_the_demo_loads_after_readiness_and_a_second_run_adds_nothing(stack, capsys):
    from tests.conftest import ADMIN_PASSWORD, ADMIN_PHONE
    seed = _seed_module()
    logins = seed.seed(stack.url, ADMIN_PHONE, ADMIN_PASSWORD, ready_seconds=60)
    first = _counts(stack)
    assert ("staff", seed.STAFF[0], seed.STAFF[1]) in logins
    output = capsys.readouterr().out
    assert "failed" not in output, output
    assert seed.seed(stack.url, ADMIN_PHONE, ADMIN_PASSWORD, ready_seconds=60) == logins
    assert _counts(stack) == first
    output = capsys.readouterr().out
    assert "failed" not in output and "already loaded" in output, output
    admin = seed.sign_in(stack.url, ADMIN_PHONE, ADMIN_PASSWORD, "the admin")
    api = seed.DemoApi(stack.url, admin)
    named = [c for c in api.get("/communities").json() if c["name"] == seed.DEMO_COMMUNITY]
    assert len(named) == 1
