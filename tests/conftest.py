"""The test stack: a real RabbitMQ (an isolated vhost per run), a real SecantusDB on a
free port, every service as its own ``nameko run`` process and the gateway under
gunicorn. Unit tests never touch it; integration and e2e tests share one per run."""
import os
import shutil
import signal
import subprocess
import time
import uuid

import pymongo
import pytest
import requests

from shared import devstack
from tests.helpers import next_phone

ADMIN_PHONE = "13900000001"
ADMIN_PASSWORD = "admin-pass-2026"
LOGS = devstack.ROOT / "var" / "test-logs"
_BROKER_AT_START = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")


def _rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)


def _forget_settings():
    """In-process clients (tests publish events directly) follow the current stack."""
    from shared import config, events
    config.settings.cache_clear()
    events._publisher = None


class Stack:
    def __init__(self, amqp_uri: str | None = None, services: list[str] | None = None,
                 extra_env: dict | None = None):
        run_id = uuid.uuid4().hex[:8]
        # the broker as the run was started (a stack already running has pointed
        # AMQP_URI at its own vhost)
        base = (amqp_uri or _BROKER_AT_START).rstrip("/")
        self.vhost = None
        if shutil.which("rabbitmqctl") and base.endswith(":5672"):
            self.vhost = f"linli-test-{run_id}"
            _rabbitmqctl("add_vhost", self.vhost)
            _rabbitmqctl("set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*")
            self.amqp_uri = f"{base}/{self.vhost}"
        else:
            self.amqp_uri = base + "/"
        self.processes: dict[str, subprocess.Popen] = {}
        self.mongo_ports = {name: devstack.free_port() for name in devstack.databases()}
        self.mongo_uris = {name: devstack.mongo_uri(port) for name, port in self.mongo_ports.items()}
        self.http_port = devstack.free_port()
        self.url = f"http://127.0.0.1:{self.http_port}"
        self.env = {
            "AMQP_URI": self.amqp_uri, **devstack.database_env(self.mongo_ports),
            "LINLI_SECRET": uuid.uuid4().hex + uuid.uuid4().hex,
            "LINLI_ADMIN_PHONE": ADMIN_PHONE, "LINLI_ADMIN_PASSWORD": ADMIN_PASSWORD,
            "LINLI_ARGON2_PROFILE": "test", "LINLI_EVENT_BACKOFF_MS": "200",
            "LINLI_EVENT_MAX_ATTEMPTS": "3", "LINLI_OUTBOX_SWEEP_SECONDS": "0.5",
            "LINLI_RPC_TIMEOUT": "5", "LINLI_ENV": "test",
            "LINLI_GATEWAY_WORKERS": os.environ.get("LINLI_GATEWAY_WORKERS", "2"),
            "LINLI_MAX_WORKERS": os.environ.get("LINLI_MAX_WORKERS", "20"),
            # every query each process sends, for tests/e2e/test_query_plans.py
            "LINLI_QUERY_LOG": str(LOGS / run_id / "queries"),
        }
        self.env.update(extra_env or {})
        self._saved_env = {k: os.environ.get(k) for k in self.env}
        os.environ.update(self.env)
        _forget_settings()
        self.log_dir = LOGS / run_id
        self.data_dir = devstack.ROOT / "var" / "test-data" / run_id
        self.start_mongo()
        wanted = os.environ.get("LINLI_TEST_SERVICES")
        self.services = services or (wanted.split(",") if wanted else devstack.available_services())
        self.env["LINLI_SERVICES"] = ",".join(self.services)
        for name in self.services:
            self.start_service(name)
        self.start_gateway()
        self.wait_ready()

    def db(self, service: str):
        """A service's database, on the embedded server that holds it."""
        return pymongo.MongoClient(self.mongo_uris[service], tz_aware=True)[f"linli_{service}"]

    # -- processes -----------------------------------------------------------------
    def start_mongo(self):
        """One SecantusDB per service, on disk (a killed server restarts with its data)."""
        for name, port in self.mongo_ports.items():
            self.processes[f"mongo-{name}"] = devstack.start(
                devstack.mongo_command(port, str(self.data_dir / name)),
                devstack.base_env(**self.env), self.log_dir / f"mongo-{name}.log")
        for name, port in self.mongo_ports.items():
            assert devstack.wait_for_port("127.0.0.1", port, 60), f"SecantusDB {name} did not start"

    def stop_mongo(self, sig=signal.SIGTERM):
        for name in self.mongo_ports:
            self.stop(f"mongo-{name}", sig=sig)

    def start_service(self, name: str, replica: int = 0, **env):
        key = f"{name}-{replica}" if replica else name
        self.processes[key] = devstack.start(
            devstack.service_command(name), devstack.base_env(**{**self.env, **env}),
            self.log_dir / f"{key}.log")

    def start_module(self, key: str, module: str, **env):
        """Run any nameko service module (tests use this for fault-injecting services)."""
        command = devstack.service_command("x")[:-1] + [module]
        self.processes[key] = devstack.start(
            command, devstack.base_env(**{**self.env, **env}), self.log_dir / f"{key}.log")

    def stop(self, key: str, sig=signal.SIGTERM, wait: float = 20):
        process = self.processes.pop(key)
        if process.poll() is None:
            os.killpg(process.pid, sig)
            try:
                process.wait(wait)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(5)

    def start_gateway(self):
        self.processes["gateway"] = devstack.start(
            devstack.gateway_command(self.http_port), devstack.base_env(**self.env),
            self.log_dir / "gateway.log")
        assert devstack.wait_for_port("127.0.0.1", self.http_port, 30), "gateway did not start"

    def wait_ready(self, seconds: float = 60):
        deadline = time.monotonic() + seconds
        last = None
        while time.monotonic() < deadline:
            try:
                last = requests.get(self.url + "/readyz", timeout=5)
                if last.status_code == 200:
                    return
            except requests.RequestException as exc:
                last = exc
            time.sleep(0.3)
        raise AssertionError(f"stack not ready: {getattr(last, 'text', last)}")

    def close(self):
        for key in list(self.processes):
            if not key.startswith("mongo-"):
                self.stop(key)
        self.stop_mongo()
        shutil.rmtree(self.data_dir, ignore_errors=True)
        if self.vhost:
            _rabbitmqctl("delete_vhost", self.vhost)
        for key, value in self._saved_env.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _forget_settings()


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    yield s
    s.close()


