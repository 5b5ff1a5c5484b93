"""Who may do what on the broker: one RabbitMQ user per Linli process, allowed only
the exchanges and queues that process declares, consumes or publishes to.

Names come from nameko 2.14 and shared/events.py:
- RPC: the topic exchange ``nameko-rpc``; a service consumes ``rpc-<service>`` (bound
  with ``<service>.*``); a caller's replies come back on ``rpc.reply-<caller>-<uuid>``
  (bound with the uuid; ``standalone_rpc_proxy`` for the gateway's pool and the
  healthcheck); a reply is published to ``nameko-rpc`` with that uuid as routing key.
- Events: ``<source>.events`` topic exchanges (routing key: the event type); a handler
  consumes ``evt-<source>-<type>--<service>.<method>``, its retries wait on
  ``<queue>.retry.<n>`` and dead letters on ``<queue>.dead``, both reached through the
  default exchange (``amq.default``).

Vhost permissions (configure, write, read) limit the exchanges and queues; topic
permissions limit routing keys on the topic exchanges: which services a process may
call over RPC, and which event types it may publish or bind to.

What nameko does not let us close: publishing to a queue through the default exchange
needs write on ``amq.default`` for every queue name (the retry queues use it), and
the standalone reply queues of the healthcheck and the gateway share one name prefix.

    python -m shared.brokeraccess users-file PATH   # users + permissions for a definitions dir
"""
import base64
import hashlib
import json
import os
import re
import secrets
import sys

from shared.config import SERVICES, load_settings

GATEWAY = "gateway"
PROCESSES = (*SERVICES, GATEWAY)
RPC_EXCHANGE = "nameko-rpc"
DEFAULT_EXCHANGE = "amq.default"
STANDALONE = "standalone_rpc_proxy"
UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
NAME = "[a-z][a-z0-9_]*"
# Whom each service calls over RPC and whose events it handles. A unit test compares
# these with the RpcProxy dependencies and @handles entrypoints in services/*/service.py.
CALLS = {"residents": (), "canteen": ("residents",), "library": ("residents",),
         "volunteer": ("residents",), "notifications": ("residents",), "facilities": ("residents",),
         "needs": ("residents", "volunteer"), "directory": ("residents",),
         "activities": ("residents",)}
LISTENS_TO = {"residents": (), "canteen": ("residents",), "library": (),
              "volunteer": ("needs", "activities"),
              "notifications": ("residents", "canteen", "library", "volunteer", "facilities",
                                "needs", "directory", "activities"),
              "facilities": (), "needs": ("volunteer",), "directory": (),
              "activities": ("residents",)}


def user_name(process: str) -> str:
    return f"linli-{process}"


def password_variable(process: str) -> str:
    """The environment variable (and Secret key) holding the process's broker password."""
    return f"LINLI_AMQP_PASSWORD_{process.upper()}"


def _alternatives(*patterns: str) -> str:
    return "^(" + "|".join(patterns) + ")$"


def _queues(service: str) -> list[str]:
    s = re.escape(service)
    return [f"rpc-{s}", rf"rpc\.reply-({s}|{STANDALONE})-{UUID}",
            rf"evt-{NAME}-{NAME}\.{NAME}--{s}\.[A-Za-z0-9_]+(\.retry\.[0-9]+|\.dead)?"]


def _events(service: str) -> str:
    return re.escape(f"{service}.events")


def permissions(process: str) -> dict:
    """Vhost permissions of ``process``: regexes on exchange and queue names."""
    if process == GATEWAY:
        replies = rf"rpc\.reply-{STANDALONE}-{UUID}"
        every = _alternatives(re.escape(RPC_EXCHANGE), replies)
        return {"configure": every, "write": every, "read": every}
    queues = _queues(process)
    sources = [_events(source) for source in LISTENS_TO[process]]
    rpc = re.escape(RPC_EXCHANGE)
    return {
        # declaring a handler's queue also declares its source's exchange (kombu)
        "configure": _alternatives(rpc, _events(process), *sources, *queues),
        # publish: RPC requests and replies, own events, retries and dead letters via the
        # default exchange; queue.bind needs write on the queue
        "write": _alternatives(rpc, _events(process), re.escape(DEFAULT_EXCHANGE), *queues),
        # consume own queues; queue.bind needs read on the exchange bound from
        "read": _alternatives(rpc, *sources, *queues),
    }


def topic_permissions(process: str) -> list[dict]:
    """Routing keys ``process`` may publish (write) or bind (read) on each topic exchange."""
    if process == GATEWAY:
        return [{"exchange": RPC_EXCHANGE, "write": _alternatives(f"{NAME}\\.{NAME}"),
                 "read": _alternatives(UUID)}]
    callees = [*CALLS[process], process]  # itself: the healthcheck's ping
    calls = [rf"{re.escape(callee)}\.{NAME}" for callee in callees]
    rules = [{"exchange": RPC_EXCHANGE, "write": _alternatives(UUID, *calls),
              "read": _alternatives(rf"{re.escape(process)}\.\*", UUID)},
             {"exchange": f"{process}.events",
              "write": _alternatives(rf"{re.escape(process)}\.{NAME}"), "read": "^$"}]
    for source in LISTENS_TO[process]:
        rules.append({"exchange": f"{source}.events", "write": "^$",
                      "read": _alternatives(rf"{re.escape(source)}\.{NAME}")})
    return rules


def password_hash(password: str, salt: bytes | None = None) -> str:
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password))."""
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(passwords: dict[str, str], admin: tuple[str, str] | None = None,
                vhost: str = "/") -> dict:
    """Users, permissions and topic permissions for a RabbitMQ definitions import; the
    passwords stored as salted hashes."""
    users, grants, topics = [], [], []
    if admin:
        users.append({"name": admin[0], "password_hash": password_hash(admin[1]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256",
                      "tags": "administrator"})
        grants.append({"user": admin[0], "vhost": vhost, "configure": ".*", "write": ".*",
                       "read": ".*"})
    for process in PROCESSES:
        name = user_name(process)
        users.append({"name": name, "password_hash": password_hash(passwords[process]),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": ""})
        grants.append({"user": name, "vhost": vhost, **permissions(process)})
        topics.extend({"user": name, "vhost": vhost, **rule} for rule in topic_permissions(process))
    return {"vhosts": [{"name": vhost}], "users": users, "permissions": grants,
            "topic_permissions": topics}


def passwords_from_env(environ=None) -> dict[str, str]:
    given = dict(load_settings(os.environ if environ is None else environ).broker_passwords)
    missing = [password_variable(p) for p in PROCESSES if not given.get(p)]
    if missing:
        raise SystemExit(f"set {', '.join(missing)}: each Linli process has its own broker user")
    return {p: given[p] for p in PROCESSES}


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "users-file":
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    configured = load_settings(os.environ)
    admin_user, admin_pass = configured.broker_admin_user, configured.broker_admin_password
    if not admin_user or not admin_pass:
        print("set RABBITMQ_DEFAULT_USER and RABBITMQ_DEFAULT_PASS (the operators' user)", file=sys.stderr)
        return 2
    document = definitions(passwords_from_env(), (admin_user, admin_pass))
    with open(argv[1], "w", encoding="utf-8") as out:
        json.dump(document, out)
    print(f"{len(document['users'])} broker users written to {argv[1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
