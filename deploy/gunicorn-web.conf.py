"""gunicorn settings for the web frontend (gthread: each page makes a few blocking
HTTP calls to the gateway)."""
import os

bind = f"{os.environ.get('LINLI_WEB_HOST', '0.0.0.0')}:{os.environ.get('LINLI_WEB_PORT', '8080')}"
workers = int(os.environ.get("LINLI_WEB_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("LINLI_WEB_THREADS", "8"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None  # request lines would carry paths only, but the app logs what matters
limit_request_line = 8190
limit_request_fields = 100
# gunicorn 27's control socket defaults to one path per user, which the gateway's
# master already holds on the same machine; the web process needs none.
control_socket_disable = True
