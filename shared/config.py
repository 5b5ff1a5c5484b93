"""Configuration from the environment (the table in README.md), read in one place.

``settings()`` is what every process uses: the values, checked. In production
(``LINLI_ENV=production``) a process refuses to start with a missing, short or
placeholder ``LINLI_SECRET``, or without a real ``LINLI_ADMIN_PASSWORD``: the defaults
and the examples in ``deploy/`` are public, so anyone could sign tokens or sign in as
the admin with them."""
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Mapping
from urllib.parse import unquote, urlsplit

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_ADMIN_PHONE = "13800000000"
DEFAULT_ADMIN_PASSWORD = "linli-admin-2026"  # development only: printed by `make run`
DEV_SECRET = "dev-only-insecure-secret-never-for-production"
ENVIRONMENTS = ("development", "test", "production")
# Every service of the suite, in start order (residents first: the others ask it).
SERVICES = ("residents", "notifications", "canteen", "library", "volunteer", "facilities",
            "needs", "directory", "activities")
# a shared terminal at a busy registration day stays under this many per address and hour
REGISTRATIONS_PER_HOUR = 200
MIN_SECRET_BYTES = 32
# Values published in deploy/env.example and deploy/k8s/overlays/production/
# secrets.env.example (a unit test keeps this list and those files in step), plus the
# development defaults. Anything containing "change-me" counts as a placeholder too.
PLACEHOLDERS = frozenset({
    DEV_SECRET, DEFAULT_ADMIN_PASSWORD,
    "change-me-to-64-random-characters", "change-me-too", "change-me-as-well",
    "CHANGE-ME-token-signing-key-64-random-characters", "CHANGE-ME-admin-password",
    "CHANGE-ME-broker-password",
})


class ConfigError(RuntimeError):
    """A setting that must not be used; the message is one sentence saying which and why."""


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    mongo_uri: str
    http_port: int
    secret: str
    admin_phone: str
    admin_password_setting: str  # read through admin_password, which checks it
    tz: str
    env: str
    rpc_timeout: float
    token_ttl_seconds: int
    argon2_profile: str
    max_workers: int = 20
    amqp_heartbeat: int = 30
    event_max_attempts: int = 12
    event_backoff_ms: int = 1000
    event_backoff_max_ms: int = 300_000
    quorum_queues: bool = False
    rabbitmq_management_url: str = ""
    # MONGO_URI_<SERVICE>: a database server of the service's own (the embedded server
    # of make run and the tests runs one per service); otherwise MONGO_URI
    service_mongo_uris: tuple[tuple[str, str], ...] = ()
    services: tuple[str, ...] = ()  # LINLI_SERVICES: the deployment's services (default: all)
    log_level: str = "INFO"
    mongo_timeout_ms: int = 3000
    query_log: str = ""  # test stacks: a file to which every query's shape is appended
    outbox_relay: bool = True
    outbox_sweep_seconds: float = 1.0
    argon2_threads: int = 0  # 0: the CPU count
    register_limit_per_hour: int = REGISTRATIONS_PER_HOUR
    proxy_hops: int = 0
    prometheus_multiproc_dir: str = ""
    # how often each replica runs its jobs (shared/jobs.py), in seconds
    library_sweep_seconds: float = 60.0
    library_sweep_batch: int = 500
    canteen_sweep_seconds: float = 60.0
    facilities_sweep_seconds: float = 60.0
    volunteer_sla_sweep_seconds: float = 30.0
    push_sweep_seconds: float = 1.0
    needs_sweep_seconds: float = 300.0
    needs_claim_days: float = 14.0  # a claimed wish not fulfilled by then goes back on the wall
    directory_sweep_seconds: float = 3600.0
    activities_offer_sweep_seconds: float = 60.0
    preferences_cache_seconds: float = 5.0
    push_deadline_seconds: float = 10.0
    push_concurrency: int = 50
    # the web frontend (services/web)
    api_url: str = "http://127.0.0.1:8000"
    web_port: int = 8080
    web_api_timeout: float = 10.0
    web_secure_cookies: bool = False
    # where residents' phones reach the web pages: what the library's QR posters encode
    public_web_url: str = "http://127.0.0.1:8080"
    # the processes under gunicorn
    http_host: str = "0.0.0.0"
    gateway_workers: int = 2
    gateway_threads: int = 8
    web_host: str = "0.0.0.0"
    web_workers: int = 2
    web_threads: int = 8
    # the broker's users (shared/brokeraccess.py): the operators' user, and one password
    # per Linli process (LINLI_AMQP_PASSWORD_<PROCESS>)
    broker_admin_user: str = ""
    broker_admin_password: str = ""
    broker_passwords: tuple[tuple[str, str], ...] = ()

    def mongo_uri_for(self, service: str) -> str:
        return dict(self.service_mongo_uris).get(service, self.mongo_uri)

    @property
    def production(self) -> bool:
        return self.env == "production"

    @property
    def admin_password(self) -> str:
        """The bootstrap admin's password. Only the process that creates the admin
        (residents) holds it, so only there does production refuse to start without
        one; a placeholder is refused wherever it is set (``check``)."""
        if self.production and not self.admin_password_setting:
            raise ConfigError("LINLI_ADMIN_PASSWORD must be set in production (the development "
                              "default is public).")
        return self.admin_password_setting


