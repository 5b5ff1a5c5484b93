"""Operations routes: /healthz, /readyz, /metrics, /docs (offline Swagger UI)."""
import time
from concurrent.futures import ThreadPoolExecutor, wait

from flask import Blueprint, Response, jsonify, request, send_from_directory
from prometheus_client import (CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram,
                               generate_latest, multiprocess)
from swagger_ui_bundle import swagger_ui_path

from kombu import Connection

from services.gateway import rpc
from shared import mongo
from shared.config import settings
from shared.config import deployed_services

SERVICES = deployed_services()
READY_TIMEOUT = 2.0

ops = Blueprint("ops", __name__)
_checks = ThreadPoolExecutor(max_workers=8, thread_name_prefix="readyz")

REQUESTS = Counter("linli_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("linli_http_request_seconds", "HTTP request latency", ["method", "route"],
                    buckets=(.002, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10))


def observe(response, started: float):
    route = request.url_rule.rule if request.url_rule else "unmatched"
    REQUESTS.labels(request.method, route, str(response.status_code)).inc()
    LATENCY.labels(request.method, route).observe(time.perf_counter() - started)


@ops.get("/healthz")
def healthz():
    return jsonify({"status": "ok"})


def _database_ok():
    """The gateway's own database (Idempotency-Key records); each service's ping
    reports its own."""
    client = mongo.client(settings().mongo_uri_for("gateway"))
    client.admin.command("ping")
    return True


def _broker_ok():
    with Connection(settings().amqp_uri, connect_timeout=READY_TIMEOUT) as connection:
        connection.ensure_connection(max_retries=1)
    return True


def _service_ok(name):
    answer = rpc.pool().call(name, "ping")
    return bool(answer.get("database"))


@ops.get("/readyz")
def readyz():
    """200 only when the broker, the database and every service answer, within
    ``READY_TIMEOUT`` seconds; otherwise 503 naming what is missing."""
    checks = {"database": _checks.submit(_database_ok), "broker": _checks.submit(_broker_ok)}
    checks.update({name: _checks.submit(_service_ok, name) for name in _running_services()})
    wait(checks.values(), timeout=READY_TIMEOUT)
    status = {}
    for name, future in checks.items():
        try:
            status[name] = "ok" if future.done() and future.result() else "down"
        except Exception:
            status[name] = "down"
    down = sorted(name for name, state in status.items() if state != "ok")
    if down:
        body = {"error": {"code": "not_ready", "message": "not ready: " + ", ".join(down),
                          "details": status}}
        return jsonify(body), 503
    return jsonify({"status": "ready", "checks": status})


def _running_services():
    return deployed_services()


@ops.get("/metrics")
def metrics():
    if settings().prometheus_multiproc_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        from prometheus_client import REGISTRY as registry
    return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Linli API</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#ui"});</script>
</body></html>"""


@ops.get("/docs")
def docs():
    return Response(DOCS_PAGE, mimetype="text/html")


@ops.get("/docs/assets/<path:filename>")
def docs_assets(filename):
    return send_from_directory(str(swagger_ui_path), filename)
