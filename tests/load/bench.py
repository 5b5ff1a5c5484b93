"""`make bench`: throughput and latency through the real gateway, each against the
bare RPC echo through the same broker at the same concurrency, in one run.

Starts its own stack (like the tests: real RabbitMQ vhost, SecantusDB, every service,
gunicorn). Scenarios: GET /api/v1/me here, plus ``scenarios(env)`` of every module in
tests/load/ (canteen.py, library.py, volunteer.py ...). Results are printed and written
to bench-results/bench.json.

    make bench BENCH_ARGS="--seconds 20 --concurrency 16 --only me,echo"
    make bench BENCH_ARGS="--only 'canteen booking POST' --replicas canteen=1,2,3"

For every scenario whose requests cause inbox messages, the event-to-inbox latency
(event created in the outbox -> message stored in the inbox) is reported too. A chart
of the run is written next to the JSON (bench.png).
"""
import argparse
import datetime
import importlib
import itertools
import json
import os
import pkgutil
import random
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.conftest import Api, Stack  # noqa: E402


class Env:
    def __init__(self, stack, api):
        self.stack, self.api = stack, api


_counters: dict = {}


def measure(name, action, concurrency, seconds):
    """Run ``action(i)`` from ``concurrency`` threads for ``seconds``; ``i`` keeps
    counting across runs of the same action (a booking scenario books new pairs)."""
    latencies, statuses, lock = [], {}, threading.Lock()
    counter = _counters.setdefault(id(action), itertools.count())
    stop_at = time.perf_counter() + seconds

    def worker():
        mine, my_statuses = [], {}
        while time.perf_counter() < stop_at:
            i = next(counter)
            started = time.perf_counter()
            try:
                status = action(i)
            except Exception as exc:  # a failed call is an error, not a crash of the bench
                status = type(exc).__name__
            mine.append(time.perf_counter() - started)
            my_statuses[status] = my_statuses.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for key, count in my_statuses.items():
                statuses[key] = statuses.get(key, 0) + count

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return round(latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000, 2)

    errors = sum(c for s, c in statuses.items() if not (isinstance(s, int) and s < 500))
    return {"name": name, "requests": len(latencies), "rps": round(len(latencies) / elapsed, 1),
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "mean_ms": round(statistics.fmean(latencies) * 1000, 2) if latencies else None,
            "statuses": {str(k): v for k, v in statuses.items()}, "errors": errors}


