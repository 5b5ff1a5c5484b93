"""The web process's settings (LINLI_WEB_*), read once from the environment."""
import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class WebSettings:
    api_url: str          # the gateway, e.g. http://127.0.0.1:8000
    port: int
    api_timeout: float    # seconds for one gateway call before the page says "try again"
    secure_cookies: bool  # Secure flag on cookies (HTTPS in front of the web process)
    tz: str


@lru_cache(maxsize=1)
def web_settings() -> WebSettings:
    env = os.environ
    production = env.get("LINLI_ENV", "development") == "production"
    return WebSettings(
        api_url=env.get("LINLI_API_URL", "http://127.0.0.1:8000").rstrip("/"),
        port=int(env.get("LINLI_WEB_PORT", "8080")),
        api_timeout=float(env.get("LINLI_WEB_API_TIMEOUT", "10")),
        secure_cookies=env.get("LINLI_WEB_SECURE_COOKIES", "1" if production else "0") == "1",
        tz=env.get("LINLI_TZ", "Asia/Shanghai"),
    )
