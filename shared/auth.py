"""Passwords (argon2id, salted and memory-hard) and tokens (HS256 JWT, expiring).

The residents service issues tokens; the gateway checks them itself, without a call
per request. Only HS256 is accepted, so ``alg: none`` and foreign algorithms fail.
"""
import datetime as dt
import functools
import os
from dataclasses import dataclass

import eventlet.patcher
import eventlet.semaphore
import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from eventlet import tpool

from shared import clock
from shared.config import settings
from shared.errors import Forbidden, Unauthorized

ROLES = ("resident", "staff", "admin")
_ALGORITHM = "HS256"
# Actor assertions on RPC calls: a bearer token has no audience, an assertion this one,
# so neither passes for the other. An RPC is answered within seconds (the gateway
# gives up after LINLI_RPC_TIMEOUT); a minute covers a queue and clock skew.
RPC_AUDIENCE = "linli-rpc"
ASSERTION_TTL_SECONDS = 60
CLOCK_SKEW_SECONDS = 30


class _Verified:
    """Bearer tokens and assertions this process has verified, each kept until the
    instant it stops being valid. Verifying is a function of the text, the key and the
    time alone, so a token seen before skips the HMAC and the claims checks (9 % of a
    gateway worker's CPU on GET /me, ``py-spy --gil``); past that instant the entry is
    dropped and the token verified again, which refuses it. Only successes are kept,
    under the key that verified them."""
    LIMIT = 50_000  # a busy day's signed-in residents; when full it starts again

    def __init__(self):
        self._seen: dict[tuple, tuple] = {}

    def get(self, kind: str, what):
        key = (kind, settings().secret, what)
        hit = self._seen.get(key)
        if hit is None:
            return None
        found, until = hit
        if clock.now().timestamp() >= until:
            self._seen.pop(key, None)
            return None
        return found

    def keep(self, kind: str, what, found, until: float):
        if len(self._seen) >= self.LIMIT:
            self._seen.clear()
        self._seen[(kind, settings().secret, what)] = (found, until)


_verified = _Verified()


# Argon2id parameters by LINLI_ARGON2_PROFILE. The default is OWASP's first choice
# (Password Storage Cheat Sheet: m=19 MiB, t=2, p=1): about 23 ms of CPU a hash on this
# 2-core machine, so a burst of 64 sign-ins costs ~1.5 s of CPU. argon2-cffi's own
# default is RFC 9106's second recommendation (RFC_9106_LOW_MEMORY: m=64 MiB, t=3,
# p=4), ~210 ms of CPU a hash here; choose it with ``rfc9106-low-memory`` on more cores.
# Hashes carry their parameters, so every profile verifies every stored hash.
_PROFILES = {
    "default": dict(time_cost=2, memory_cost=19 * 1024, parallelism=1),
    "rfc9106-low-memory": dict(time_cost=3, memory_cost=64 * 1024, parallelism=4),
    # The test suite registers hundreds of accounts; keep argon2id, cheaper params.
    "test": dict(time_cost=1, memory_cost=8 * 1024, parallelism=1),
}


@functools.lru_cache(maxsize=None)
def _hasher_for(profile: str) -> PasswordHasher:
    return PasswordHasher(**_PROFILES.get(profile, _PROFILES["default"]))


def _hasher() -> PasswordHasher:
    return _hasher_for(settings().argon2_profile)


def argon2_threads() -> int:
    """LINLI_ARGON2_THREADS: hashes computed at once per process (default: the CPU
    count). Each holds its memory_cost, so this also bounds the memory of a burst."""
    return max(1, settings().argon2_threads or os.cpu_count() or 1)


def _on_eventlet_loop() -> bool:
    return eventlet.patcher.is_monkey_patched("thread")


@functools.lru_cache(maxsize=None)
def _hashing_slots() -> eventlet.semaphore.Semaphore:
    # as many native threads as hashes at once: each thread's malloc arena keeps the
    # memory of the hashes it ran (eventlet's default of 20 threads let the residents
    # service grow to ~185 MiB under a sign-up burst)
    tpool.set_num_threads(argon2_threads())
    return eventlet.semaphore.Semaphore(argon2_threads())


def _off_the_loop(work, *args):
    """Argon2 is CPU-bound for tens of milliseconds: on an eventlet loop (a nameko
    service) run it in a native thread (argon2-cffi releases the GIL) so every other
    call of the process keeps being answered; elsewhere call it directly."""
    if not _on_eventlet_loop():
        return work(*args)
    with _hashing_slots():
        return tpool.execute(work, *args)


