"""Directory routes: the community's service places over HTTP. Validation only; the
rules (open now, stale) live in the service."""
from flask_smorest import Blueprint

from services.directory import schemas
from services.gateway.web import QUERY, actor, body, call, query_args

blp = Blueprint("directory", __name__,
                description="Directory of nearby service places and phone numbers")


@blp.route("/directory/places", methods=["POST"])
@blp.arguments(schemas.NewPlace)
@blp.response(201, schemas.PlaceOut)
def create_place(_):
    """Staff of the community: add a place with weekly `hours` (ISO weekdays 1-7; a
    `close` before `open` runs past midnight). It counts as verified now."""
    return call("directory", "create_place", actor(), body())


@blp.route("/directory/places", methods=["GET"])
@blp.arguments(schemas.PlaceQuery, **QUERY)
@blp.alt_response(200, schema=schemas.PlaceList, success=True)
def list_places(_):
    """Anyone signed in: a community's places (default: the caller's), newest first,
    narrowed by `category`, keywords `q` (every word must appear) and `open_now`. Each
    carries `open_now` (in `LINLI_TZ`) and `stale` (not verified for 180 days)."""
    return call("directory", "list_places", actor(), query_args())


@blp.route("/directory/places/<place_id>", methods=["PATCH"])
@blp.arguments(schemas.PlaceChanges)
@blp.response(200, schemas.PlaceOut)
def change_place(_, place_id):
    """Staff of the place's community: change any field but the community."""
    return call("directory", "change_place", actor(), place_id, body())


@blp.route("/directory/places/<place_id>/verify", methods=["POST"])
@blp.response(200, schemas.PlaceOut)
def verify_place(place_id):
    """Staff (a grid worker): the place was checked; `verified_at` is now."""
    return call("directory", "verify_place", actor(), place_id)