def event_to_inbox_ms(stack, since, until):
    """p50/p95 of event occurred_at -> inbox message created_at for messages stored in
    the window, or None when the window caused no messages."""
    import datetime as dt

    messages = list(stack.db("notifications")["messages"].find(
        {"created_at": {"$gte": since, "$lte": until}}, {"event_id": 1, "created_at": 1}))
    if not messages:
        return None
    ids = list({m["event_id"] for m in messages})
    occurred = {}
    for service in stack.services:
        for row in stack.db(service)["outbox"].find({"_id": {"$in": ids}},
                                                            {"envelope.occurred_at": 1}):
            occurred[row["_id"]] = dt.datetime.fromisoformat(row["envelope"]["occurred_at"])
    delays = sorted((m["created_at"] - occurred[m["event_id"]]).total_seconds() * 1000
                    for m in messages if m["event_id"] in occurred)
    if not delays:
        return None
    return {"messages": len(delays), "p50_ms": round(delays[len(delays) // 2], 1),
            "p95_ms": round(delays[min(len(delays) - 1, int(0.95 * len(delays)))], 1)}


def chart(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    names = [r["name"] for r in results]
    fig, (left, right) = plt.subplots(1, 2, figsize=(14, 0.5 * len(names) + 2))
    left.barh(names, [r["rps"] for r in results], color="#4c78a8")
    left.set_xlabel("requests per second")
    left.invert_yaxis()
    right.barh(names, [r["p95_ms"] for r in results], color="#f58518", label="p95")
    right.barh(names, [r["p50_ms"] for r in results], color="#54a24b", label="p50")
    right.set_xlabel("latency (ms)")
    right.invert_yaxis()
    right.set_yticks([])
    right.legend()
    fig.suptitle("Linli through the gateway vs the bare RPC echo (same run)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


MIX = (  # the day's traffic: mostly reads, some bookings, loans and dispatch cycles
    ("canteen menu GET", 30), ("GET /api/v1/notifications", 25), ("GET /api/v1/me", 10),
    ("canteen booking POST", 20), ("library checkout+return cycle", 8),
    ("volunteer full cycle", 4), ("library catalogue search", 3),
)


def mixed(scenarios, rate, seconds, workers=64):
    """Open loop: start requests at ``rate`` per second for ``seconds`` whatever the
    answers take (latency counts from the scheduled start, so queueing shows), with a
    weighted mix of scenarios. Returns per-scenario figures and the achieved rate."""
    from concurrent.futures import ThreadPoolExecutor
    plan = [name for name, weight in MIX if name in scenarios for _ in range(weight)]
    random.Random(7).shuffle(plan)  # interleaved, the same order every run
    per_route = {name: {"latencies": [], "statuses": {}} for name in set(plan)}
    lock = threading.Lock()
    counters = {name: _counters.setdefault(id(scenarios[name]), itertools.count())
                for name in per_route}

    def run(name, scheduled):
        try:
            status = scenarios[name](next(counters[name]))
        except Exception as exc:
            status = type(exc).__name__
        took = time.perf_counter() - scheduled
        with lock:
            per_route[name]["latencies"].append(took)
            per_route[name]["statuses"][status] = per_route[name]["statuses"].get(status, 0) + 1

    started = time.perf_counter()
    total = int(rate * seconds)
    with ThreadPoolExecutor(workers) as pool:
        for n in range(total):
            scheduled = started + n / rate
            delay = scheduled - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            pool.submit(run, plan[n % len(plan)], scheduled)
    elapsed = time.perf_counter() - started
    routes = []
    for name, data in sorted(per_route.items()):
        lat = sorted(data["latencies"])
        if not lat:
            continue

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 1)
        errors = sum(c for st, c in data["statuses"].items() if not (isinstance(st, int) and st < 500))
        routes.append({"name": name, "requests": len(lat), "p50_ms": pct(.5), "p95_ms": pct(.95),
                       "p99_ms": pct(.99), "errors": errors,
                       "statuses": {str(k): v for k, v in data["statuses"].items()}})
    return {"target_rps": rate, "achieved_rps": round(total / elapsed, 1), "routes": routes}


def _children(pid) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        kids = task / "children"
        if kids.exists():
            found += [int(k) for k in kids.read_text().split()]
    return found


def stack_pids(stack) -> dict:
    """The processes of each part of the stack (gunicorn's workers with its master)."""
    parts = {}
    for key, process in stack.processes.items():
        pids = [process.pid]
        pids += [kid for pid in list(pids) for kid in _children(pid)]
        pids += [kid for pid in list(pids) for kid in _children(pid)]
        parts[key] = sorted(set(pids))
    return parts


def resident_memory(stack) -> dict:
    """RSS (MiB) of every process of the stack, gunicorn workers included."""
    def rss(pid):
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return 0.0
        return 0.0
    return {key: round(sum(rss(pid) for pid in pids), 1) for key, pids in stack_pids(stack).items()}


def _cpu_seconds(pid) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _broker_pids() -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "comm").read_text().strip() == "beam.smp":
                    pids.append(int(entry.name))
            except OSError:
                pass
    return pids


def cpu_snapshot(stack) -> dict:
    """CPU seconds used so far by each part: the stack's processes, the broker and
    this process (the clients)."""
    parts = {key: sum(_cpu_seconds(p) for p in pids) for key, pids in stack_pids(stack).items()}
    parts["broker"] = sum(_cpu_seconds(p) for p in _broker_pids())
    parts["bench client"] = _cpu_seconds(os.getpid())
    return parts


def cpu_per_request(before: dict, after: dict, requests: int) -> dict:
    """CPU milliseconds each part spent per request between two snapshots (parts that
    spent under 0.05 ms are left out). On two cores shared by every part, the sum bounds
    the rate: at most 2,000 / sum requests a second."""
    spent = {key: (after[key] - before.get(key, 0.0)) * 1000 / max(requests, 1) for key in after}
    shown = {key: round(ms, 2) for key, ms in sorted(spent.items(), key=lambda kv: -kv[1])
             if ms >= 0.05}
    shown["total"] = round(sum(spent.values()), 2)
    return shown


def echo_action(stack):
    from nameko.standalone.rpc import ClusterRpcProxy
    local = threading.local()

    def action(i):
        if not hasattr(local, "proxy"):
            local.standalone = ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=10)
            local.proxy = local.standalone.start()
        local.proxy.residents.echo({"i": i})
        return 200
    return action


def me_action(api):
    community = api.community()
    token = api.resident(community["id"])["token"]
    return lambda i: api.get("/api/v1/me", token).status_code


def gateway_only_action(api):
    """The gateway's HTTP layer alone (no RPC, no database): with the echo, the ceiling
    of any route that makes one RPC (1 / (1/this + 1/echo))."""
    return lambda i: api.get("/healthz").status_code


def inbox_action(api):
    community = api.community()
    token = api.resident(community["id"])["token"]
    return lambda i: api.get("/api/v1/notifications?limit=20", token).status_code


def run_mixed(stack, scenarios, args):
    echo = measure("rpc echo (baseline)", scenarios["rpc echo (baseline)"], args.concurrency,
                   min(args.seconds, 10))
    print(f"rpc echo (baseline): {echo['rps']} calls/s, p95 {echo['p95_ms']} ms", flush=True)
    rounds = []
    for rate in [float(r) for r in args.mixed.split(",")]:
        since = datetime.datetime.now(datetime.timezone.utc)
        cpu_before = cpu_snapshot(stack)
        result = mixed(scenarios, rate, args.seconds)
        result["cpu_ms_per_request"] = cpu_per_request(
            cpu_before, cpu_snapshot(stack), sum(r["requests"] for r in result["routes"]))
        time.sleep(3)
        result["event_to_inbox"] = event_to_inbox_ms(
            stack, since, datetime.datetime.now(datetime.timezone.utc))
        result["rss_mib"] = resident_memory(stack)
        rounds.append(result)
        inbox = result["event_to_inbox"] or {}
        print(f"\nmixed at {rate:g}/s: achieved {result['achieved_rps']}/s, "
              f"event->inbox p50 {inbox.get('p50_ms')} ms p95 {inbox.get('p95_ms')} ms", flush=True)
        for route in result["routes"]:
            print(f"  {route['name']:34s} n={route['requests']:5d}  p50 {route['p50_ms']:8.1f}  "
                  f"p95 {route['p95_ms']:8.1f}  p99 {route['p99_ms']:8.1f} ms  "
                  f"errors {route['errors']}  {route['statuses']}", flush=True)
        print("  RSS MiB: " + ", ".join(f"{k} {v}" for k, v in result["rss_mib"].items()), flush=True)
        print("  CPU ms a request: " + ", ".join(
            f"{k} {v}" for k, v in result["cpu_ms_per_request"].items()), flush=True)
    out = Path(args.out).with_name("mixed.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"echo": echo, "seconds": args.seconds, "rounds": rounds},
                              indent=2, ensure_ascii=False))
    print(f"written to {out}")


