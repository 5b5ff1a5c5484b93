"""The only module of the volunteer service that speaks Mongo.

Every state change of a request is one conditional ``update_one`` on
``{_id, status: <expected>}`` that also pushes the history entry, so of two racing
changes exactly one matches. Points move in transactions: the conditional balance
decrement, the pool's increment, the transfer and its two entries, and the events,
together or not at all.

Longer than ~300 lines on purpose: the request state machine's writes and the ledger's
transactions share one transaction when a request closes with its credits."""
import random
import time

import bson
from pymongo.errors import DuplicateKeyError, OperationFailure

from services.volunteer import ledger, workflow
from shared import clock
from shared.errors import Conflict, Invalid, NotFound
from shared.mongo import Store, index, new_id, unique
from shared.pagination import decode_cursor, encode_cursor


def _position(cursor: str | None):
    """``(created_at, last_id)`` of a cursor this service handed out, or None; 422
    naming ``cursor`` for anything else: an id that is not a string (it would be a
    query operator or a comparison across types), an instant outside the years the
    database can hold."""
    position = decode_cursor(cursor)
    if position is None:
        return None
    created_at, last_id = position
    try:
        created_at = clock.as_utc(created_at)
    except OverflowError:
        created_at = None
    if created_at is None or not isinstance(last_id, str) or not last_id:
        raise Invalid("bad cursor", details={"cursor": ["not a cursor from this list"]})
    return created_at, last_id


def newest_first(collection, queries: list[dict], limit: int, cursor: str | None):
    """One page, newest first by ``(created_at, _id)``, of what matches any of
    ``queries``, with the next cursor or None. Each query (and, after the first page,
    each side of the keyset) runs on its own, served by an index on its fields and
    ``created_at``, and the results are merged: a top-level ``$or``/``$and`` walks the
    whole collection on the embedded server."""
    position = _position(cursor)
    parts = []
    for query in queries:
        if position:
            created_at, last_id = position
            parts += [{**query, "created_at": {"$lt": created_at}},
                      {**query, "created_at": created_at, "_id": {"$lt": last_id}}]
        else:
            parts.append(query)
    found = {}
    for part in parts:
        for doc in collection.find(part).sort([("created_at", -1), ("_id", -1)]).limit(limit + 1):
            found[doc["_id"]] = doc
    docs = sorted(found.values(), key=lambda d: (d["created_at"], d["_id"]), reverse=True)
    next_cursor = encode_cursor(docs[limit - 1]) if len(docs) > limit else None
    return docs[:limit], next_cursor


def patient(fn):
    """``fn(tx)`` that waits a little, with jitter, before a conflicting transaction is
    retried: pymongo retries at once, and many writers of one hot document (a reward's
    stock, the community's pool) would otherwise spin against each other."""
    tries = [0]

    def attempt(tx):
        try:
            return fn(tx)
        except OperationFailure as exc:
            if exc.has_error_label("TransientTransactionError"):
                tries[0] += 1
                time.sleep(random.uniform(0.001, 0.01) * min(tries[0], 10))
            raise

    return attempt


