"""Residents: accounts, communities, roles, groups and tokens."""
import datetime as dt


from services.residents import accounts, schemas
from services.residents.storage import ResidentsStore
from shared import clock
from shared.auth import Actor, hash_password, issue_token, password_matches
from shared.errors import EXPECTED, Invalid, NotFound, Unauthorized
from shared.mongo import Mongo
from shared.rpc import rpc
from shared.schemas import load
from shared.service import LinliService, bootstrap

bootstrap("residents")

resident_out = schemas.Resident()
community_out = schemas.Community()


def _resident(doc):
    return resident_out.dump({**doc, "id": doc["_id"]})


class ResidentsService(LinliService):
    name = "residents"
    store = Mongo(ResidentsStore)

    # -- accounts -------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def register(self, payload):
        """Create a resident account (role ``resident``); emits resident_registered."""
        data = load(schemas.Register(), payload)
        self._check_password(data["password"], data["phone"])
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
        """Check a phone and password; answer a signed, expiring bearer token."""
        data = load(schemas.Credentials(), payload)
        accounts.check_not_locked_out(self.store.recent_failures(data["phone"]),
                                      self.store.recent_client_failures(client_addr))
        doc = self.store.resident_by_phone(data["phone"])
        if not doc or not password_matches(doc["password_hash"], data["password"]):
            self.store.record_failure(data["phone"], client_addr)
            raise Unauthorized("wrong phone or password", code="bad_credentials")
        actor = Actor(id=doc["_id"], role=doc["role"], community_id=doc.get("community_id"))
        token, ttl = issue_token(actor)
        return {"access_token": token, "token_type": "bearer", "expires_in": ttl,
                "role": doc["role"], "resident_id": doc["_id"]}

    @rpc(expected_exceptions=EXPECTED)
    def me(self, actor):
        return self._get(Actor.from_dict(actor).id)

    # -- communities and staff --------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_communities(self, actor=None):
        return [community_out.dump({**c, "id": c["_id"]}) for c in self.store.all_communities()]

    @rpc(expected_exceptions=EXPECTED)
    def create_community(self, actor, payload):
        accounts.require_admin(Actor.from_dict(actor))
        data = load(schemas.NewCommunity(), payload)
        doc = self.store.add_community(data["name"], data["district"])
        return community_out.dump({**doc, "id": doc["_id"]})

    @rpc(expected_exceptions=EXPECTED)
    def create_staff(self, actor, payload):
        accounts.require_admin(Actor.from_dict(actor))
        data = load(schemas.NewStaff(), payload)
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
        who = Actor.from_dict(actor)
        data = load(schemas.ResidentQuery(), query)
        community_id = data["community_id"] or (None if who.is_admin else who.community_id)
        if not who.is_admin or community_id:
            accounts.require_manager_of(who, community_id)
        docs, next_cursor = self.store.search(community_id, data["q"], data["limit"], data["cursor"])
        return {"items": [_resident(d) for d in docs], "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def update_resident(self, actor, resident_id, payload):
        who = Actor.from_dict(actor)
        data = load(schemas.ResidentChanges(), payload)
        doc = self.store.resident(resident_id)
        if not doc:
            raise NotFound("no such resident")
        accounts.require_manager_of(who, doc["community_id"])
        if not data:
            return _resident(doc)
        if "groups" in data:
            data["groups"] = sorted(set(data["groups"]))
        return _resident(self.store.change_resident(resident_id, data))

    # -- for other services ---------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def get_resident(self, resident_id):
        """A resident's profile for other services: ``{id, name, birth_date, age,
        community_id, groups, role, ...}``; ``age`` is today's, in the community's
        time zone. NotFound when there is no such resident."""
        profile = self._get(resident_id)
        if profile["birth_date"]:
            born = dt.date.fromisoformat(profile["birth_date"])
            profile["age"] = accounts.age_on(born, clock.today_local())
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

    @staticmethod
    def _check_password(password, phone):
        reasons = accounts.weak_password_reasons(password, phone)
        if reasons:
            raise Invalid("the password is too weak", code="weak_password",
                          details={"password": reasons})
