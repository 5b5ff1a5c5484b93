"""Residents: accounts, communities, roles, groups and tokens."""
import datetime as dt
import functools
import secrets

import eventlet
import eventlet.semaphore

from services.residents import accounts, schemas
from services.residents.storage import ResidentsStore
from shared import clock
from shared.auth import (Actor, hash_password, issue_token, password_matches,
                         password_needs_rehash)
from shared.config import settings
from shared.errors import EXPECTED, Invalid, NotFound, Unauthorized
from shared.mongo import Mongo
from shared.rpc import rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("residents")

resident_out = schemas.Resident()
managed_resident_out = schemas.ManagedResident()
community_out = schemas.Community()
# Sign-ins waiting out their address's delay, per process (see accounts).
_delayed_sign_ins = eventlet.semaphore.Semaphore(accounts.DELAYED_SIGN_INS_AT_ONCE)


def _resident(doc):
    return resident_out.dump({**doc, "id": doc["_id"]})


def _managed_resident(doc):
    """What staff and admins see: the resident with birth date corrections."""
    corrections = [{**c, "at": clock.iso(c["at"])} for c in doc.get("birth_date_corrections", [])]
    return managed_resident_out.dump({**doc, "id": doc["_id"],
                                      "birth_date_corrections": corrections})


@functools.lru_cache(maxsize=1)
def _unknown_phone_hash() -> str:
    """Checked when the phone has no account, so that an unknown phone costs the same
    argon2 work as a known one and timing does not tell which phones are registered."""
    return hash_password(secrets.token_urlsafe(16))


