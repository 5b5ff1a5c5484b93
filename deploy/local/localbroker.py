"""Which RabbitMQ vhost `make run` uses, so two Linli systems on one machine never
answer each other's RPCs (a token of one refused by the other, a community of one
unknown to the other).

- ``AMQP_URI`` names a vhost: that one, as given.
- Otherwise, when this machine's ``rabbitmqctl`` manages the broker: a vhost of this
  checkout, ``linli-<hash of the checkout path>``, created (idempotently) on start.
- Otherwise the broker's default vhost.
In every case `make run` refuses to start when another Linli already answers there
(the ``rpc-residents`` queue has consumers), and prints the vhost it uses."""
import hashlib
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit, urlunsplit

LOCAL_HOSTS = {"127.0.0.1", "localhost", "::1", ""}
PROBE_QUEUE = "rpc-residents"


@dataclass(frozen=True)
class BrokerPlan:
    amqp_uri: str
    vhost: str
    create: bool   # make run creates the vhost (and grants the URI's user) with rabbitmqctl
    why: str


def checkout_vhost(root: Path) -> str:
    return "linli-" + hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:10]


def named_vhost(amqp_uri: str) -> str | None:
    """The vhost an AMQP URI names, or None when it names none (the default)."""
    path = urlsplit(amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else None


def with_vhost(amqp_uri: str, vhost: str) -> str:
    parts = urlsplit(amqp_uri)
    return urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))


def plan(amqp_uri: str, root: Path, rabbitmqctl_available: bool) -> BrokerPlan:
    named = named_vhost(amqp_uri)
    if named is not None:
        return BrokerPlan(amqp_uri, named, False, "named in AMQP_URI")
    host = urlsplit(amqp_uri).hostname or ""
    if rabbitmqctl_available and host in LOCAL_HOSTS:
        vhost = checkout_vhost(root)
        return BrokerPlan(with_vhost(amqp_uri, vhost), vhost, True,
                          f"this checkout's own ({Path(root).resolve()})")
    return BrokerPlan(amqp_uri, "/", False,
                      "the broker's default (no rabbitmqctl here to create one; set a vhost "
                      "in AMQP_URI to keep systems apart)")


def refusal(vhost: str, residents_consumers: int) -> str | None:
    """Why `make run` must not start on ``vhost``, or None when it may."""
    if residents_consumers > 0:
        return (f"another Linli already runs on the RabbitMQ vhost '{vhost}' ({PROBE_QUEUE} has "
                f"{residents_consumers} consumer(s)); stop it, or set AMQP_URI to another vhost.")
    return None


# --- what touches the broker ----------------------------------------------------------

def rabbitmqctl_available() -> bool:
    return shutil.which("rabbitmqctl") is not None


def create_vhost(vhost: str, user: str):
    for args in (["add_vhost", vhost], ["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]):
        result = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)
        if result.returncode != 0 and "already exists" not in (result.stdout + result.stderr):
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {result.stderr.strip()[:200]}")


def residents_consumers(amqp_uri: str) -> int:
    from amqp.exceptions import NotFound
    from kombu import Connection

    with Connection(amqp_uri, connect_timeout=5) as connection:
        try:
            return connection.default_channel.queue_declare(PROBE_QUEUE, passive=True)[2]
        except NotFound:
            return 0


def prepare(amqp_uri: str, root: Path) -> BrokerPlan:
    """The plan for this run, with its vhost created; SystemExit when another Linli
    already answers on it."""
    chosen = plan(amqp_uri, root, rabbitmqctl_available())
    if chosen.create:
        try:
            create_vhost(chosen.vhost, urlsplit(chosen.amqp_uri).username or "guest")
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
            raise SystemExit(f"could not create the RabbitMQ vhost '{chosen.vhost}' ({exc}); "
                             "set AMQP_URI to a vhost that exists.")
    problem = refusal(chosen.vhost, residents_consumers(chosen.amqp_uri))
    if problem:
        raise SystemExit(problem)
    return chosen
