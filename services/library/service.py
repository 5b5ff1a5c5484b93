"""Library: branches and book houses, titles and copies, QR self-checkout, returns
anywhere, holds, renewals and the overdue / due-soon / hold-expiry sweeps."""
import datetime as dt

from nameko.rpc import RpcProxy

from services.library import circulation, desk, editions_rpc, holds, schemas
from services.library.jobs import schedule
from services.library.storage import LibraryStore
from shared import clock
from shared.auth import Actor
from shared.errors import EXPECTED, Conflict, Forbidden, Invalid, NotFound
from shared.mongo import Mongo
from shared.rpc import call, require_community, rpc
from shared.schemas import load
from shared import service as chassis  # not the class itself: `nameko run` would run it too
from shared.service import bootstrap

bootstrap("library")

branch_out = schemas.Branch()
copy_out = schemas.Copy()
loan_out = schemas.Loan()
hold_out = schemas.Hold()
title_out = schemas.Title()


def _branch(doc):
    return branch_out.dump({**doc, "id": doc["_id"]})


def _copy(doc):
    return copy_out.dump({**doc, "id": doc["_id"], "hold_id": doc.get("hold_id")})


def _loan(doc):
    return loan_out.dump({**doc, "id": doc["_id"],
                          "borrowed_at": clock.local_iso(doc["borrowed_at"]),
                          "returned_at": clock.local_iso(doc.get("returned_at"))})