def domain_scenarios(env):
    found = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name in ("bench", "__init__"):
            continue
        source = Path(__file__).parent / f"{module.name}.py"
        if "def scenarios(" not in source.read_text(encoding="utf-8"):
            continue  # a tool of its own (dbprobe, volunteer_trips): not imported here
        loaded = importlib.import_module(f"tests.load.{module.name}")
        if hasattr(loaded, "scenarios"):
            try:
                found.update(loaded.scenarios(env))
            except Exception as exc:
                print(f"scenarios of {module.name} could not be set up: {exc}")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--only", default="", help="comma-separated scenario names")
    parser.add_argument("--out", default=str(ROOT / "bench-results" / "bench.json"))
    parser.add_argument("--replicas", default="",
                        help="service=1,2,3: run the chosen scenarios again at each replica count")
    parser.add_argument("--mixed", default="",
                        help="rates, e.g. 20,40,80: open-loop mixed traffic at each rate for "
                             "--seconds, to find the saturation point")
    args = parser.parse_args()

    # the test stacks' query log (one file append per query, for the query-plan test)
    # is instrumentation: it cost the residents service 5 % of its CPU on GET /me
    stack = Stack(extra_env={"LINLI_QUERY_LOG": ""})
    try:
        api = Api(stack)
        api.http.mount("http://", __import__("requests").adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=args.concurrency * 2))
        env = Env(stack, api)
        scenarios = {"rpc echo (baseline)": echo_action(stack),
                     "GET /healthz (gateway only)": gateway_only_action(api),
                     "GET /api/v1/me": me_action(api),
                     "GET /api/v1/notifications": inbox_action(api)}
        scenarios.update(domain_scenarios(env))
        if args.mixed:
            return run_mixed(stack, scenarios, args)
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        chosen = {name: action for name, action in scenarios.items()
                  if not wanted or name == "rpc echo (baseline)" or any(w in name for w in wanted)}
        service, _, counts = args.replicas.partition("=")
        rounds = [int(c) for c in counts.split(",")] if counts else [1]
        results = []
        baseline = None
        running = 1
        for replicas in rounds:
            while running < replicas:
                stack.start_service(service, replica=running)
                running += 1
            if replicas > 1:
                time.sleep(3)  # let the new replicas start consuming
            suffix = f" [{service} x{replicas}]" if counts else ""
            for name, action in chosen.items():
                action(-1)  # warm up connections and caches
                since = datetime.datetime.now(datetime.timezone.utc)
                cpu_before = cpu_snapshot(stack)
                result = measure(name + suffix, action, args.concurrency, args.seconds)
                result["cpu_ms_per_request"] = cpu_per_request(
                    cpu_before, cpu_snapshot(stack), result["requests"])
                time.sleep(2)  # let the last events reach the inbox
                result["event_to_inbox"] = event_to_inbox_ms(
                    stack, since, datetime.datetime.now(datetime.timezone.utc))
                if baseline is None:
                    baseline = result
                result["rps_vs_echo"] = round(result["rps"] / baseline["rps"], 2)
                result["p95_vs_echo"] = round(result["p95_ms"] / baseline["p95_ms"], 2)
                results.append(result)
                inbox = result["event_to_inbox"]
                inbox_text = (f"  event->inbox p50 {inbox['p50_ms']} ms p95 {inbox['p95_ms']} ms "
                              f"(x{inbox['p95_ms'] / baseline['p95_ms']:.1f} echo p95)"
                              if inbox else "")
                print(f"{name + suffix:48s} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                      f"p95 {result['p95_ms']:7.2f} ms  x{result['rps_vs_echo']:.2f} echo rps  "
                      f"errors {result['errors']}  {result['statuses']}{inbox_text}", flush=True)
                print(f"{'':48s} CPU ms a request: " + ", ".join(
                    f"{part} {ms}" for part, ms in result["cpu_ms_per_request"].items()), flush=True)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"concurrency": args.concurrency, "seconds": args.seconds,
                                   "results": results}, indent=2, ensure_ascii=False))
        chart(results, out.with_suffix(".png"))
        print(f"written to {out} and {out.with_suffix('.png')}")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
