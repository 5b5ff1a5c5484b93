"""gunicorn settings for the web frontend (gthread: each page makes a few blocking
HTTP calls to the gateway)."""
from shared.config import frontend_settings

_settings = frontend_settings()
bind = f"{_settings.web_host}:{_settings.web_port}"
workers = _settings.web_workers
worker_class = "gthread"
threads = _settings.web_threads
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None  # request lines would carry paths only, but the app logs what matters
limit_request_line = 8190
limit_request_fields = 100
# gunicorn 27's control socket defaults to one path per user, which the gateway's
# master already holds on the same machine; the web process needs none.
control_socket_disable = True