class LibraryService(editions_rpc.EditionsRpc, desk.LendingDesk, chassis.LinliService):
    name = "library"
    store = Mongo(LibraryStore)
    jobs = schedule
    residents = RpcProxy("residents")

    # -- branches -------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def list_branches(self, actor, query=None):
        Actor.of(actor)
        data = load(schemas.BranchQuery, query or {})
        return {"items": [_branch(b) for b in self.store.list_branches(data["community_id"])],
                "next_cursor": None}

    @rpc(expected_exceptions=EXPECTED)
    def create_branch(self, actor, payload):
        who = Actor.of(actor)
        data = load(schemas.NewBranch, payload)
        who.require_manager(data["community_id"])
        require_community(self.residents, data["community_id"])
        return _branch(self.store.add_branch(data))

    # -- titles and copies ------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def create_title(self, actor, payload):
        Actor.of(actor).require_staff()
        data = load(schemas.NewTitle, payload)
        return self._titles([self.store.add_title(data)])[0]

    @rpc(expected_exceptions=EXPECTED)
    def search_titles(self, actor, query):
        """Catalogue search over title, author and tags, with available copies per branch."""
        Actor.of(actor)
        data = load(schemas.TitleQuery, query)
        docs, next_cursor = self.store.search_titles(data["q"], data["limit"], data["cursor"])
        return {"items": self._titles(docs, data["community_id"]), "next_cursor": next_cursor}

    @rpc(expected_exceptions=EXPECTED)
    def get_title(self, actor, title_id):
        Actor.of(actor)
        return self._titles([self._title(title_id)])[0]

    @rpc(expected_exceptions=EXPECTED)
    def create_copy(self, actor, payload):
        who = Actor.of(actor)
        data = load(schemas.NewCopy, payload)
        branch = self._branch_field(data["branch_id"])
        who.require_manager(branch["community_id"])
        title = self.store.title(data["title_id"])
        if not title:
            raise Invalid("no such title", details={"title_id": ["unknown title"]})
        return _copy(self.store.add_copy(title, data["code"], branch["_id"]))

    @rpc(expected_exceptions=EXPECTED)
    def get_copy(self, actor, code):
        Actor.of(actor)
        copy = self.store.copy_by_code(code)
        if not copy:
            raise NotFound("no copy with this code")
        return _copy(copy)

    @rpc(expected_exceptions=EXPECTED)
    def import_titles(self, actor, payload):
        """Staff: add many titles (and copies at a branch) at once; see ``importer``."""
        who = Actor.of(actor)
        who.require_staff()
        data = load(schemas.Import, payload)
        branch_ids = {r["branch_id"] for r in data["rows"] if r.get("branch_id")}
        branches = self.store.branches_by_ids(branch_ids)
        for branch_id in branch_ids:
            if branch_id not in branches:
                raise Invalid("no such branch", details={"rows": [f"unknown branch {branch_id}"]})
            who.require_manager(branches[branch_id]["community_id"])
        return self.store.import_rows(data["rows"])

    # -- circulation ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def checkout(self, actor, payload):
        """Self-checkout: the caller scanned ``code`` (or staff at the desk lend it to
        ``resident_id``, a resident of their community). The loan takes the copy's own
        branch (its loan period and community), whatever ``branch_id`` says; an unknown
        ``branch_id`` is still 422."""
        who = Actor.of(actor)
        data = load(schemas.Checkout, payload)
        borrower = self._whose(who, data["resident_id"])
        copy = self._copy_field(data["code"])
        self._branch_field(data["branch_id"])
        branch = self._branch_field(copy["branch_id"], "code")
        refusal = circulation.checkout_refusal(copy, borrower)
        if refusal:
            code, message, details = refusal
            raise Conflict(message, code=code, details=details)
        title = self.store.title(copy["title_id"])
        return _loan(self.store.checkout(borrower, copy, title, branch, clock.now()))

    @rpc(expected_exceptions=EXPECTED)
    def return_copy(self, actor, payload):
        """A return at any branch (by the borrower or staff); the copy lives there now."""
        who = Actor.of(actor)
        data = load(schemas.Scan, payload)
        copy, branch = self._copy_field(data["code"]), self._branch_field(data["branch_id"])
        if copy["status"] != "on_loan" or not copy.get("loan_id"):
            raise Conflict("this copy is not on loan", code="not_on_loan",
                           details={"status": copy["status"]})
        loan = self.store.loan(copy["loan_id"])
        if not circulation.may_return(loan["resident_id"] == who.id,
                                      who.manages(branch["community_id"]),
                                      who.manages(loan["community_id"])):
            raise Forbidden("only the borrower or staff can return this copy")
        title = self.store.title(copy["title_id"])
        returned, moved = self.store.return_copy(copy, loan, title, branch, clock.now())
        return {"loan": _loan(returned), "copy": _copy(moved)}

    @rpc(expected_exceptions=EXPECTED)
    def receive_transfer(self, actor, payload):
        """Staff of the branch: a copy arrives there (in transit for a hold there: ready).
        An available copy is moved only by staff of the community it stands in."""
        who = Actor.of(actor)
        data = load(schemas.Scan, payload)
        copy, branch = self._copy_field(data["code"]), self._branch_field(data["branch_id"])
        who.require_manager(branch["community_id"])
        if copy["status"] not in circulation.RECEIVABLE_COPY_STATES:
            raise Conflict(f"a copy that is {copy['status'].replace('_', ' ')} cannot be received",
                           code="illegal_transition", details={"status": copy["status"]})
        where = self.store.branch(copy["branch_id"])
        if not circulation.may_receive(copy["status"],
                                       bool(where) and who.manages(where["community_id"])):
            raise Forbidden("an available copy is moved only by staff of its own community")
        title = self.store.title(copy["title_id"])
        return _copy(self.store.receive(copy, title, branch, clock.now()))

    @rpc(expected_exceptions=EXPECTED)
    def renew_loan(self, actor, loan_id):
        who = Actor.of(actor)
        loan = self.store.loan(loan_id)
        if not loan:
            raise NotFound("no such loan")
        who.require_self_or_manager(loan["resident_id"], loan["community_id"], "not your loan")
        due = dt.date.fromisoformat(loan["due_date"])
        refusal = circulation.renewal_refusal(
            loan["status"], loan["renewals"], due, clock.today_local(),
            self.store.someone_waits(loan["title_id"]))
        if refusal:
            raise Conflict(refusal[1], code=refusal[0])
        new_due = circulation.renewed_due_date(due, loan["loan_period_days"])
        return _loan(self.store.renew(loan, new_due))

    @rpc(expected_exceptions=EXPECTED)
    def list_loans(self, actor, query):
        who = Actor.of(actor)
        data = load(schemas.LoanQuery, query)
        resident_id = self._whose(who, data["resident_id"])
        docs, next_cursor = self.store.list_loans(resident_id, data["status"], data["limit"],
                                                  data["cursor"])
        return {"items": [_loan(d) for d in docs], "next_cursor": next_cursor}

    # -- holds ------------------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def place_hold(self, actor, payload):
        who = Actor.of(actor)
        data = load(schemas.NewHold, payload)
        title = self.store.title(data["title_id"])
        if not title:
            raise Invalid("no such title", details={"title_id": ["unknown title"]})
        branch = self._branch_field(data["pickup_branch_id"], "pickup_branch_id")
        if self.store.has_open_loan_of(who.id, title["_id"]):
            raise Conflict("you have this title on loan already", code="already_on_loan")
        return self._hold(self.store.place_hold(who.id, title, branch, clock.now()))

    @rpc(expected_exceptions=EXPECTED)
    def cancel_hold(self, actor, hold_id):
        who = Actor.of(actor)
        hold = self.store.hold(hold_id)
        if not hold:
            raise NotFound("no such hold")
        if hold["resident_id"] != who.id and not who.manages(hold["community_id"]):
            raise NotFound("no such hold")
        if not holds.may_cancel(hold["status"]):
            raise Conflict(f"the hold is already {hold['status']}", code="illegal_transition")
        title = self.store.title(hold["title_id"])
        return self._hold(self.store.cancel_hold(hold, title, clock.now()))

    @rpc(expected_exceptions=EXPECTED)
    def list_holds(self, actor, query):
        who = Actor.of(actor)
        data = load(schemas.HoldQuery, query)
        docs, next_cursor = self.store.list_holds(who.id, data["status"], data["limit"],
                                                  data["cursor"])
        return {"items": [self._hold(d) for d in docs], "next_cursor": next_cursor}

    # -- for other services ---------------------------------------------------------------------
    @rpc(expected_exceptions=EXPECTED)
    def title_availability(self, title_id):
        """Availability of one title: ``{id, title, author, available: [{branch_id,
        branch_name, kind, count}], available_total, copies_total}``. NotFound when
        there is no such title."""
        return self._titles([self._title(title_id)])[0]

    @rpc(expected_exceptions=EXPECTED)
    def resident_loans(self, resident_id):
        """A resident's open loans (``active`` or ``overdue``), newest first, each
        ``{id, title, copy_code, due_date, status, renewals, branch_id, ...}``."""
        return [_loan(d) for d in self.store.open_loans_of(resident_id)]

    # -- helpers --------------------------------------------------------------------------------
    def _title(self, title_id):
        title = self.store.title(title_id)
        if not title:
            raise NotFound("no such title")
        return title

    def _copy_field(self, code):
        copy = self.store.copy_by_code(code)
        if not copy:
            raise Invalid("no copy with this code", details={"code": ["unknown copy code"]})
        return copy

    def _branch_field(self, branch_id, field="branch_id"):
        branch = self.store.branch(branch_id)
        if not branch:
            raise Invalid("no such branch", details={field: ["unknown branch"]})
        return branch

    def _whose(self, who: Actor, resident_id):
        if not resident_id or resident_id == who.id:
            return who.id
        who.require_staff()
        resident = call(self.residents, "get_resident", resident_id)  # 404 when unknown
        who.require_manager(resident["community_id"], "not a resident of your community")
        return resident_id

    def _hold(self, doc):
        waiting = self.store.waiting_on(doc["title_id"]) if doc["status"] == "waiting" else []
        return hold_out.dump({**doc, "id": doc["_id"], "position": holds.position(doc, waiting),
                              "created_at": clock.local_iso(doc["created_at"]),
                              "ready_at": clock.local_iso(doc.get("ready_at")),
                              "expires_at": clock.local_iso(doc.get("expires_at"))})

    def _titles(self, docs, community_id=None):
        copies = self.store.copies_of([d["_id"] for d in docs])
        branches = self.store.branches_by_ids({c["branch_id"] for c in copies})
        editions = self._editions_by_title([d["_id"] for d in docs])
        out = []
        for doc in docs:
            available, total = circulation.availability(doc["_id"], copies, branches, community_id)
            out.append(title_out.dump({**doc, "id": doc["_id"], "isbn": doc.get("isbn"),
                                       "available": available,
                                       "available_total": sum(a["count"] for a in available),
                                       "editions": editions.get(doc["_id"], []),
                                       "copies_total": total}))
        return out
