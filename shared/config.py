"""Configuration from the environment (the table in API.md), read in one place."""
import os
from dataclasses import dataclass
from functools import lru_cache

DEFAULT_AMQP_URI = "amqp://guest:guest@127.0.0.1:5672/"
DEFAULT_ADMIN_PHONE = "13800000000"
DEFAULT_ADMIN_PASSWORD = "linli-admin-2026"


@dataclass(frozen=True)
class Settings:
    amqp_uri: str
    mongo_uri: str
    http_port: int
    secret: str
    admin_phone: str
    admin_password: str
    tz: str
    env: str
    rpc_timeout: float
    token_ttl_seconds: int
    argon2_profile: str

    @property
    def production(self) -> bool:
        return self.env == "production"


@lru_cache(maxsize=1)
def settings() -> Settings:
    env = os.environ.get("LINLI_ENV", "development")
    secret = os.environ.get("LINLI_SECRET", "")
    if not secret:
        if env == "production":
            raise RuntimeError("LINLI_SECRET must be set in production")
        secret = "dev-only-insecure-secret-never-for-production"  # make run exports a generated one
    return Settings(
        amqp_uri=os.environ.get("AMQP_URI", DEFAULT_AMQP_URI),
        mongo_uri=os.environ.get("MONGO_URI", "mongodb://127.0.0.1:27017/"),
        http_port=int(os.environ.get("LINLI_HTTP_PORT", "8000")),
        secret=secret,
        admin_phone=os.environ.get("LINLI_ADMIN_PHONE", DEFAULT_ADMIN_PHONE),
        admin_password=os.environ.get("LINLI_ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD),
        tz=os.environ.get("LINLI_TZ", "Asia/Shanghai"),
        env=env,
        rpc_timeout=float(os.environ.get("LINLI_RPC_TIMEOUT", "5")),
        token_ttl_seconds=int(os.environ.get("LINLI_TOKEN_TTL", str(12 * 3600))),
        argon2_profile=os.environ.get("LINLI_ARGON2_PROFILE", "default"),
    )


def nameko_config() -> dict:
    """The nameko container config, built from the same environment."""
    s = settings()
    return {
        "AMQP_URI": s.amqp_uri,
        "serializer": "json",
        "max_workers": int(os.environ.get("LINLI_MAX_WORKERS", "20")),
        "HEARTBEAT": int(os.environ.get("LINLI_AMQP_HEARTBEAT", "30")),
    }
