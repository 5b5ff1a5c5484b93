"""Directory: the community's service places (clinics, pharmacies, repairs, counters,
police, utilities, elderly care ...) with address, phone and weekly hours; residents
search them and see which are open now; staff keep them and verify them, and places
not verified for 180 days are flagged stale (``jobs.py``). No RPC for other services
yet; the events (``directory.*``) say what changed."""
from nameko.rpc import RpcProxy

from services.directory import places as rules
from services.directory import schemas
from services.directory.jobs import schedule
from services.directory.storage import DirectoryStore
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Invalid, found
from shared.mongo import Mongo, new_id
from shared.pagination import newest_first_in_memory
from shared.rpc import require_community, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("directory")

place_out = schemas.PlaceOut()


def _place(doc, at):
    verified_at = clock.as_utc(doc["verified_at"])
    return place_out.dump({
        **doc, "id": doc["_id"], "notes": doc.get("notes"),
        "open_now": rules.open_now(doc["hours"], at, clock.community_tz()),
        "stale": rules.stale(verified_at, at),
        "verified_at": clock.local_iso(verified_at),
        "created_at": clock.local_iso(doc["created_at"]),
        "updated_at": clock.local_iso(doc.get("updated_at"))})


def _event(doc, **more):
    return {"place_id": doc["_id"], "community_id": doc["community_id"], "name": doc["name"],
            "category": doc["category"], **more}


class DirectoryService(chassis.LinliService):
    name = "directory"
    store = Mongo(DirectoryStore)
    jobs = schedule
    residents = RpcProxy("residents")

    @rpc(expected_exceptions=EXPECTED)
    def create_place(self, actor, payload):
        """Staff of the community: add a place (verified now, by them)."""
        who = Actor.of(actor)
        data = load(schemas.NewPlace, payload)
        who.require_manager(data["community_id"],
                            "only staff of that community keep its directory")
        require_community(self.residents, data["community_id"])
        now = clock.now()
        doc = {"_id": new_id(), **data, "created_at": now, "updated_at": None,
               "verified_at": now, "verified_by": who.id, "stale_from": rules.stale_from(now)}
        return _place(self.store.add_place(doc, _event(doc)), now)

    @rpc(expected_exceptions=EXPECTED)
    def change_place(self, actor, place_id, payload):
        """Staff of the place's community: change any of its fields but the community."""
        who = Actor.of(actor)
        place = found(self.store.place(place_id), "place")
        who.require_manager(place["community_id"],
                            "only staff of that community keep its directory")
        changes = load(schemas.PlaceChanges, payload)
        event = _event({**place, **changes}, changed=sorted(changes))
        return _place(found(self.store.change_place(place_id, changes, event), "place"),
                      clock.now())

    @rpc(expected_exceptions=EXPECTED)
    def verify_place(self, actor, place_id):
        """Staff (a grid worker) checked the place: ``verified_at`` is now, not stale."""
        who = Actor.of(actor)
        place = found(self.store.place(place_id), "place")
        who.require_manager(place["community_id"],
                            "only staff of that community verify its places")
        now = clock.now()
        event = _event(place, verified_by=who.id, verified_at=clock.iso(now))
        doc = self.store.verify(place_id, now, rules.stale_from(now), who.id, event)
        return _place(found(doc, "place"), now)

    @rpc(expected_exceptions=EXPECTED)
    def list_places(self, actor, query):
        """Anyone signed in: a community's places (the caller's own by default), newest
        first, narrowed by ``category``, keywords ``q`` and ``open_now``."""
        who = Actor.of(actor)
        data = load(schemas.PlaceQuery, query)
        community_id = data["community_id"] or who.community_id
        if not community_id:
            raise Invalid("name the community", details={"community_id": ["required"]})
        now, tz = clock.now(), clock.community_tz()
        docs = [d for d in self.store.community_places(community_id, data["category"])
                if rules.matches(d, data["q"]) and (
                    data["open_now"] is None
                    or rules.open_now(d["hours"], now, tz) is data["open_now"])]
        page, next_cursor = newest_first_in_memory(docs, data["limit"], data["cursor"])
        return {"items": [_place(d, now) for d in page], "next_cursor": next_cursor}
