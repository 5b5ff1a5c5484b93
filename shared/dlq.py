"""Operator tool for dead letters: what failed, why, and replay once it is fixed.

    .venv/bin/python -m shared.dlq list                 # dead-letter queues and counts
    .venv/bin/python -m shared.dlq show <queue>.dead    # the messages, with their errors
    .venv/bin/python -m shared.dlq replay <queue>.dead  # back to the handler's queue
    .venv/bin/python -m shared.dlq replay --all

Uses AMQP_URI; queue names come from ``rabbitmqctl`` (local broker) or the management
API (``RABBITMQ_MANAGEMENT_URL``, e.g. http://guest:guest@rabbitmq:15672)."""
import argparse
import json
import os
import shutil
import subprocess
import sys
from urllib.parse import quote, unquote, urlparse

import requests
from kombu import Connection, Queue

from shared.config import load_settings, settings
from shared.events import ATTEMPT_HEADER, publisher


def _vhost() -> str:
    path = urlparse(settings().amqp_uri).path
    return unquote(path[1:]) if len(path) > 1 else "/"


def queue_depths() -> dict[str, int]:
    management = load_settings(os.environ).rabbitmq_management_url
    if management:
        answer = requests.get(f"{management.rstrip('/')}/api/queues/{quote(_vhost(), safe='')}",
                              timeout=10)
        answer.raise_for_status()
        return {q["name"]: q.get("messages", 0) for q in answer.json()}
    if not shutil.which("rabbitmqctl"):
        sys.exit("set RABBITMQ_MANAGEMENT_URL (no rabbitmqctl on this machine)")
    out = subprocess.run(["rabbitmqctl", "list_queues", "-q", "-p", _vhost(), "name", "messages",
                          "--formatter", "json"], capture_output=True, text=True, timeout=60,
                         check=True).stdout
    return {q["name"]: q["messages"] for q in json.loads(out or "[]")}


def dead_queues() -> dict[str, int]:
    return {name: n for name, n in sorted(queue_depths().items()) if name.endswith(".dead")}


def show(queue_name: str, limit: int = 50) -> list[dict]:
    """Peek: read without acknowledging, so every message stays on the queue."""
    seen = []
    with Connection(settings().amqp_uri) as connection:
        channel = connection.channel()
        queue = Queue(queue_name, durable=True)(channel)
        for _ in range(limit):
            message = queue.get(no_ack=False)
            if message is None:
                break
            body = json.loads(message.body)
            seen.append({"event_id": body.get("event_id"), "type": body.get("type"),
                         "occurred_at": body.get("occurred_at"),
                         "attempts": message.headers.get(ATTEMPT_HEADER),
                         "error": message.headers.get("x-linli-error")})
        channel.close()  # unacknowledged messages go back on the queue
    return seen


def replay(queue_name: str) -> int:
    """Move every message back to its handler's queue, attempts counted afresh."""
    target = queue_name[: -len(".dead")]
    moved = 0
    with Connection(settings().amqp_uri) as connection:
        channel = connection.channel()
        queue = Queue(queue_name, durable=True)(channel)
        while True:
            message = queue.get(no_ack=False)
            if message is None:
                break
            headers = {k: v for k, v in message.headers.items() if not k.startswith("x-linli-")}
            headers[ATTEMPT_HEADER] = 1
            publisher().send_to_queue(json.loads(message.body), Queue(target, durable=True), headers)
            message.ack()  # only after the broker confirmed the copy
            moved += 1
    return moved


def main(argv=None):
    parser = argparse.ArgumentParser(description="Dead-letter queues: list, show, replay")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list")
    show_cmd = sub.add_parser("show")
    show_cmd.add_argument("queue")
    show_cmd.add_argument("--limit", type=int, default=50)
    replay_cmd = sub.add_parser("replay")
    replay_cmd.add_argument("queue", nargs="?")
    replay_cmd.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "list":
        for name, count in dead_queues().items():
            print(f"{count:6d}  {name}")
    elif args.command == "show":
        for item in show(args.queue, args.limit):
            print(json.dumps(item, ensure_ascii=False))
    else:
        queues = list(dead_queues()) if args.all else [args.queue]
        if not queues or queues == [None]:
            parser.error("name a dead-letter queue or pass --all")
        for name in queues:
            if not name.endswith(".dead"):
                parser.error(f"{name} is not a dead-letter queue")
            print(f"replayed {replay(name)} from {name}")


if __name__ == "__main__":
    main()
