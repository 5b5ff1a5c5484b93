"""The HTTP gateway: HTTP in, validation with the services' schemas, RPC out, errors
mapped to the contract. It holds no domain rules."""
import logging
import re
import time

from flask import Flask, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from services.gateway import errors, idempotency, ops, web
from services.gateway.routes import ROUTES
from shared import logs
from shared.config import settings
from shared.context import new_request_id, set_request_id

log = logging.getLogger("gateway")
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# Everything under /api/v1 needs a token except these; the token is checked before the
# body is validated, so an anonymous caller learns nothing about the input schemas. The
# list of communities is public: somebody registering chooses theirs from it.
PUBLIC = {("POST", "/api/v1/auth/register"), ("POST", "/api/v1/auth/token"),
          ("GET", "/api/v1/communities")}
MAX_BODY_BYTES = 1 * 1024 * 1024


def create_app() -> Flask:
    logs.configure("gateway")
    app = Flask("linli")
    app.config.update(
        API_TITLE="Linli API", API_VERSION="v1", OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/", OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES, JSON_AS_ASCII=False,
        API_SPEC_OPTIONS={
            "info": {"description": "Linli (邻里): canteen, library, volunteer dispatch and "
                                    "notifications for community service centres."},
            "components": {"securitySchemes": {"bearer": {
                "type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
            "security": [{"bearer": []}],
        },
    )
    app.json.ensure_ascii = False
    proxy_hops = settings().proxy_hops
    if proxy_hops:  # behind a load balancer: client addresses come from X-Forwarded-For
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops)
    api = errors.LinliApi(app)
    for blueprint in ROUTES:
        api.register_blueprint(blueprint, url_prefix="/api/v1")
    app.register_blueprint(ops.ops)
    errors.register(app)

    @app.before_request
    def start_request():
        g.started = time.perf_counter()
        sent = request.headers.get("X-Request-Id", "")
        g.request_id = sent if _REQUEST_ID.match(sent) else new_request_id()
        set_request_id(g.request_id)
        if request.path.startswith("/api/") and (request.method, request.path) not in PUBLIC:
            web.caller()  # 401 before anything else
        return idempotency.before_request()

    @app.after_request
    def finish_request(response):
        response = idempotency.after_request(response)
        response.headers["X-Request-Id"] = g.get("request_id") or new_request_id()
        if "started" in g:
            ops.observe(response, g.started)
        return response

    try:
        idempotency.create_indexes()
    except Exception:  # the database may still be starting; /readyz says so
        log.warning("could not create the gateway's indexes yet")
    return app


app = create_app()
