"""Every error leaves the gateway as ``{"error": {"code", "message", "details"}}``."""
import logging

from apispec import BasePlugin
from flask import jsonify
from flask_smorest import Api
from marshmallow import Schema, fields
from nameko.exceptions import RemoteError

from shared.errors import LinliError, database_was_down

log = logging.getLogger(__name__)

_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large",
               415: "unsupported_media_type", 422: "validation_failed",
               429: "too_many_requests"}


def error_response(status: int, code: str, message: str, details=None):
    response = jsonify({"error": {"code": code, "message": message, "details": details or {}}})
    response.status_code = status
    return response


def _field_errors(messages) -> dict:
    """webargs nests errors by location ({"json": {...}}); the contract keys by field."""
    details = {}
    for location, errors in (messages or {}).items():
        if isinstance(errors, dict):
            details.update({str(k): v for k, v in errors.items()})
        else:
            details[location] = errors
    return details


class ErrorDetail(Schema):
    code = fields.String(required=True, metadata={"example": "slot_full"})
    message = fields.String(required=True)
    details = fields.Dict(required=True, metadata={
        "description": "field errors keyed by field (422), or what the error is about"})


class ContractError(Schema):
    """What every error answer looks like."""
    error = fields.Nested(ErrorDetail, required=True)


REQUEST_ID_HEADER = {"description": "the request id (echoed if the client sent a valid one); "
                                    "the same id is in the logs of every service touched",
                     "required": True, "schema": {"type": "string"}}
IDEMPOTENCY_KEY = {"in": "header", "name": "Idempotency-Key", "required": False,
                   "description": "a retry with the same key by the same caller returns the "
                                  "first response and has no second effect",
                   "schema": {"type": "string", "maxLength": 200}}

# The contract's error answers, each documented once and referenced by every route it
# can come from (see ContractResponses.operation_helper).
ERRORS = {
    400: ("MalformedJson", "the body is not valid JSON (or not UTF-8, or nested too deeply)"),
    401: ("Unauthenticated", "no bearer token, or a bad or expired one"),
    403: ("Forbidden", "a valid token, but the wrong role or not your resource"),
    404: ("NotFound", "no such resource (or not one the caller may know of)"),
    409: ("Conflict", "a conflict with the current state (full, already done, an illegal "
                      "transition, a retry still in progress under this Idempotency-Key)"),
    413: ("PayloadTooLarge", "the body is over 1 MB"),
    422: ("ValidationFailed", "well-formed but invalid: field errors in `details`, keyed by "
                              "field"),
    429: ("TooManyRequests", "throttled: try again later"),
    503: ("Unavailable", "a backing service, the database or the broker is unavailable"),
}
_SMOREST_NAMES = {"UNPROCESSABLE_ENTITY": 422, "DEFAULT_ERROR": None}


def _ref(status: int) -> dict:
    return {"$ref": f"#/components/responses/{ERRORS[status][0]}"}


class ContractResponses(BasePlugin):
    """Documents, once for every route, the error answers the contract gives: 503 on
    every route; 401/403 where a token is required; 404 where the path, body or query
    names a resource; 422 for a malformed path parameter; 400/413/422 where a body is
    read; the Idempotency-Key header (and its 409/422) on every POST; the X-Request-Id
    header on every answer. A route adds its own statuses (409, 422, 429...) with
    ``alt_response``; their bodies are the contract's error shape unless it says
    otherwise."""

    def init_spec(self, spec):
        self.spec = spec
        self.registered = False

    def _register(self):
        if self.registered:
            return
        self.registered = True
        if "ContractError" not in self.spec.components.schemas:
            self.spec.components.schema("ContractError", schema=ContractError)
        for status, (name, description) in ERRORS.items():
            self.spec.components.response(name, {
                "description": description,
                "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/ContractError"}}},
                "headers": {"X-Request-Id": REQUEST_ID_HEADER}})

    def operation_helper(self, path=None, operations=None, **kwargs):
        self._register()
        has_path_params = "{" in (path or "") or "<" in (path or "")
        for method, operation in (operations or {}).items():
            responses = {str(code): response
                         for code, response in operation.get("responses", {}).items()}
            operation["responses"] = responses
            for code, response in list(responses.items()):
                if isinstance(response, str):  # a flask-smorest default by name
                    status = _SMOREST_NAMES.get(response, int(code) if code.isdigit() else None)
                    if status in ERRORS:
                        responses[code] = _ref(status)
                    else:
                        del responses[code]
                elif isinstance(response, dict) and "$ref" not in response:
                    if int(code) >= 400 and "content" not in response:
                        status = int(code)
                        response["content"] = {"application/json": {
                            "schema": {"$ref": "#/components/schemas/ContractError"}}}
                        response.setdefault("description", ERRORS.get(status, ("", ""))[1])
                    response.setdefault("headers", {})["X-Request-Id"] = REQUEST_ID_HEADER
            wanted = [503]
            if operation.get("security") != []:
                wanted += [401, 403]
            if has_path_params:
                wanted += [404, 422]  # no such resource; a malformed date or meal
            if "requestBody" in operation:
                wanted += [400, 413, 422]
            names_something = has_path_params or "requestBody" in operation or any(
                p.get("in") == "query" for p in operation.get("parameters", []))
            if operation.get("security") != [] and names_something:
                wanted.append(404)  # a resource the path, body or query names does not exist
            if method == "post":
                wanted += [409, 422]
                parameters = operation.setdefault("parameters", [])
                if IDEMPOTENCY_KEY not in parameters:
                    parameters.append(dict(IDEMPOTENCY_KEY))
            for status in wanted:
                responses.setdefault(str(status), _ref(status))


class LinliApi(Api):
    """flask-smorest's Api with the contract's error shape, documented per route."""

    ERROR_SCHEMA = ContractError
    DEFAULT_ERROR_RESPONSE_NAME = None

    def _init_spec(self, *, extra_plugins=None, **kwargs):
        super()._init_spec(extra_plugins=[*(extra_plugins or ()), ContractResponses()],
                           **kwargs)

    def handle_http_exception(self, error):
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        if status == 422 and "messages" in data:
            return error_response(422, "validation_failed", "the input is invalid",
                                  _field_errors(data["messages"]))
        if status == 400:
            return error_response(400, "malformed_json", "the body is not valid JSON")
        return error_response(status, _HTTP_CODES.get(status, "error"),
                              error.description or _HTTP_CODES.get(status, "error"))


def register(app):
    @app.errorhandler(LinliError)
    def contract_error(error: LinliError):
        return error_response(error.status, error.code, error.message, error.details)

    @app.errorhandler(RemoteError)
    def remote_error(error: RemoteError):
        if database_was_down(error):
            log.warning("a service cannot reach its database: %s", error.value)
            return error_response(503, "database_unavailable", "the database is unavailable")
        log.error("a service failed: %s %s", error.exc_type, error.value)
        return error_response(500, "internal_error", "something went wrong; it is logged")

    @app.errorhandler(UnicodeDecodeError)
    def bad_encoding(error):
        return error_response(400, "malformed_json", "the body is not valid UTF-8 JSON")

    @app.errorhandler(RecursionError)
    def too_deep(error):
        return error_response(400, "malformed_json", "the body is nested too deeply")
