"""Every error leaves the gateway as ``{"error": {"code", "message", "details"}}``."""
import logging

from flask import jsonify
from flask_smorest import Api
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


class LinliApi(Api):
    """flask-smorest's Api with the contract's error shape."""

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
