"""The library's digital editions over RPC (mixed into ``LibraryService``): staff attach
audiobooks and e-books to titles and print a branch's QR poster; anyone may open an
edition and count a play (no token: the listening page needs no sign-in); staff see
the most played at a branch."""
from services.library import edition_schemas as schemas
from services.library import editions as rules
from services.library.editions_storage import Throttled
from shared import clock
from shared.auth import Actor
from shared.config import settings
from shared.errors import EXPECTED, Invalid, TooManyRequests, found
from shared.mongo import new_id
from shared.rpc import rpc
from shared.schemas import load

edition_out = schemas.Edition()
public_out = schemas.PublicEdition()


def edition_view(doc: dict, plays: int) -> dict:
    return edition_out.dump({**doc, "id": doc["_id"], "minutes": doc.get("minutes"),
                             "plays": plays, "created_at": clock.local_iso(doc["created_at"])})


class EditionsRpc:
    @rpc(expected_exceptions=EXPECTED)
    def add_edition(self, actor, title_id, payload):
        """Staff: attach an audiobook or e-book edition (``url``, ``minutes``) to a title."""
        Actor.of(actor).require_staff()
        title = found(self.store.title(title_id), "title")
        data = load(schemas.NewEdition, payload)
        doc = {"_id": new_id(), "title_id": title["_id"], **data, "created_at": clock.now()}
        event = {"edition_id": doc["_id"], "title_id": title["_id"], "title": title["title"],
                 "kind": doc["kind"]}
        return edition_view(self.store.add_edition(doc, event), 0)

    @rpc(expected_exceptions=EXPECTED)
    def get_edition(self, edition_id):
        """Anyone (the listening page): an edition with its title and author."""
        doc = found(self.store.edition(edition_id), "edition")
        title = self.store.title(doc["title_id"]) or {}
        plays = self.store.plays_of([doc["_id"]]).get(doc["_id"], 0)
        return public_out.dump({**edition_view(doc, plays), "title": title.get("title", ""),
                                "author": title.get("author", "")})

    @rpc(expected_exceptions=EXPECTED)
    def count_play(self, edition_id, client, payload=None):
        """Anyone: count one play of an edition; the same client (its address, with the
        frontend's ``listener`` id) counts once per edition per 10 minutes, then 429."""
        data = load(schemas.Play, payload or {})
        edition = found(self.store.edition(edition_id), "edition")
        key = rules.client_key(settings().secret, f"{client}|{data['listener'] or ''}",
                               edition["_id"])
        try:
            plays = self.store.count_play(edition, key, clock.now(), rules.PLAY_THROTTLE)
        except Throttled:
            raise TooManyRequests("this play was counted a moment ago", code="play_throttled",
                                  details={"retry_after_seconds":
                                           int(rules.PLAY_THROTTLE.total_seconds())}) from None
        return {"edition_id": edition["_id"], "plays": plays}

    @rpc(expected_exceptions=EXPECTED)
    def branch_poster(self, actor, branch_id):
        """Staff of the branch's community: the branch's QR poster (SVG text), one code
        per edition of every title it holds a copy of."""
        who = Actor.of(actor)
        branch = found(self.store.branch(branch_id), "branch")
        who.require_manager(branch["community_id"], "only staff of this branch's community")
        shelved = self._shelved_editions(branch_id)
        return rules.poster_svg(branch["name"], shelved, settings().public_web_url)

    @rpc(expected_exceptions=EXPECTED)
    def popular_editions(self, actor, query):
        """Staff of the branch's community: the editions shelved at a branch, most played
        first, as ``{items: [{edition_id, title_id, title, kind, plays}]}``."""
        who = Actor.of(actor)
        data = load(schemas.PopularQuery, query)
        branch = self.store.branch(data["branch_id"])
        if branch is None:
            raise Invalid("no such branch", details={"branch_id": ["unknown branch"]})
        who.require_manager(branch["community_id"], "only staff of this branch's community")
        shelved = self._shelved_editions(data["branch_id"])
        plays = self.store.plays_of(e["id"] for e in shelved)
        counts = [{"edition_id": e["id"], "title_id": e["title_id"], "title": e["title"],
                   "kind": e["kind"], "plays": plays.get(e["id"], 0)} for e in shelved]
        return {"items": rules.popular(counts, data["limit"])}

    def _shelved_editions(self, branch_id):
        title_ids = self.store.shelved_title_ids(branch_id)
        titles = self.store.titles_by_ids(title_ids)
        return [{"id": e["_id"], "title_id": e["title_id"], "kind": e["kind"],
                 "title": (titles.get(e["title_id"]) or {}).get("title", "")}
                for e in self.store.editions_of(title_ids)]

    def _editions_by_title(self, title_ids) -> dict[str, list[dict]]:
        """The editions of these titles, for the titles' answers."""
        docs = self.store.editions_of(title_ids)
        plays = self.store.plays_of(d["_id"] for d in docs) if docs else {}
        grouped: dict[str, list[dict]] = {}
        for doc in docs:
            grouped.setdefault(doc["title_id"], []).append(
                edition_view(doc, plays.get(doc["_id"], 0)))
        return grouped
