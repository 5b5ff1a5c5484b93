"""Points: balance, entries, the points supermarket's rewards, redeem."""
from flask import Blueprint, render_template, request, url_for

from services.web import gateway
from services.web.sessions import signed_in
from services.web.views.common import refused, see_other

bp = Blueprint("points", __name__)


def _context():
    return {"points": gateway.get("/points/me").body or {"balance": 0, "entries": []},
            "rewards": gateway.get("/points/rewards").items()}


@bp.get("/app/points")
@signed_in
def points():
    return render_template("app/points.html", errors={}, problem=None,
                           redeemed=request.args.get("redeemed"), **_context())


@bp.post("/app/points/redemptions")
@signed_in
def redeem():
    answer = gateway.post("/points/redemptions", {"reward_id": request.form.get("reward_id", "")})
    if not answer.ok:
        return refused("app/points.html", answer, redeemed=None, **_context())
    return see_other(url_for("points.points", redeemed=1))