class Api:
    """HTTP through the real gateway."""

    def __init__(self, stack: Stack):
        self.base = stack.url
        self.http = requests.Session()

    def request(self, method, path, token=None, **kwargs):
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return self.http.request(method, self.base + path, headers=headers, timeout=30, **kwargs)

    def get(self, path, token=None, **kw):
        return self.request("GET", path, token, **kw)

    def post(self, path, json=None, token=None, **kw):
        return self.request("POST", path, token, json=json, **kw)

    def put(self, path, json=None, token=None, **kw):
        return self.request("PUT", path, token, json=json, **kw)

    def patch(self, path, json=None, token=None, **kw):
        return self.request("PATCH", path, token, json=json, **kw)

    def delete(self, path, token=None, **kw):
        return self.request("DELETE", path, token, **kw)

    # -- people ---------------------------------------------------------------------
    def token(self, phone, password):
        answer = self.post("/api/v1/auth/token", {"phone": phone, "password": password})
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def admin(self):
        return self.token(ADMIN_PHONE, ADMIN_PASSWORD)

    def community(self, name=None):
        answer = self.post("/api/v1/communities", {"name": name or f"社区-{uuid.uuid4().hex[:6]}",
                                                    "district": "和平区"}, self.admin())
        assert answer.status_code == 201, answer.text
        return answer.json()

    def resident(self, community_id, birth_date="1990-05-01", name="张三", **extra):
        phone = next_phone()
        password = "pass-" + uuid.uuid4().hex[:8]
        answer = self.post("/api/v1/auth/register", {
            "phone": phone, "password": password, "name": name, "birth_date": birth_date,
            "community_id": community_id, **extra})
        assert answer.status_code == 201, answer.text
        person = answer.json()
        person["token"] = self.token(phone, password)
        person["password"] = password
        return person

    def staff(self, community_id, name="李社工"):
        phone = next_phone()
        password = "staff-" + uuid.uuid4().hex[:8]
        answer = self.post("/api/v1/staff", {"phone": phone, "password": password, "name": name,
                                             "community_id": community_id}, self.admin())
        assert answer.status_code == 201, answer.text
        person = answer.json()
        person["token"] = self.token(phone, password)
        return person


@pytest.fixture(scope="session")
def api(stack):
    return Api(stack)

