"""Local processes for ``make run`` and the test suite: the embedded database, each
service, the gateway. Production runs the same commands in containers."""
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from shared.config import SERVICES

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
def available_services() -> list[str]:
    return [s for s in SERVICES if (ROOT / "services" / s / "service.py").exists()]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_answers(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_answers(host, port):
            return True
        time.sleep(0.1)
    return False


def databases() -> list[str]:
    """The embedded servers to run: one per service (database per service, and the
    embedded server handles one request at a time, so separate processes work in
    parallel: bookings went from ~55 to ~80/s here), and the gateway's own."""
    return available_services() + ["gateway"]


def database_env(ports: dict[str, int]) -> dict[str, str]:
    """``MONGO_URI_<SERVICE>`` for each embedded server (``MONGO_URI``: the first)."""
    env = {f"MONGO_URI_{name.upper()}": mongo_uri(port) for name, port in ports.items()}
    env["MONGO_URI"] = mongo_uri(next(iter(ports.values())))
    return env


def mongo_command(port: int, storage: str) -> list[str]:
    # --sync-on-commit: an acknowledged commit survives a killed server (without it the
    # last few commits were lost on SIGKILL here); it costs single writes about 0.6x
    # and transactions, the hot path, next to nothing (tests/load/dbprobe.py).
    return [str(BIN / "secantusd-py"), "--host", "127.0.0.1", "--port", str(port),
            "--storage-path", storage, "--log-level", "WARNING", "--sync-on-commit"]


def mongo_uri(port: int) -> str:
    # retryWrites=false: the embedded server scans its table of up to 10,000 retryable-
    # write replies on every write (~8 ms each once full). Real MongoDB keeps pymongo's
    # default (on): compose and Kubernetes set their own MONGO_URI.
    return f"mongodb://127.0.0.1:{port}/?directConnection=true&retryWrites=false"


def service_command(name: str) -> list[str]:
    return [str(BIN / "nameko"), "run", "--config", str(ROOT / "deploy" / "nameko.yml"),
            f"services.{name}.service"]


def gateway_command(port: int, host: str = "127.0.0.1") -> list[str]:
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--bind", f"{host}:{port}", "services.gateway.app:app"]


def web_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The web frontend (services/web) under gunicorn; it reads LINLI_API_URL."""
    return [str(BIN / "gunicorn"), "-c", str(ROOT / "deploy" / "gunicorn-web.conf.py"),
            "--bind", f"{host}:{port}", "services.web.app:app"]


def base_env(**overrides) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env["PYTHONWARNINGS"] = "ignore"  # eventlet and nameko deprecation notices, every start
    env["PYTHONUNBUFFERED"] = "1"
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def start(command: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    log = open(log_path, "ab")
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT,
                            cwd=str(ROOT), start_new_session=True)
