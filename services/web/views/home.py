"""The resident's home: a tile for each thing Linli does."""
from flask import Blueprint, render_template

from services.web.sessions import signed_in

bp = Blueprint("home", __name__)


@bp.get("/app")
@signed_in
def home():
    return render_template("app/home.html", unread_inline=True)