class VolunteerStore(Store):
    service = "volunteer"
    indexes = {
        "teams": [index("community_id", "name"), index("members")],
        # every step of a request rewrites the entries of each index on status, team_id
        # or sla_due_at (about 3x the cost of a step with none, on the embedded
        # server): only the lists and the SLA sweep have one; an admin's list of every
        # community and a staff member's own SLA run filter on these as they go.
        "requests": [index("resident_id", "-created_at", "-_id"),
                     index("community_id", "-created_at", "-_id"),
                     index("community_id", "status", "-created_at"),
                     index("team_id", "status"), index("team_id", "-created_at", "-_id"),
                     index("status", "sla_due_at"),
                     index("status", "community_id", "sla_due_at")],
        "accounts": [index("community_id", "kind")],
        # request_id is what the transfer is for: the request of a credit, the activity
        # key of a grant, the redemption, or the transfer a reversal undoes.
        "transfers": [unique("request_id", "volunteer_id", "kind"),
                      index("community_id", "-at"), index("reverses")],
        "entries": [index("account_id", "-at"), index("transfer_id"), index("community_id")],
        "rewards": [index("community_id", "-created_at")],
        "redemptions": [index("resident_id", "-created_at"),
                        index("community_id", "-created_at"),
                        index("community_id", "status", "-created_at")],
    }

    def __init__(self, mongo_client=None):
        super().__init__(mongo_client)
        self.teams = self.db["teams"]
        self.requests = self.db["requests"]
        self.accounts = self.db["accounts"]
        self.transfers = self.db["transfers"]
        self.entries = self.db["entries"]
        self.rewards = self.db["rewards"]
        self.redemptions = self.db["redemptions"]

    # -- teams ---------------------------------------------------------------
    def add_team(self, fields: dict) -> dict:
        doc = {"_id": new_id(), "members": [], "leaders": [], "created_at": clock.now(), **fields}
        self.teams.insert_one(doc)
        return doc

    def team(self, team_id: str) -> dict | None:
        return self.teams.find_one({"_id": team_id})

    def teams_in(self, community_id: str | None) -> list[dict]:
        query = {"community_id": community_id} if community_id else {}
        return list(self.teams.find(query).sort("name", 1).limit(500))

    def team_ids_of_member(self, resident_id: str) -> list[str]:
        return [t["_id"] for t in self.teams.find({"members": resident_id}, {"_id": 1})]

    def add_member(self, team_id: str, resident_id: str, leader: bool) -> dict:
        change = {"members": resident_id}
        if leader:
            change["leaders"] = resident_id
        self.teams.update_one({"_id": team_id}, {"$addToSet": change})
        return self.team(team_id)

    def team_ratings(self, team_ids: list[str]) -> dict[str, tuple[int, int]]:
        """``{team_id: (sum of ratings, number of rated requests)}`` from closed requests."""
        rows = self.requests.aggregate([
            {"$match": {"team_id": {"$in": team_ids}, "status": "closed"}},
            {"$group": {"_id": "$team_id", "total": {"$sum": "$rating"}, "count": {"$sum": 1}}}])
        return {r["_id"]: (r["total"], r["count"]) for r in rows}

    def open_load(self, team_id: str) -> int:
        return self.requests.count_documents({"team_id": team_id,
                                              "status": {"$in": list(workflow.OPEN)}})

    # -- requests ------------------------------------------------------------
    def add_request(self, doc: dict, event: dict) -> dict:
        doc = {"_id": new_id(), **doc}

        def write(tx):
            self.requests.insert_one(doc, session=tx.session)
            tx.emit("volunteer.request_submitted", {"request_id": doc["_id"], **event})
            return doc

        return self.transaction(write)

    def request(self, request_id: str) -> dict | None:
        return self.requests.find_one({"_id": request_id})

    def list_requests(self, queries: list[dict], limit: int, cursor: str | None):
        """A page of the requests that match any of ``queries`` (newest first)."""
        return newest_first(self.requests, queries, limit, cursor)

    def _move(self, tx, request: dict, changes: dict, entry: dict,
              extra_filter: dict | None = None) -> dict:
        """One conditional update on the request as it was read (its ``moves``
        counter): it matches only if nothing moved the request since, so the answer
        is the read document with this change, and needs no second read."""
        moves = request.get("moves")  # None: a request written before the counter
        matched = self.requests.update_one(
            {"_id": request["_id"], "status": request["status"], "moves": moves,
             **(extra_filter or {})},
            {"$set": {**changes, "status": entry["to"], "updated_at": entry["at"]},
             "$inc": {"moves": 1}, "$push": {"history": entry}},
            session=tx.session).matched_count
        if not matched:
            raise Conflict("the request changed meanwhile; this step no longer applies",
                           code="illegal_transition", details={"expected": request["status"]})
        return self._as_stored({**request, **changes, "status": entry["to"],
                                "updated_at": entry["at"], "moves": (moves or 0) + 1,
                                "history": [*request.get("history", []), entry]})

    def _as_stored(self, doc: dict) -> dict:
        """``doc`` as the database gives it back (milliseconds, aware UTC instants)."""
        return bson.decode(bson.encode(doc), codec_options=self.requests.codec_options)

    def transition(self, request: dict, changes: dict, entry: dict, event_type: str | None,
                   event_of=None, extra_filter: dict | None = None) -> dict:
        """Move ``request`` (as read) to ``entry['to']``; 409 if it moved first.
        ``event_of(doc)`` gives the data of the event to emit with the change."""
        def write(tx):
            doc = self._move(tx, request, changes, entry, extra_filter)
            if event_type:
                tx.emit(event_type, event_of(doc))
            return doc

        return self.transaction(patient(write))

    def overdue_dispatches(self, as_of, community_id: str | None, limit: int) -> list[dict]:
        """The oldest ``limit`` dispatches overdue at ``as_of``, of one community when
        it is named (filtered in the query, before the limit)."""
        query = {"status": "dispatched", "sla_due_at": {"$lte": as_of}}
        if community_id:
            query["community_id"] = community_id
        return list(self.requests.find(query).sort("sla_due_at", 1).limit(limit))

    def close_and_credit(self, request: dict, changes: dict, entry: dict, credits: list[dict],
                         closed_event: dict, by: str) -> dict:
        """Close a completed request and credit each volunteer once, all in one
        transaction: a racing confirmation loses with 409 and credits nothing (a
        request leaves ``completed`` once, and the unique index on the credit's
        request and volunteer is the last word)."""
        request_id = request["_id"]

        def write(tx):
            doc = self._move(tx, request, changes, entry)
            tx.emit("volunteer.request_closed", closed_event)
            for credit in credits:
                transfer, balance = self._transfer(
                    tx, "credit", doc["community_id"], credit["volunteer_id"],
                    ledger.credit(doc["community_id"], credit["volunteer_id"], credit["points"]),
                    request_id=request_id, by=by, reason=f"volunteer service {request_id}")
                tx.emit("volunteer.points_credited", {
                    "transfer_id": transfer["_id"], "resident_id": credit["volunteer_id"],
                    "points": credit["points"], "request_id": request_id, "balance": balance,
                    "community_id": doc["community_id"]})
            return doc

        return self.transaction(patient(write))

    # -- ledger --------------------------------------------------------------
    def _transfer(self, tx, kind: str, community_id: str, volunteer_id: str, legs: list[dict],
                  request_id: str, by: str, reason: str | None = None,
                  reverses: str | None = None):
        """Write one balanced transfer; a resident account that would go below zero
        makes it fail with 409 (the whole transaction is abandoned)."""
        assert ledger.balanced(legs)
        at = clock.now()
        transfer = {"_id": new_id(), "kind": kind, "community_id": community_id,
                    "from_account": legs[0]["account_id"], "to_account": legs[1]["account_id"],
                    "points": legs[1]["delta"], "volunteer_id": volunteer_id,
                    "request_id": request_id, "reason": reason, "reverses": reverses,
                    "at": at, "by": by}
        self.transfers.insert_one(transfer, session=tx.session)
        self.entries.insert_many([{"_id": new_id(), "transfer_id": transfer["_id"], "kind": kind,
                                   "community_id": community_id, "at": at,
                                   "request_id": request_id, "note": reason, **leg}
                                  for leg in legs], session=tx.session)
        # the balances last (the pool, the community's hottest, at the very end)
        for leg in sorted(legs, key=lambda leg: leg["account_id"].startswith("pool:")):
            self._apply(tx, community_id, leg)
        account = self.accounts.find_one({"_id": ledger.resident_account(volunteer_id)},
                                         {"balance": 1}, session=tx.session)
        return transfer, account["balance"]

    def _apply(self, tx, community_id: str, leg: dict):
        account_id, delta = leg["account_id"], leg["delta"]
        kind, _, owner = account_id.partition(":")
        if kind == "resident" and delta < 0:
            matched = self.accounts.update_one(
                {"_id": account_id, "balance": {"$gte": -delta}},
                {"$inc": {"balance": delta}}, session=tx.session).matched_count
            if not matched:
                raise Conflict("not enough points", code="insufficient_points",
                               details={"points": -delta})
            return
        if kind == "pool":
            account_id = ledger.pool_counter(account_id, random.randrange(ledger.POOL_SHARDS))
        self.accounts.update_one(
            {"_id": account_id},
            {"$inc": {"balance": delta},
             "$setOnInsert": {"kind": kind, "owner_id": owner, "community_id": community_id,
                              "created_at": clock.now()}},
            upsert=True, session=tx.session)

    def grant(self, community_id: str, resident_id: str, points: int, key: str, reason: str,
              by: str) -> tuple[dict, bool]:
        """Points from the pool for a community activity, once per ``key`` and resident.
        Answers ``(transfer, created)``."""
        request_id = f"activity:{key}"

        def write(tx):
            transfer, balance = self._transfer(
                tx, "grant", community_id, resident_id,
                ledger.credit(community_id, resident_id, points),
                request_id=request_id, by=by, reason=reason)
            tx.emit("volunteer.points_credited", {
                "transfer_id": transfer["_id"], "resident_id": resident_id, "points": points,
                "request_id": None, "balance": balance, "activity": key,
                "community_id": community_id})
            return transfer

        try:
            return self.transaction(patient(write)), True
        except DuplicateKeyError:
            return self.transfers.find_one({"request_id": request_id, "volunteer_id": resident_id,
                                            "kind": "grant"}), False

    def reverse(self, original: dict, reason: str, by: str) -> dict:
        def write(tx):
            transfer, balance = self._transfer(
                tx, "reversal", original["community_id"], original["volunteer_id"],
                ledger.reversal_of(original), request_id=original["_id"], by=by,
                reason=reason, reverses=original["_id"])
            tx.emit("volunteer.points_reversed", {
                "transfer_id": transfer["_id"], "resident_id": original["volunteer_id"],
                "points": original["points"], "reason": reason, "balance": balance,
                "reverses": original["_id"]})
            return transfer

        try:
            return self.transaction(patient(write))
        except DuplicateKeyError as exc:
            raise Conflict("this transfer was already reversed", code="already_reversed") from exc

    def transfer(self, transfer_id: str) -> dict | None:
        return self.transfers.find_one({"_id": transfer_id})

    def balance(self, resident_id: str) -> int:
        account = self.accounts.find_one({"_id": ledger.resident_account(resident_id)},
                                         {"balance": 1})
        return account["balance"] if account else 0

    def entries_of(self, resident_id: str, limit: int = 50) -> list[dict]:
        return list(self.entries.find({"account_id": ledger.resident_account(resident_id)})
                    .sort("at", -1).limit(limit))

    def ledger_check(self, community_id: str | None) -> dict:
        match = {"community_id": community_id} if community_id else {}
        entries_sum = sum(e["delta"] for e in self.entries.find(match, {"delta": 1}))
        accounts = list(self.accounts.find(match, {"balance": 1, "kind": 1}))
        return {
            "entries_sum": entries_sum,
            "balances_sum": sum(a["balance"] for a in accounts),
            "transfers": self.transfers.count_documents(match),
            "negative_accounts": [a["_id"] for a in accounts
                                  if a["kind"] == "resident" and a["balance"] < 0],
        }

    # -- points supermarket ----------------------------------------------------
    def add_reward(self, fields: dict) -> dict:
        doc = {"_id": new_id(), "created_at": clock.now(), **fields}
        self.rewards.insert_one(doc)
        return doc

    def reward(self, reward_id: str) -> dict | None:
        return self.rewards.find_one({"_id": reward_id})

    def rewards_in(self, community_id: str | None) -> list[dict]:
        query = {"community_id": community_id} if community_id else {}
        return list(self.rewards.find(query).sort("created_at", -1).limit(500))

    def redeem(self, reward: dict, resident_id: str) -> dict:
        """One unit of stock and the reward's points, together or neither (409)."""
        def write(tx):
            taken = self.rewards.update_one({"_id": reward["_id"], "stock": {"$gte": 1}},
                                            {"$inc": {"stock": -1}}, session=tx.session)
            if not taken.matched_count:
                raise Conflict("this reward is out of stock", code="out_of_stock")
            redemption = {"_id": new_id(), "reward_id": reward["_id"],
                          "reward_name": reward["name"], "resident_id": resident_id,
                          "community_id": reward["community_id"],
                          "points": reward["cost_points"], "status": "pending",
                          "created_at": clock.now(), "handed_over_at": None,
                          "handed_over_by": None}
            transfer, balance = self._transfer(
                tx, "redemption", reward["community_id"], resident_id,
                ledger.redemption(reward["community_id"], resident_id, reward["cost_points"]),
                request_id=redemption["_id"], by=resident_id, reason=reward["name"])
            redemption["transfer_id"] = transfer["_id"]
            self.redemptions.insert_one(redemption, session=tx.session)
            tx.emit("volunteer.points_redeemed", {
                "redemption_id": redemption["_id"], "resident_id": resident_id,
                "points": reward["cost_points"], "reward_name": reward["name"],
                "balance": balance, "community_id": reward["community_id"]})
            return redemption

        return self.transaction(patient(write))

    def redemption(self, redemption_id: str) -> dict | None:
        return self.redemptions.find_one({"_id": redemption_id})

    def list_redemptions(self, query: dict, limit: int, cursor: str | None):
        return newest_first(self.redemptions, [query], limit, cursor)

    def hand_over(self, redemption_id: str, by: str) -> dict:
        changed = self.redemptions.update_one(
            {"_id": redemption_id, "status": "pending"},
            {"$set": {"status": "handed_over", "handed_over_at": clock.now(),
                      "handed_over_by": by}})
        if not changed.matched_count:
            if not self.redemption(redemption_id):
                raise NotFound("no such redemption")
            raise Conflict("this redemption was already handed over", code="illegal_transition")
        return self.redemption(redemption_id)
