"""gunicorn settings for the gateway (gthread: the RPC pool is plain blocking sockets)."""
import os
import shutil
import tempfile

from shared.config import settings

# Prometheus metrics from every worker process, summed at /metrics (set before the
# settings are read: the workers inherit them).
_metrics_dir = os.environ.setdefault(
    "PROMETHEUS_MULTIPROC_DIR", os.path.join(tempfile.gettempdir(), f"linli-metrics-{os.getpid()}"))

# Refuse to start on unsafe settings (in production: a placeholder secret, no admin
# password) rather than log a warning from inside a worker.
_settings = settings()

bind = f"{_settings.http_host}:{_settings.http_port}"
workers = _settings.gateway_workers
worker_class = "gthread"
threads = _settings.gateway_threads
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = None
# Bound what a client can send before the app sees it.
limit_request_line = 8190
limit_request_fields = 100


def on_starting(server):
    shutil.rmtree(_metrics_dir, ignore_errors=True)
    os.makedirs(_metrics_dir, exist_ok=True)


def child_exit(server, worker):
    from prometheus_client import multiprocess
    multiprocess.mark_process_dead(worker.pid)