def is_placeholder(value: str) -> bool:
    """A value everyone can read in this repository (or an obvious stand-in for one)."""
    lowered = value.strip().lower()
    return (value.strip() in PLACEHOLDERS or "change-me" in lowered or "changeme" in lowered
            or lowered in {p.lower() for p in PLACEHOLDERS})


def load_settings(environ: Mapping[str, str]) -> Settings:
    """The settings named by ``environ``, unchecked (``check`` says what may not run)."""
    env = environ.get("LINLI_ENV", "development")
    production = env == "production"
    return Settings(
        amqp_uri=environ.get("AMQP_URI", DEFAULT_AMQP_URI),
        mongo_uri=environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
        http_port=int(environ.get("LINLI_HTTP_PORT", "8000")),
        # make run exports a generated secret; the fallback only serves a bare dev process
        secret=environ.get("LINLI_SECRET", "") or ("" if production else DEV_SECRET),
        admin_phone=environ.get("LINLI_ADMIN_PHONE", DEFAULT_ADMIN_PHONE),
        admin_password_setting=environ.get("LINLI_ADMIN_PASSWORD",
                                   "" if production else DEFAULT_ADMIN_PASSWORD),
        tz=environ.get("LINLI_TZ", "Asia/Shanghai"),
        env=env,
        rpc_timeout=float(environ.get("LINLI_RPC_TIMEOUT", "5")),
        token_ttl_seconds=int(environ.get("LINLI_TOKEN_TTL", str(12 * 3600))),
        argon2_profile=environ.get("LINLI_ARGON2_PROFILE", "default"),
        max_workers=int(environ.get("LINLI_MAX_WORKERS", "20")),
        amqp_heartbeat=int(environ.get("LINLI_AMQP_HEARTBEAT", "30")),
        event_max_attempts=int(environ.get("LINLI_EVENT_MAX_ATTEMPTS", "12")),
        event_backoff_ms=int(environ.get("LINLI_EVENT_BACKOFF_MS", "1000")),
        event_backoff_max_ms=int(environ.get("LINLI_EVENT_BACKOFF_MAX_MS", "300000")),
        quorum_queues=environ.get("LINLI_QUORUM_QUEUES", "0") == "1",
        rabbitmq_management_url=environ.get("RABBITMQ_MANAGEMENT_URL", ""),
        service_mongo_uris=tuple(sorted(
            (key[len("MONGO_URI_"):].lower(), value) for key, value in environ.items()
            if key.startswith("MONGO_URI_") and value)),
        services=tuple(s for s in environ.get("LINLI_SERVICES", "").split(",") if s),
        log_level=environ.get("LINLI_LOG_LEVEL", "INFO"),
        mongo_timeout_ms=int(environ.get("LINLI_MONGO_TIMEOUT_MS", "3000")),
        query_log=environ.get("LINLI_QUERY_LOG", ""),
        outbox_relay=environ.get("LINLI_OUTBOX_RELAY", "on") != "off",
        outbox_sweep_seconds=float(environ.get("LINLI_OUTBOX_SWEEP_SECONDS", "1")),
        argon2_threads=int(environ.get("LINLI_ARGON2_THREADS") or 0),
        # off by default under LINLI_ENV=test, whose suite registers thousands of
        # accounts from 127.0.0.1
        register_limit_per_hour=max(0, int(environ.get(
            "LINLI_REGISTER_LIMIT_PER_HOUR", 0 if env == "test" else REGISTRATIONS_PER_HOUR))),
        proxy_hops=int(environ.get("LINLI_PROXY_HOPS", "0")),
        prometheus_multiproc_dir=environ.get("PROMETHEUS_MULTIPROC_DIR", ""),
        library_sweep_seconds=float(environ.get("LINLI_LIBRARY_SWEEP_SECONDS", "60")),
        library_sweep_batch=int(environ.get("LINLI_LIBRARY_SWEEP_BATCH", "500")),
        canteen_sweep_seconds=float(environ.get("LINLI_CANTEEN_SWEEP_SECONDS", "60")),
        facilities_sweep_seconds=float(environ.get("LINLI_FACILITIES_SWEEP_SECONDS", "60")),
        volunteer_sla_sweep_seconds=float(environ.get("LINLI_VOLUNTEER_SLA_SWEEP_SECONDS", "30")),
        push_sweep_seconds=float(environ.get("LINLI_PUSH_SWEEP_SECONDS", "1")),
        needs_sweep_seconds=float(environ.get("LINLI_NEEDS_SWEEP_SECONDS", "300")),
        needs_claim_days=float(environ.get("LINLI_NEEDS_CLAIM_DAYS", "14")),
        directory_sweep_seconds=float(environ.get("LINLI_DIRECTORY_SWEEP_SECONDS", "3600")),
        activities_offer_sweep_seconds=float(environ.get("LINLI_ACTIVITIES_OFFER_SWEEP_SECONDS",
                                                         "60")),
        preferences_cache_seconds=float(environ.get("LINLI_PREFERENCES_CACHE_SECONDS", "5")),
        push_deadline_seconds=float(environ.get("LINLI_PUSH_DEADLINE_SECONDS", "10")),
        push_concurrency=int(environ.get("LINLI_PUSH_CONCURRENCY", "50")),
        api_url=environ.get("LINLI_API_URL", "http://127.0.0.1:8000").rstrip("/"),
        web_port=int(environ.get("LINLI_WEB_PORT", "8080")),
        web_api_timeout=float(environ.get("LINLI_WEB_API_TIMEOUT", "10")),
        web_secure_cookies=environ.get("LINLI_WEB_SECURE_COOKIES",
                                       "1" if production else "0") == "1",
        public_web_url=environ.get(
            "LINLI_PUBLIC_WEB_URL",
            f"http://127.0.0.1:{environ.get('LINLI_WEB_PORT', '8080')}").rstrip("/"),
        http_host=environ.get("LINLI_HTTP_HOST", "0.0.0.0"),
        gateway_workers=int(environ.get("LINLI_GATEWAY_WORKERS", "2")),
        gateway_threads=int(environ.get("LINLI_GATEWAY_THREADS", "8")),
        web_host=environ.get("LINLI_WEB_HOST", "0.0.0.0"),
        web_workers=int(environ.get("LINLI_WEB_WORKERS", "2")),
        web_threads=int(environ.get("LINLI_WEB_THREADS", "8")),
        broker_admin_user=environ.get("RABBITMQ_DEFAULT_USER", ""),
        broker_admin_password=environ.get("RABBITMQ_DEFAULT_PASS", ""),
        broker_passwords=tuple(sorted(
            (key[len("LINLI_AMQP_PASSWORD_"):].lower(), value) for key, value in environ.items()
            if key.startswith("LINLI_AMQP_PASSWORD_") and value)),
    )