def hash_password(password: str) -> str:
    return _off_the_loop(_hasher().hash, password)


def password_matches(password_hash: str, password: str) -> bool:
    try:
        return _off_the_loop(_hasher().verify, password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def password_needs_rehash(password_hash: str) -> bool:
    """True when a stored hash was made with other parameters than today's profile."""
    try:
        return _hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@dataclass(frozen=True)
class Actor:
    """Who is calling. The gateway sends it to services as a signed, short-lived
    assertion (``assertion()``), and every service verifies it (``Actor.of``): a client
    of the broker cannot make itself an admin by sending ``{"role": "admin"}``."""
    id: str
    role: str
    community_id: str | None = None

    @classmethod
    def of(cls, assertion: str | None) -> "Actor":
        """The caller of an RPC, from the signed assertion it carries; 401 otherwise."""
        if not assertion:
            raise Unauthorized("authentication required", code="unauthenticated")
        if not isinstance(assertion, str):
            raise Unauthorized("the caller is not signed", code="invalid_token")
        known = _verified.get("assertion", assertion)
        if known is not None:
            return known
        try:
            claims = jwt.decode(assertion, settings().secret, algorithms=[_ALGORITHM],
                                issuer="linli", audience=RPC_AUDIENCE, leeway=CLOCK_SKEW_SECONDS,
                                options={"require": ["exp", "sub", "role", "aud"]})
        except jwt.PyJWTError as exc:
            raise Unauthorized("the caller's assertion is not valid", code="invalid_token") from exc
        if claims["role"] not in ROLES:
            raise Unauthorized("the caller's assertion is not valid", code="invalid_token")
        actor = cls(id=claims["sub"], role=claims["role"], community_id=claims.get("cid"))
        _verified.keep("assertion", assertion, actor, claims["exp"] + CLOCK_SKEW_SECONDS)
        return actor

    def assertion(self) -> str:
        """This actor, signed for ``ASSERTION_TTL_SECONDS``, to send along an RPC call.
        One signature serves the actor's calls for the first half of its life (so the
        services, which keep what they verified, check it once), then a new one."""
        kept = _verified.get("signed", self)
        if kept is not None:
            return kept
        now = int(clock.now().timestamp())
        signed = jwt.encode({
            "sub": self.id, "role": self.role, "cid": self.community_id, "iss": "linli",
            "aud": RPC_AUDIENCE, "iat": now, "exp": now + ASSERTION_TTL_SECONDS,
        }, settings().secret, algorithm=_ALGORITHM)
        _verified.keep("signed", self, signed, now + ASSERTION_TTL_SECONDS / 2)
        return signed

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

    # -- the checks every entrypoint makes (403 with one sentence) ----------------------
    def require_staff(self) -> "Actor":
        """Staff of some community, or an admin."""
        if not (self.is_staff or self.is_admin):
            raise Forbidden("staff or admin only")
        return self

    def require_manager(self, community_id: str | None, what: str = "") -> "Actor":
        """Staff of ``community_id``, or an admin; ``what`` says what was refused."""
        if not self.manages(community_id):
            raise Forbidden(what or "staff of this community only")
        return self

    def require_admin(self) -> "Actor":
        if not self.is_admin:
            raise Forbidden("admin only")
        return self

    def require_self_or_manager(self, resident_id: str, community_id: str | None,
                                what: str = "") -> "Actor":
        """The resident themselves, or staff of their community, or an admin."""
        if resident_id != self.id and not self.manages(community_id):
            raise Forbidden(what or "not yours")
        return self

    def in_community(self, community_id: str | None) -> str | None:
        """The community a list is for: the caller's own when none is named; another
        one only for an admin."""
        wanted = community_id or self.community_id
        if wanted != self.community_id and not self.is_admin:
            raise Forbidden("another community's")
        return wanted

    @property
    def scope(self) -> str | None:
        """The community a sweep run by this caller covers (None: every community)."""
        return None if self.is_admin else self.community_id


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
    known = _verified.get("token", token)
    if known is not None:
        return known
    try:
        claims = jwt.decode(token, settings().secret, algorithms=[_ALGORITHM], issuer="linli",
                            options={"require": ["exp", "sub", "role", "iat"]})
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized("token expired", code="token_expired") from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized("invalid token", code="invalid_token") from exc
    if claims["role"] not in ROLES:
        raise Unauthorized("invalid token", code="invalid_token")
    actor = Actor(id=claims["sub"], role=claims["role"], community_id=claims.get("cid"))
    _verified.keep("token", token, actor, claims["exp"])
    return actor
