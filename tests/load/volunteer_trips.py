"""Where a volunteer cycle's time goes: database round trips and RPC calls per step,
and raw cycles per second over RPC.

Starts SecantusDB on a free port and a private RabbitMQ vhost, runs the volunteer
service in this process (a nameko container) with a pymongo CommandListener, and
drives submit -> dispatch -> accept -> complete -> confirm over RPC, as the gateway
would (one RPC per HTTP call). Bounded: ``--cycles`` counted cycles, then
``--seconds`` of sequential cycles for the rate; it stops by itself.

    .venv/bin/python tests/load/volunteer_trips.py --cycles 20 --seconds 15
"""
import eventlet

eventlet.monkey_patch()  # noqa: E402  (nameko in-process, as `nameko run` does)

import argparse  # noqa: E402
import collections  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pymongo import monitoring  # noqa: E402

from shared import devstack  # noqa: E402

STEP = {"name": "setup"}
COUNTS: dict = collections.defaultdict(collections.Counter)
SERVER_MS: dict = collections.defaultdict(float)
COMMAND_MS: dict = collections.defaultdict(collections.Counter)
WALL_MS: dict = collections.defaultdict(float)


def _label(event) -> str:
    return event.command_name + ("/tx" if event.command.get("autocommit") is False else "")


class Trips(monitoring.CommandListener):
    """Counts every command the process sends, under the step being driven."""

    def __init__(self):
        self.labels = {}

    def started(self, event):
        self.labels[event.request_id] = label = _label(event)
        COUNTS[STEP["name"]][label] += 1

    def succeeded(self, event):
        SERVER_MS[STEP["name"]] += event.duration_micros / 1000
        COMMAND_MS[STEP["name"]][self.labels.pop(event.request_id, event.command_name)] += \
            event.duration_micros / 1000

    failed = succeeded


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--retry-writes", choices=("on", "off"), default="on",
                        help="off: what retryWrites=false on the client would give")
    args = parser.parse_args()
    if args.retry_writes == "off":
        import pymongo
        real = pymongo.MongoClient.__init__

        def without_retry(self, *a, **kw):
            real(self, *a, **{**kw, "retryWrites": False})
        pymongo.MongoClient.__init__ = without_retry

    monitoring.register(Trips())
    run_id = uuid.uuid4().hex[:8]
    vhost = f"linli-trips-{run_id}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], capture_output=True, timeout=60)
    subprocess.run(["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
                   capture_output=True, timeout=60)
    data_dir = tempfile.mkdtemp(prefix="linli-trips-")
    port = devstack.free_port()
    mongo = subprocess.Popen(devstack.mongo_command(port, data_dir), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
    amqp_uri = f"amqp://guest:guest@127.0.0.1:5672/{vhost}"
    os.environ.update({"AMQP_URI": amqp_uri, "MONGO_URI": devstack.mongo_uri(port),
                       "LINLI_SECRET": uuid.uuid4().hex * 2, "LINLI_ENV": "test",
                       "LINLI_OUTBOX_SWEEP_SECONDS": "3600"})
    container = None
    try:
        assert devstack.wait_for_port("127.0.0.1", port, 60), "SecantusDB did not start"
        from nameko.containers import ServiceContainer
        from nameko.standalone.rpc import ClusterRpcProxy

        from services.volunteer.service import VolunteerService
        config = {"AMQP_URI": amqp_uri, "serializer": "json", "max_workers": 20}
        container = ServiceContainer(VolunteerService, config)
        container.start()
        store = next(d.store for d in container.dependencies if hasattr(d, "store_cls"))
        run(store, config, ClusterRpcProxy, args)
    finally:
        if container:
            container.stop()
        mongo.terminate()
        mongo.wait(10)
        shutil.rmtree(data_dir, ignore_errors=True)
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True, timeout=60)


def run(store, config, proxy_cls, args):
    community = "c-" + uuid.uuid4().hex[:6]
    staff = {"id": "staff-1", "role": "staff", "community_id": community}
    elder = {"id": "elder-1", "role": "resident", "community_id": community}
    volunteers = [{"id": f"vol-{n}", "role": "resident", "community_id": community}
                  for n in range(8)]
    team = store.add_team({"name": "助老服务队", "community_id": community,
                           "skills": ["elderly_care"], "areas": ["3号楼"]})
    for v in volunteers:
        store.add_member(team["_id"], v["id"], False)

    with proxy_cls(config, timeout=30) as rpc:
        def cycle(i, counted):
            volunteer = volunteers[i % len(volunteers)]
            steps = (
                ("submit", lambda: rpc.volunteer.submit_request(
                    elder, {"category": "elderly_care", "description": f"陪同买菜 #{i}",
                            "address": "幸福里3号楼"})),
                ("dispatch", lambda: rpc.volunteer.dispatch(
                    staff, request_id, {"team_id": team["_id"]})),
                ("accept", lambda: rpc.volunteer.accept(volunteer, request_id)),
                ("complete", lambda: rpc.volunteer.complete(
                    volunteer, request_id, {"hours": 1, "volunteer_ids": [volunteer["id"]]})),
                ("confirm", lambda: rpc.volunteer.confirm(elder, request_id, {"rating": 5})),
            )
            request_id = None
            for name, step in steps:
                if counted:
                    eventlet.sleep(0.05)  # the previous step's publish-after-commit
                    STEP["name"] = name
                started = time.perf_counter()
                answer = step()
                if counted:
                    WALL_MS[name] += (time.perf_counter() - started) * 1000
                request_id = request_id or answer["id"]
                if counted:
                    eventlet.sleep(0.05)
                    STEP["name"] = "between"

        for i in range(args.cycles):
            cycle(i, counted=True)
        STEP["name"] = "timed"
        for _ in range(3):
            rpc.volunteer.echo({})
        done, started = 0, time.perf_counter()
        while time.perf_counter() - started < args.seconds:
            cycle(args.cycles + done, counted=False)
            done += 1
        cycles_elapsed = time.perf_counter() - started
        echoes, started = 0, time.perf_counter()
        while time.perf_counter() - started < min(5.0, args.seconds):
            rpc.volunteer.echo({})
            echoes += 1
        echo_elapsed = time.perf_counter() - started

    print(f"database commands per step (mean of {args.cycles} cycles; each command's round "
          "trip as pymongo saw it; the step's database time and its RPC wall time):")
    for name in ("submit", "dispatch", "accept", "complete", "confirm"):
        counts = COUNTS[name]
        total = sum(counts.values()) / args.cycles
        detail = ", ".join(f"{k} {v / args.cycles:g} ({COMMAND_MS[name][k] / v:.1f} ms)"
                           for k, v in sorted(counts.items()))
        print(f"  {name:9s} {total:5.1f}  ({detail})  db {SERVER_MS[name] / args.cycles:.1f} ms"
              f" of {WALL_MS[name] / args.cycles:.1f} ms")
    cycle_total = sum(sum(COUNTS[n].values()) for n in
                      ("submit", "dispatch", "accept", "complete", "confirm")) / args.cycles
    print(f"  per cycle {cycle_total:.1f}")
    rate, echo = done / cycles_elapsed, echoes / echo_elapsed
    print(f"sequential cycles over RPC: {rate:.1f}/s ({5 * rate:.0f} RPC calls/s); "
          f"RPC echo {echo:.0f}/s; a cycle = {echo / rate:.1f} echoes")


if __name__ == "__main__":
    main()
