"""`make bench`: throughput and latency through the real gateway, each against the
bare RPC echo through the same broker at the same concurrency, in one run.

Starts its own stack (like the tests: real RabbitMQ vhost, SecantusDB, every service,
gunicorn). Scenarios: GET /api/v1/me here, plus ``scenarios(env)`` of every module in
tests/load/ (canteen.py, library.py, volunteer.py ...). Results are printed and written
to bench-results/bench.json.

    make bench BENCH_ARGS="--seconds 20 --concurrency 16 --only me,echo"
"""
import argparse
import importlib
import json
import pkgutil
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


def measure(name, action, concurrency, seconds):
    """Run ``action(i)`` from ``concurrency`` threads for ``seconds``."""
    latencies, statuses, lock = [], {}, threading.Lock()
    counter = iter(range(10**9))
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


def domain_scenarios(env):
    found = {}
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if module.name in ("bench", "__init__"):
            continue
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
    args = parser.parse_args()

    stack = Stack()
    try:
        api = Api(stack)
        api.http.mount("http://", __import__("requests").adapters.HTTPAdapter(
            pool_connections=4, pool_maxsize=args.concurrency * 2))
        env = Env(stack, api)
        scenarios = {"rpc echo (baseline)": echo_action(stack), "GET /api/v1/me": me_action(api)}
        scenarios.update(domain_scenarios(env))
        wanted = [w.strip() for w in args.only.split(",") if w.strip()]
        results = []
        baseline = None
        for name, action in scenarios.items():
            if wanted and name != "rpc echo (baseline)" and not any(w in name for w in wanted):
                continue
            action(-1)  # warm up connections and caches
            result = measure(name, action, args.concurrency, args.seconds)
            if baseline is None:
                baseline = result
            result["rps_vs_echo"] = round(result["rps"] / baseline["rps"], 2)
            result["p95_vs_echo"] = round(result["p95_ms"] / baseline["p95_ms"], 2)
            results.append(result)
            print(f"{name:42s} {result['rps']:8.1f} req/s  p50 {result['p50_ms']:7.2f} ms  "
                  f"p95 {result['p95_ms']:7.2f} ms  x{result['rps_vs_echo']:.2f} echo rps  "
                  f"errors {result['errors']}  {result['statuses']}", flush=True)
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"concurrency": args.concurrency, "seconds": args.seconds,
                                   "results": results}, indent=2, ensure_ascii=False))
        print(f"written to {out}")
    finally:
        stack.close()


if __name__ == "__main__":
    main()
