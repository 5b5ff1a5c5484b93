"""Error types that map one-to-one to the contract's HTTP statuses.

They travel over nameko RPC intact: each class is registered with
``deserialize_to_instance`` so the gateway receives the same type, code, message
and details that the service raised, and turns them into
``{"error": {"code", "message", "details"}}`` in one place.
"""
from nameko.exceptions import deserialize_to_instance


class LinliError(Exception):
    status = 500
    default_code = "internal_error"

    def __init__(self, message="", code=None, details=None):
        self.message = message or self.default_code.replace("_", " ")
        self.code = code or self.default_code
        self.details = details or {}
        super().__init__(self.message, self.code, self.details)

    def to_dict(self):
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


def _registered(cls):
    return deserialize_to_instance(cls)


@_registered
class BadRequest(LinliError):
    status, default_code = 400, "bad_request"


@_registered
class Unauthorized(LinliError):
    status, default_code = 401, "unauthorized"


@_registered
class Forbidden(LinliError):
    status, default_code = 403, "forbidden"


@_registered
class NotFound(LinliError):
    status, default_code = 404, "not_found"


@_registered
class Conflict(LinliError):
    status, default_code = 409, "conflict"


@_registered
class Invalid(LinliError):
    """Well-formed but invalid input; ``details`` is keyed by field."""
    status, default_code = 422, "validation_failed"


@_registered
class TooManyRequests(LinliError):
    status, default_code = 429, "too_many_requests"


@_registered
class Unavailable(LinliError):
    status, default_code = 503, "unavailable"


EXPECTED = (BadRequest, Unauthorized, Forbidden, NotFound, Conflict, Invalid,
            TooManyRequests, Unavailable)


# pymongo's errors for "the database cannot be reached right now", as nameko names them
DATABASE_DOWN = ("ServerSelectionTimeoutError", "AutoReconnect", "NetworkTimeout",
                 "ConnectionFailure", "NotPrimaryError", "WaitQueueTimeoutError")


def database_was_down(remote_error) -> bool:
    """A nameko RemoteError caused (directly or one RPC hop away) by an unreachable
    database: a 503 for the caller, not a 500."""
    text = f"{remote_error.exc_type} {remote_error.value}"
    return any(name in text for name in DATABASE_DOWN)


def found(doc, what: str):
    """``doc``, or 404 "no such <what>" when there is none (get-or-404)."""
    if doc is None:
        raise NotFound(f"no such {what}")
    return doc


def step(transitions: dict, status: str, action: str, refusal: str) -> str:
    """The status ``action`` leads to from ``status`` in a state machine given as
    ``{action: (statuses it is allowed from, status it leads to)}``; otherwise 409
    ``illegal_transition`` saying ``refusal``, with the status and the action."""
    allowed_from, to = transitions[action]
    if status not in allowed_from:
        raise Conflict(refusal, code="illegal_transition",
                       details={"status": status, "action": action})
    return to
