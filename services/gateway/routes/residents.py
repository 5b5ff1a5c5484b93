"""Accounts routes: the residents service over HTTP."""
from flask import request
from flask_smorest import Blueprint

from services.gateway.web import QUERY, actor, body, call, query_args
from services.residents import schemas

blp = Blueprint("accounts", __name__, description="Accounts, communities, staff and residents")


@blp.route("/auth/register", methods=["POST"])
@blp.arguments(schemas.Register)
@blp.response(201, schemas.Resident)
@blp.alt_response(429, description="too many registrations from this client address within "
                                   "an hour (`too_many_registrations`)")
@blp.doc(security=[])
def register(_):
    """Register as a resident of a community. The phone is stored in one normal form
    (`+86`/`0086`, spaces and dashes dropped): `+86 138-0000-0000` is `13800000000`."""
    return call("residents", "register", body(), request.remote_addr)


@blp.route("/auth/token", methods=["POST"])
@blp.arguments(schemas.Credentials)
@blp.response(200, schemas.Token)
@blp.alt_response(401, description="wrong phone or password (`bad_credentials`)")
@blp.alt_response(429, description="10 failed sign-ins for this phone from this client "
                                   "address (30 from all addresses) within 15 minutes, or too "
                                   "many delayed sign-ins from one address at once "
                                   "(`too_many_attempts`)")
@blp.doc(security=[])
def token(_):
    """Exchange phone and password for a bearer token."""
    return call("residents", "issue_token", body(), request.remote_addr)


@blp.route("/me", methods=["GET"])
@blp.alt_response(200, schema=schemas.Resident, success=True)  # the service shapes it
def me():
    """The caller's own profile."""
    return call("residents", "me", actor())


@blp.route("/communities", methods=["GET"])
@blp.response(200, schemas.Community(many=True))
@blp.doc(security=[])
def communities():
    """Every community, by name and district: public, so that a new resident can choose
    theirs when registering."""
    return call("residents", "list_communities")


@blp.route("/communities", methods=["POST"])
@blp.arguments(schemas.NewCommunity)
@blp.response(201, schemas.Community)
def create_community(_):
    """Admin: add a community."""
    return call("residents", "create_community", actor(), body())


@blp.route("/staff", methods=["POST"])
@blp.arguments(schemas.NewStaff)
@blp.response(201, schemas.Resident)
def create_staff(_):
    """Admin: add a staff account for a community."""
    return call("residents", "create_staff", actor(), body())


@blp.route("/residents", methods=["GET"])
@blp.arguments(schemas.ResidentQuery, **QUERY)
@blp.alt_response(200, schema=schemas.ResidentList, success=True)
def search_residents(_):
    """Staff of the community (or an admin): find residents by name or phone prefix."""
    return call("residents", "search_residents", actor(), query_args())


@blp.route("/residents/<resident_id>", methods=["PATCH"])
@blp.arguments(schemas.ResidentChanges)
@blp.response(200, schemas.ManagedResident)
def update_resident(_, resident_id):
    """Staff of the resident's community (or an admin): set groups, name, building,
    unit, birth_date. Nobody sets their own groups or birth date; a staff account's are
    set by an admin. Each birth date change is kept in `birth_date_corrections`."""
    return call("residents", "update_resident", actor(), resident_id, body())
