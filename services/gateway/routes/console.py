"""``GET /api/v1/console/today`` (added): a community's day on one page, for staff.

A frontend's morning page needs the kitchens, the help requests waiting for dispatch
and the lending desk's lists; asked one by one that is three round trips (and one per
canteen site). This route asks the three services at once and answers together. It
composes answers and holds no rule: who may see what is each service's decision, and a
service that refuses or fails makes the whole answer that error."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.canteen import schemas as canteen
from services.gateway.web import QUERY, actor, call_together, caller, query_args
from services.library import schemas as library
from services.volunteer import schemas as volunteer
from shared import clock
from shared.schemas import Day, Id, StrictSchema

blp = Blueprint("console", __name__, description="Staff console: a community's day at once")
NEEDS = ("canteen", "volunteer", "library")


class TodayQuery(StrictSchema):
    community_id = Id(load_default=None)
    date = Day(load_default=None)


class Today(Schema):
    community_id = fields.String()
    date = fields.String()
    kitchens = fields.List(fields.Nested(canteen.Kitchen))
    waiting_requests = fields.List(fields.Nested(volunteer.Request))
    desk = fields.Nested(library.DeskToday)


@blp.route("/console/today", methods=["GET"])
@blp.arguments(TodayQuery, **QUERY)
@blp.response(200, Today)
def today(_):
    """Staff of a community (an admin names one): today's kitchens of every canteen site,
    the help requests waiting for dispatch, and the lending desk's lists."""
    who, assertion, args = caller(), actor(), query_args()
    community_id = args.get("community_id") or who.community_id
    day = args.get("date") or clock.today_local().isoformat()
    kitchens, waiting, desk = call_together(
        ("canteen", "kitchens", assertion, community_id, day),
        # an admin sees the requests of every community waiting (the list is district-wide)
        ("volunteer", "list_requests", assertion, {"status": "submitted", "limit": 50}),
        ("library", "desk_today", assertion, community_id))
    return {"community_id": community_id, "date": day, "kitchens": kitchens,
            "waiting_requests": waiting["items"], "desk": desk}
