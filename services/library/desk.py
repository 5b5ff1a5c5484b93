"""The lending desk's day, for staff: the copies to pull off the shelf and send to a
hold's pickup branch, and the overdue loans to chase (with the reader's name and phone,
which staff of the community may see). A mixin of ``LibraryService``: the service
module imports this module, not the class (``nameko run`` runs every class with
entrypoints that it finds in a service module)."""
import datetime as dt

from services.library import circulation
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED
from shared.rpc import call, rpc

DESK_LIST_LIMIT = 100


class LendingDesk:
    @rpc(expected_exceptions=EXPECTED)
    def desk_today(self, actor, community_id=None):
        """Staff of the community (or an admin naming one): ``{holds_to_pull,
        overdue_loans}``, each at most ``DESK_LIST_LIMIT`` long."""
        who = Actor.of(actor).require_staff()
        community_id = who.in_community(community_id)
        who.require_manager(community_id)
        branches = {b["_id"]: b for b in self.store.list_branches(community_id)}
        copies = self.store.copies_in_transit_at(branches, DESK_LIST_LIMIT)
        held = self.store.holds_by_ids(c["hold_id"] for c in copies if c.get("hold_id"))
        pickup = self.store.branches_by_ids({h["pickup_branch_id"] for h in held.values()})
        overdue = self.store.overdue_loans_in(community_id, DESK_LIST_LIMIT)
        readers = {r["id"]: r for r in call(self.residents, "get_residents",
                                           sorted({loan["resident_id"] for loan in overdue}))}
        today = clock.today_local()
        to_pull = []
        for copy in copies:
            hold = held.get(copy.get("hold_id")) or {}
            to = pickup.get(hold.get("pickup_branch_id")) or {}
            to_pull.append({"copy_code": copy["code"], "title": hold.get("title", ""),
                            "from_branch_id": copy["branch_id"],
                            "from_branch_name": branches[copy["branch_id"]]["name"],
                            "pickup_branch_id": to.get("_id"),
                            "pickup_branch_name": to.get("name", "")})
        overdue_out = []
        for loan in overdue:
            reader = readers.get(loan["resident_id"], {})
            due = dt.date.fromisoformat(loan["due_date"])
            overdue_out.append({"loan_id": loan["_id"], "title": loan["title"],
                                "copy_code": loan["copy_code"], "due_date": loan["due_date"],
                                "days_overdue": circulation.days_overdue(due, today),
                                "resident_id": loan["resident_id"],
                                "resident_name": reader.get("name", ""),
                                "phone": reader.get("phone", "")})
        return {"community_id": community_id, "holds_to_pull": to_pull,
                "overdue_loans": overdue_out}
