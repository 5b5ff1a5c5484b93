"""`make run`: the whole Linli system on this machine.

Uses MONGO_URI if set, otherwise starts SecantusDB with its data under var/mongo
(kept across runs); runs every service (replicas from SCALE="canteen=3 library=2")
and the gateway under honcho, on a RabbitMQ vhost of this checkout's own (see
localbroker.py); creates the bootstrap admin (the residents service does, at start);
loads the demo data once ready (idempotent); prints where to go and how to log in.
Ctrl-C stops every process it started and nothing else. The web pages (services/web,
LINLI_WEB_PORT, default 8080) are printed first."""
import os
import secrets
import signal
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))

from honcho.manager import Manager  # noqa: E402
from honcho.printer import Printer  # noqa: E402

import localbroker  # noqa: E402  (deploy/local/localbroker.py)
from seed import SeedError, seed  # noqa: E402  (deploy/local/seed.py)
from shared import devstack  # noqa: E402
from shared.config import load_settings  # noqa: E402

VAR = ROOT / "var"


def secret() -> str:
    path = VAR / "secret"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def replicas() -> dict[str, int]:
    counts = {name: 1 for name in devstack.available_services()}
    for item in os.environ.get("SCALE", "").split():
        name, _, count = item.partition("=")
        if name not in counts or not count.isdigit() or int(count) < 1:
            sys.exit(f"SCALE: '{item}' is not <service>=<replicas> for one of {sorted(counts)}")
        counts[name] = int(count)
    return counts


def start_databases() -> tuple[dict[str, str], list[subprocess.Popen]]:
    """``MONGO_URI`` as set, or one embedded SecantusDB per service (and the gateway's),
    data under var/mongo/<name>, kept across runs."""
    if os.environ.get("MONGO_URI"):
        return {"MONGO_URI": os.environ["MONGO_URI"]}, []
    first = int(os.environ.get("LINLI_MONGO_PORT", "27017"))  # make run only: not in Settings
    ports, processes = {}, []
    for offset, name in enumerate(devstack.databases()):
        port = first + offset
        ports[name] = devstack.free_port() if devstack.port_answers("127.0.0.1", port) else port
        storage = VAR / "mongo" / name
        storage.mkdir(parents=True, exist_ok=True)
        processes.append(devstack.start(devstack.mongo_command(ports[name], str(storage)),
                                        devstack.base_env(), VAR / "logs" / f"mongo-{name}.log"))
    for name, port in ports.items():
        if not devstack.wait_for_port("127.0.0.1", port, 60):
            for process in processes:
                process.terminate()
            sys.exit(f"SecantusDB did not start; see {VAR / 'logs' / f'mongo-{name}.log'}")
    print("databases: SecantusDB, one per service ("
          + ", ".join(f"{name} :{port}" for name, port in ports.items())
          + f"), data in {VAR / 'mongo'}")
    return devstack.database_env(ports), processes


def main():
    VAR.mkdir(exist_ok=True)
    configured = load_settings(os.environ)
    broker = localbroker.prepare(configured.amqp_uri, ROOT)
    print(f"broker: RabbitMQ vhost '{broker.vhost}', {broker.why}")
    mongo_env, databases = start_databases()
    http_port = configured.http_port
    env = devstack.base_env(
        AMQP_URI=broker.amqp_uri, **mongo_env,
        LINLI_SECRET=os.environ.get("LINLI_SECRET") or secret(),
        LINLI_ADMIN_PHONE=configured.admin_phone, LINLI_ADMIN_PASSWORD=configured.admin_password,
        LINLI_SERVICES=",".join(devstack.available_services()))
    manager = Manager(Printer(sys.stdout))
    for name, count in replicas().items():
        for i in range(count):
            label = name if count == 1 else f"{name}.{i + 1}"
            manager.add_process(label, " ".join(devstack.service_command(name)), env=env,
                                cwd=str(ROOT))
    manager.add_process("gateway", " ".join(devstack.gateway_command(http_port, "0.0.0.0")),
                        env=env, cwd=str(ROOT))
    web_port = configured.web_port
    manager.add_process("web", " ".join(devstack.web_command(web_port, "0.0.0.0")),
                        env={**env, "LINLI_API_URL": f"http://127.0.0.1:{http_port}"}, cwd=str(ROOT))
    print(f"web pages: http://127.0.0.1:{web_port}/app (starting; demo logins follow once ready)",
          flush=True)
    threading.Thread(target=welcome, args=(http_port, env, web_port), daemon=True).start()
    try:
        manager.loop()
    finally:
        for database in databases:
            os.killpg(database.pid, signal.SIGTERM)
        for database in databases:
            database.wait(15)
        stop_broker_if_we_started_it()
    sys.exit(manager.returncode)


def stop_broker_if_we_started_it():
    mark = VAR / "broker-started-by-make-run"
    if mark.exists():
        print("stopping the RabbitMQ that make run started ...", flush=True)
        subprocess.run(["rabbitmqctl", "stop"], capture_output=True, timeout=120)
        mark.unlink()


def welcome(http_port: int, env: dict, web_port: int):
    base = f"http://127.0.0.1:{http_port}"
    web = f"http://127.0.0.1:{web_port}"
    try:
        logins = seed(base, env["LINLI_ADMIN_PHONE"], env["LINLI_ADMIN_PASSWORD"])
    except SeedError as exc:  # the system keeps running; say what is missing
        print(f"{exc}\nSee the logs above and {base}/readyz; the next `make run` loads what "
              "is missing.", flush=True)
        logins = []
    lines = [
        "", "=" * 64, f"Linli is running: {web}/app  (staff: {web}/console)",
        f"API: {base}/api/v1",
        f"API docs: {base}/docs    (spec: {base}/openapi.json)",
        f"Broker vhost: {localbroker.named_vhost(env['AMQP_URI']) or '/'} "
        "(tools such as `python -m shared.dlq` need AMQP_URI with it)",
        f"Admin: {env['LINLI_ADMIN_PHONE']} / {env['LINLI_ADMIN_PASSWORD']}",
        *[f"{role}: {phone} / {password}" for role, phone, password in logins],
        *([f"Sign-up link for the demo community: {web}/app/register?community_id={community_id}"]
          if (community_id := demo_community_id(base, env)) else []),
        "Ctrl-C stops everything.", "=" * 64, "",
    ]
    print("\n".join(lines), flush=True)


def demo_community_id(base: str, env: dict) -> str | None:
    """The demo community's id, for its sign-up link (residents register into one)."""
    import requests
    try:
        token = requests.post(f"{base}/api/v1/auth/token", timeout=10, json={
            "phone": env["LINLI_ADMIN_PHONE"], "password": env["LINLI_ADMIN_PASSWORD"]}).json()["access_token"]
        communities = requests.get(f"{base}/api/v1/communities", timeout=10,
                                   headers={"Authorization": f"Bearer {token}"}).json()
        return next((c["id"] for c in communities if c.get("name") == "和平里社区"), None)
    except (requests.RequestException, ValueError, KeyError, TypeError):
        return None


if __name__ == "__main__":
    main()
