"""How fast is the embedded database in each configuration? (issue 11: the choice of
``--standalone``, ``--sync-on-commit`` and ``retryWrites`` is made from these figures.)

    .venv/bin/python tests/load/dbprobe.py [--writes 12000] [--seconds 5]

For each configuration it starts a fresh SecantusDB, writes ``--writes`` documents
first (the retryable-write reply table fills up after ~10,000), then measures for
``--seconds`` each: single inserts, conditional ``update_one`` on an indexed field,
and the booking-shaped transaction (one conditional update and two inserts).
"""
import argparse
import json
import shutil
import tempfile
import time
import uuid

import pymongo

from shared import devstack

CONFIGS = {
    "replica set, retryWrites=true, sync-on-commit (before)": ([], True, True),
    "replica set, retryWrites=false, sync-on-commit": ([], False, True),
    "replica set, retryWrites=false": ([], False, False),
    "standalone, sync-on-commit": (["--standalone"], False, True),
    "standalone": (["--standalone"], False, False),
}


def rate(fn, seconds):
    done, deadline = 0, time.monotonic() + seconds
    while time.monotonic() < deadline:
        fn()
        done += 1
    return round(done / seconds, 1)


def probe(flags, retry_writes, sync, writes, seconds):
    port = devstack.free_port()
    storage = tempfile.mkdtemp(prefix="dbprobe-")
    command = [c for c in devstack.mongo_command(port, storage) if c != "--sync-on-commit"]
    command += flags + (["--sync-on-commit"] if sync else [])
    process = devstack.start(command, devstack.base_env(), devstack.ROOT / "var" / "dbprobe.log")
    try:
        assert devstack.wait_for_port("127.0.0.1", port, 60)
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true",
                                     retryWrites=retry_writes)
        db = client["probe"]
        db.slots.create_index("remaining")
        db.slots.insert_many([{"_id": i, "remaining": 10**9} for i in range(100)])
        db.filler.insert_many([{"n": i} for i in range(writes)], ordered=False)
        for i in range(min(writes, 11000)):  # single writes fill the retryable-write table
            db.warm.insert_one({"n": i})

        def insert():
            db.rows.insert_one({"_id": uuid.uuid4().hex})

        def update():
            db.slots.update_one({"_id": 7, "remaining": {"$gt": 0}}, {"$inc": {"remaining": -1}})

        def transaction():
            with client.start_session() as session:
                def body(s):
                    db.slots.update_one({"_id": 9, "remaining": {"$gt": 0}},
                                        {"$inc": {"remaining": -1}}, session=s)
                    db.bookings.insert_one({"_id": uuid.uuid4().hex}, session=s)
                    db.outbox.insert_one({"_id": uuid.uuid4().hex}, session=s)
                session.with_transaction(body)

        return {"insert/s": rate(insert, seconds), "update/s": rate(update, seconds),
                "transaction/s": rate(transaction, seconds)}
    finally:
        process.terminate()
        process.wait(20)
        shutil.rmtree(storage, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writes", type=int, default=12000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--only", help="substring of a configuration name")
    args = parser.parse_args()
    results = {}
    for name, (flags, retry_writes, sync) in CONFIGS.items():
        if args.only and args.only not in name:
            continue
        results[name] = probe(flags, retry_writes, sync, args.writes, args.seconds)
        print(f"{name:58} {results[name]}", flush=True)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