def check(s: Settings) -> Settings:
    """``s`` if it may run; otherwise ConfigError with one sentence naming the variable."""
    if s.env not in ENVIRONMENTS:
        raise ConfigError(f"LINLI_ENV is {s.env!r}; use one of {', '.join(ENVIRONMENTS)}.")
    if s.event_max_attempts < 1 or s.event_backoff_ms < 1 or s.event_backoff_max_ms < s.event_backoff_ms:
        raise ConfigError("LINLI_EVENT_MAX_ATTEMPTS and LINLI_EVENT_BACKOFF_MS must be at least 1 "
                          "and LINLI_EVENT_BACKOFF_MAX_MS at least LINLI_EVENT_BACKOFF_MS.")
    if not s.production:
        return s
    if not s.secret:
        raise ConfigError("LINLI_SECRET must be set in production (generate one with "
                          "`python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`).")
    if is_placeholder(s.secret):
        raise ConfigError("LINLI_SECRET is a published placeholder; set a random value of at "
                          f"least {MIN_SECRET_BYTES} bytes in production.")
    if len(s.secret.encode()) < MIN_SECRET_BYTES:
        raise ConfigError(f"LINLI_SECRET is {len(s.secret.encode())} bytes; production needs at "
                          f"least {MIN_SECRET_BYTES} random bytes.")
    if s.admin_password_setting and is_placeholder(s.admin_password_setting):
        raise ConfigError("LINLI_ADMIN_PASSWORD is a published placeholder or default; set your "
                          "own in production.")
    uris = [("AMQP_URI", s.amqp_uri), ("MONGO_URI", s.mongo_uri)] + [
        (f"MONGO_URI_{service.upper()}", uri) for service, uri in s.service_mongo_uris]
    for variable, uri in uris:
        password = urlsplit(uri).password
        if password and is_placeholder(unquote(password)):
            raise ConfigError(f"{variable} carries a published placeholder password; set a random "
                              "one in production.")
    return s


@lru_cache(maxsize=1)
def settings() -> Settings:
    return check(load_settings(os.environ))


@lru_cache(maxsize=1)
def frontend_settings() -> Settings:
    """The settings of a frontend (the web process): it signs nothing and holds no
    secret, so production's refusals about the secret do not apply to it."""
    return load_settings(os.environ)


def deployed_services() -> tuple[str, ...]:
    """The services of this deployment: ``LINLI_SERVICES``, else every service in the tree."""
    wanted = settings().services
    if wanted:
        return wanted
    root = Path(__file__).resolve().parents[1] / "services"
    return tuple(s for s in SERVICES if (root / s / "service.py").exists())


def nameko_config() -> dict:
    """The nameko container config, built from the same environment."""
    s = settings()
    return {
        "AMQP_URI": s.amqp_uri,
        "serializer": "json",
        "max_workers": s.max_workers,
        "HEARTBEAT": s.amqp_heartbeat,
    }
