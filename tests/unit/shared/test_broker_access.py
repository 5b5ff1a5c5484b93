"""Each Linli process has its own broker user, allowed only its own exchanges and queues.

The queue and exchange names are taken from the services' code (their RpcProxy
dependencies and event handlers, named the way nameko names them), then matched
against the permission regexes the way RabbitMQ does (a full match of the name)."""
import importlib
import inspect
import re
import uuid

import pytest
from nameko.events import EventHandler
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR
from nameko.rpc import RPC_QUEUE_TEMPLATE, RPC_REPLY_QUEUE_TEMPLATE, RpcProxy

from shared import brokeraccess
from shared.brokeraccess import GATEWAY, PROCESSES, permissions, topic_permissions
from shared.devstack import SERVICES, available_services
from shared.events import dead_letter_queue, retry_queue


def service_class(name):
    module = importlib.import_module(f"services.{name}.service")
    return next(c for _, c in inspect.getmembers(module, inspect.isclass)
                if getattr(c, "name", None) == name and c.__module__ == module.__name__)


def declared(name) -> dict:
    """What the service's code declares and uses on the broker."""
    cls = service_class(name)
    calls, handlers = set(), []
    for method, attr in inspect.getmembers(cls):
        if isinstance(attr, RpcProxy):
            calls.add(attr.target_service)
        for entrypoint in getattr(attr, ENTRYPOINT_EXTENSIONS_ATTR, ()):
            if isinstance(entrypoint, EventHandler):
                queue = f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{name}.{method}"
                handlers.append((entrypoint.source_service, entrypoint.event_type, queue))
    reply = RPC_REPLY_QUEUE_TEMPLATE.format(name, uuid.uuid4())
    standalone = RPC_REPLY_QUEUE_TEMPLATE.format("standalone_rpc_proxy", uuid.uuid4())
    queues = [RPC_QUEUE_TEMPLATE.format(name), reply, standalone]
    for _, _, queue in handlers:
        queues += [queue, retry_queue(queue, 1).name, retry_queue(queue, 11).name,
                   dead_letter_queue(queue).name]
    return {"calls": calls, "handlers": handlers, "queues": queues,
            "sources": {source for source, _, _ in handlers}}


def allowed(regex: str, name: str) -> bool:
    return re.fullmatch(regex, name) is not None


@pytest.fixture(scope="module")
def code():
    return {name: declared(name) for name in available_services()}


def test_the_static_tables_match_what_the_code_declares(code):
    for name, found in code.items():
        assert set(brokeraccess.CALLS[name]) == found["calls"], name
        assert set(brokeraccess.LISTENS_TO[name]) == found["sources"], name
    assert code["notifications"]["handlers"], "the derivation found no handlers at all"


def test_every_process_has_its_own_user_and_password_variable():
    users = {brokeraccess.user_name(p) for p in PROCESSES}
    variables = {brokeraccess.password_variable(p) for p in PROCESSES}
    assert len(users) == len(variables) == len(SERVICES) + 1
    assert "guest" not in users


def test_a_service_may_use_its_own_queues_and_exchanges(code):
    for name, found in code.items():
        grant = permissions(name)
        for queue in found["queues"]:
            for kind in ("configure", "write", "read"):
                assert allowed(grant[kind], queue), (name, kind, queue)
        for exchange in ("nameko-rpc", f"{name}.events"):
            assert allowed(grant["configure"], exchange) and allowed(grant["write"], exchange)
        assert allowed(grant["write"], "amq.default")  # retries and dead letters
        for source in found["sources"]:
            assert allowed(grant["read"], f"{source}.events")
            assert allowed(grant["configure"], f"{source}.events")


def test_a_service_may_not_touch_another_services_queues_or_publish_its_events(code):
    for name in code:
        grant = permissions(name)
        for other, found in code.items():
            if other == name:
                continue
            for queue in found["queues"]:
                if "standalone_rpc_proxy" in queue:
                    continue  # the shared prefix nameko gives every standalone proxy
                for kind in ("configure", "write", "read"):
                    assert not allowed(grant[kind], queue), (name, kind, queue)
            assert not allowed(grant["write"], f"{other}.events"), (name, other)
            if other not in code[name]["sources"]:
                assert not allowed(grant["read"], f"{other}.events"), (name, other)
                assert not allowed(grant["configure"], f"{other}.events"), (name, other)


def test_the_gateway_may_call_services_but_not_consume_their_queues_or_publish_events(code):
    grant = permissions(GATEWAY)
    gateway_reply = RPC_REPLY_QUEUE_TEMPLATE.format("standalone_rpc_proxy", uuid.uuid4())
    assert all(allowed(grant[k], gateway_reply) for k in ("configure", "write", "read"))
    assert allowed(grant["write"], "nameko-rpc")
    for name, found in code.items():
        for queue in found["queues"]:
            if "standalone_rpc_proxy" not in queue:
                assert not any(allowed(grant[k], queue) for k in ("configure", "write", "read")), queue
        assert not allowed(grant["write"], f"{name}.events")
    assert not allowed(grant["write"], "amq.default")


def test_rpc_routing_keys_limit_whom_a_service_may_call(code):
    for name, found in code.items():
        rpc = next(r for r in topic_permissions(name) if r["exchange"] == "nameko-rpc")
        for callee in found["calls"] | {name}:
            assert allowed(rpc["write"], f"{callee}.ping")
        assert allowed(rpc["write"], str(uuid.uuid4())), "replies go to the caller's uuid"
        assert allowed(rpc["read"], f"{name}.*") and allowed(rpc["read"], str(uuid.uuid4()))
        for other in set(code) - found["calls"] - {name}:
            assert not allowed(rpc["write"], f"{other}.run_job"), (name, other)
            assert not allowed(rpc["read"], f"{other}.*"), (name, other)
    gateway = topic_permissions(GATEWAY)[0]
    assert all(allowed(gateway["write"], f"{name}.ping") for name in code)


def test_event_routing_keys_are_the_services_own_types(code):
    for name, found in code.items():
        rules = {r["exchange"]: r for r in topic_permissions(name)}
        assert allowed(rules[f"{name}.events"]["write"], f"{name}.something_happened")
        for source, event_type, _ in found["handlers"]:
            assert allowed(rules[f"{source}.events"]["read"], event_type)
            assert not allowed(rules[f"{source}.events"]["write"], event_type)


def test_the_definitions_hold_hashes_not_passwords():
    passwords = {p: f"pw-{p}-{uuid.uuid4().hex}" for p in PROCESSES}
    document = brokeraccess.definitions(passwords, ("ops", "ops-pass-123"))
    text = str(document)
    assert not any(pw in text for pw in passwords.values()) and "ops-pass-123" not in text
    assert {u["name"] for u in document["users"]} == {"ops", *map(brokeraccess.user_name, PROCESSES)}
    by_user = {g["user"]: g for g in document["permissions"]}
    assert by_user["linli-canteen"]["configure"] == permissions("canteen")["configure"]
    assert by_user["ops"]["configure"] == ".*"


def test_the_password_hash_is_rabbitmqs_salted_sha256():
    import base64
    import hashlib
    salt = b"\x90\x8d\xc6\x0a"
    digest = base64.b64decode(brokeraccess.password_hash("test12", salt))
    assert digest[:4] == salt and digest[4:] == hashlib.sha256(salt + b"test12").digest()