class ResidentsService(chassis.LinliService):
    name = "residents"
    store = Mongo(ResidentsStore)

    # -- accounts -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def register(self, payload, client_addr=None):
        """Create a resident account (role ``resident``); emits resident_registered.
        ``client_addr`` (the caller's address, from the gateway) is throttled:
        429 ``too_many_registrations`` past the hourly limit."""
        data = load(schemas.Register, payload)
        self._check_password(data["password"], data["phone"])
        self._count_registration(client_addr)
        if not self.store.community(data["community_id"]):
            raise Invalid("no such community", details={"community_id": ["unknown community"]})
        doc = self.store.add_resident({
            "phone": data["phone"], "password_hash": hash_password(data["password"]),
            "name": data["name"], "birth_date": data["birth_date"].isoformat(),
            "community_id": data["community_id"], "building": data["building"],
            "unit": data["unit"], "role": "resident"})
        return _resident(doc)

    @rpc(expected_exceptions=EXPECTED)
    def issue_token(self, payload, client_addr=None):
        """Check a phone and password; answer a signed, expiring bearer token.
        Attempts are counted before the check (429 ``too_many_attempts`` past the
        limits); a failure from an address with many recent failures is answered
        after a growing delay (a success never waits)."""
        data = load(schemas.Credentials, payload)
        counted = self._count_sign_in(data["phone"], client_addr)
        doc = self.store.resident_by_phone(data["phone"])
        stored = doc["password_hash"] if doc else _unknown_phone_hash()
        if not password_matches(stored, data["password"]) or not doc:
            if client_addr:
                self.store.take_count(accounts.address_counter(client_addr), None,
                                      accounts.SIGN_IN_WINDOW)
                self._slow_down_failure(client_addr)
            raise Unauthorized("wrong phone or password", code="bad_credentials")
        self.store.give_back_count(counted)
        if password_needs_rehash(doc["password_hash"]):
            self.store.set_password_hash(doc["_id"], hash_password(data["password"]))
        actor = Actor(id=doc["_id"], role=doc["role"], community_id=doc.get("community_id"))
        token, ttl = issue_token(actor)
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl,
                "role": doc["role"], "resident_id": doc["_id"]}

    @rpc(expected_exceptions=EXPECTED)
    def me(self, actor):
        return self._get(Actor.of(actor).id)

    # -- communities and staff --------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_communities(self, actor=None):
        return [community_out.dump({**c, "id": c["_id"]}) for c in self.store.all_communities()]

    @rpc(expected_exceptions=EXPECTED)
    def create_community(self, actor, payload):
        Actor.of(actor).require_admin()
        data = load(schemas.NewCommunity, payload)
        doc = self.store.add_community(data["name"], data["district"])
        return community_out.dump({**doc, "id": doc["_id"]})

    @rpc(expected_exceptions=EXPECTED)
    def create_staff(self, actor, payload):
        Actor.of(actor).require_admin()
        data = load(schemas.NewStaff, payload)
        self._check_password(data["password"], data["phone"])
        if not self.store.community(data["community_id"]):
            raise Invalid("no such community", details={"community_id": ["unknown community"]})
        doc = self.store.add_resident({
            "phone": data["phone"], "password_hash": hash_password(data["password"]),
            "name": data["name"], "birth_date": None, "community_id": data["community_id"],
            "role": "staff"})
        return _resident(doc)

    # -- residents, for staff -----------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def search_residents(self, actor, query):
        who = Actor.of(actor)
        data = load(schemas.ResidentQuery, query)
        community_id = data["community_id"] or (None if who.is_admin else who.community_id)
        if not who.is_admin or community_id:
            who.require_manager(community_id, "staff of that community only")
        docs, next_cursor = self.store.search(community_id, data["q"], data["limit"], data["cursor"])
        return {"items": [_managed_resident(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def update_resident(self, actor, resident_id, payload):
        """Staff of the resident's community, or an admin: set groups, name, building,
        unit, birth_date. A birth date change is recorded (who, when, old, new)."""
        who = Actor.of(actor)
        data = load(schemas.ResidentChanges, payload)
        doc = self.store.resident(resident_id)
        if not doc:
            raise NotFound("no such resident")
        if "birth_date" in data:
            data["birth_date"] = data["birth_date"].isoformat()
            if data["birth_date"] == doc.get("birth_date"):
                del data["birth_date"]
        accounts.check_changes_allowed(who, doc, data)
        if not data:
            return _managed_resident(doc)
        if "groups" in data:
            data["groups"] = sorted(set(data["groups"]))
        correction = None
        if "birth_date" in data:
            correction = accounts.birth_date_correction(who, doc.get("birth_date"),
                                                        data["birth_date"], clock.now())
        return _managed_resident(self.store.change_resident(resident_id, data, correction))

    # -- for other services ---------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get_resident(self, resident_id):
        """A resident's profile for other services: ``{id, name, birth_date, age,
        community_id, groups, role, ...}``; ``age`` is today's, in the community's
        time zone. NotFound when there is no such resident."""
        profile = self._get(resident_id)
        if profile["birth_date"]:
            born = dt.date.fromisoformat(profile["birth_date"])
            profile["age"] = clock.age_on(born, clock.today_local())
        else:
            profile["age"] = None
        return profile

    @rpc
    def get_residents(self, resident_ids):
        """Profiles of several residents at once (unknown ids are left out)."""
        return [_resident(d) for d in self.store.residents_by_ids(list(resident_ids)[:500])]

    @rpc
    def community_staff(self, community_id):
        """Ids of the staff accounts of a community (who gets escalations)."""
        return [d["_id"] for d in self.store.staff_of(community_id)]

    @rpc
    def community_exists(self, community_id):
        return self.store.community(community_id) is not None

    def _get(self, resident_id):
        doc = self.store.resident(resident_id)
        if not doc:
            raise NotFound("no such resident")
        return _resident(doc)

    def _count_registration(self, client_addr):
        limit = settings().register_limit_per_hour
        key = accounts.registration_counter(client_addr)
        if limit and key and not self.store.take_count(key, limit, accounts.REGISTRATION_WINDOW):
            raise accounts.too_many_registrations()

    def _count_sign_in(self, phone, client_addr) -> list[str]:
        """Take this attempt's count from each of its counters, or answer 429."""
        counted = []
        for key, limit in accounts.sign_in_counters(phone, client_addr):
            if not self.store.take_count(key, limit, accounts.SIGN_IN_WINDOW):
                self.store.give_back_count(counted)
                raise accounts.too_many_attempts()
            counted.append(key)
        return counted

    def _slow_down_failure(self, client_addr):
        """Answer a failed sign-in late when its address fails a lot (a shared Wi-Fi is
        slowed, never locked out). Only so many wait at once per process; the rest are
        answered at once, so a flood cannot hold every worker."""
        delay = accounts.address_delay(self.store.count_of(accounts.address_counter(client_addr)))
        if not delay or not _delayed_sign_ins.acquire(blocking=False):
            return
        try:
            eventlet.sleep(delay)   # yields: the worker waits, the process does not
        finally:
            _delayed_sign_ins.release()

    @staticmethod
    def _check_password(password, phone):
        reasons = accounts.weak_password_reasons(password, phone)
        if reasons:
            raise Invalid("the password is too weak", code="weak_password",
                          details={"password": reasons})
