"""Passwords (argon2id, salted and memory-hard) and tokens (HS256 JWT, expiring).

The residents service issues tokens; the gateway checks them itself, without a call
per request. Only HS256 is accepted, so ``alg: none`` and foreign algorithms fail.
"""
import datetime as dt
from dataclasses import dataclass

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from shared import clock
from shared.config import settings
from shared.errors import Unauthorized

ROLES = ("resident", "staff", "admin")
_ALGORITHM = "HS256"


def _hasher() -> PasswordHasher:
    if settings().argon2_profile == "test":
        # The test suite registers hundreds of accounts; keep argon2id, cheaper params.
        return PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    return PasswordHasher()  # argon2id, 64 MiB, t=3 (RFC 9106 second recommendation)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Actor:
    """Who is calling: carried from the gateway to services as a plain dict."""
    id: str
    role: str
    community_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict | None) -> "Actor":
        if not data:
            raise Unauthorized("authentication required", code="unauthenticated")
        return cls(id=data["id"], role=data["role"], community_id=data.get("community_id"))

    def to_dict(self) -> dict:
        return {"id": self.id, "role": self.role, "community_id": self.community_id}

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_staff(self) -> bool:
        return self.role == "staff"

    def manages(self, community_id: str | None) -> bool:
        """Admins manage every community; staff only their own."""
        return self.is_admin or (self.is_staff and community_id == self.community_id)


def issue_token(actor: Actor, ttl_seconds: int | None = None) -> tuple[str, int]:
    ttl = ttl_seconds or settings().token_ttl_seconds
    now = clock.now()
    claims = {
        "sub": actor.id, "role": actor.role, "cid": actor.community_id,
        "iat": int(now.timestamp()), "exp": int((now + dt.timedelta(seconds=ttl)).timestamp()),
        "iss": "linli",
    }
    return jwt.encode(claims, settings().secret, algorithm=_ALGORITHM), ttl


def check_token(token: str) -> Actor:
    try:
        claims = jwt.decode(token, settings().secret, algorithms=[_ALGORITHM], issuer="linli",
                            options={"require": ["exp", "sub", "role", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if claims["role"] not in ROLES:
        raise Unauthorized("invalid token", code="invalid_token")
    return Actor(id=claims["sub"], role=claims["role"], community_id=claims.get("cid"))
