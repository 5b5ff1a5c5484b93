"""What the volunteer service does for the needs service: the claimer of a confirmed
micro-wish is credited the wish's points from the community's pool, once.

A mixin of ``VolunteerService`` (its class statement names it), so these entrypoints
run in the volunteer service with its store. The credit is a ``grant`` keyed by the
wish (``activity:wish:<id>``, unique in the ledger's transfers) inside ``run_once``:
a redelivered event, or the same wish confirmed twice, credits nothing more."""
from shared.events import handles


class FromNeeds:
    @handles("needs.wish_closed")
    def on_wish_closed(self, event):
        """Credit the claimer the points of the wish they fulfilled."""
        data = event["data"]
        if not data.get("points") or not data.get("claimer_id"):
            return
        self.store.run_once(event, "credit-wish", lambda tx: self.store.grant(
            data["community_id"], data["claimer_id"], data["points"], f"wish:{data['wish_id']}",
            f"微心愿 {data['title']}", "needs"))
