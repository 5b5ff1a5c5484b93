"""``POST /api/v1/admin/jobs/{name}``: the same sweeps the services' timers run, on
demand and with an ``as_of`` instant (which is also how tests move time)."""
import datetime as dt

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.gateway.web import actor, body, call
from shared import clock
from shared.config import settings
from shared.errors import Invalid, NotFound
from shared.schemas import StrictSchema

blp = Blueprint("jobs", __name__, description="Scheduled jobs, run on demand")

# job name -> the service that owns it; each exposes rpc run_job(actor, name, as_of)
JOBS = {
    "library-overdue": "library",
    "library-due-soon": "library",
    "library-hold-expiry": "library",
    "volunteer-sla": "volunteer",
    "canteen-no-show": "canteen",
    "canteen-pickup-reminder": "canteen",
    "notifications-push": "notifications",
}


# Far enough either way for any test that moves time; near year 9999 the sweeps' own
# arithmetic (a serving window, a due date) would leave the calendar.
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.timezone.utc)


class JobRun(StrictSchema):
    as_of = fields.AwareDateTime(load_default=None, allow_none=True,
                                 validate=validate.Range(min=EARLIEST, max=LATEST))


class JobResult(Schema):
    processed = fields.Integer()


@blp.route("/admin/jobs/<name>", methods=["POST"])
@blp.arguments(JobRun)
@blp.response(200, JobResult)
def run_job(_, name):
    """Staff (their community) or admin (every community): run a job now."""
    if name not in JOBS:
        raise NotFound(f"no job named {name}", details={"jobs": sorted(JOBS)})
    who = actor()
    as_of = body().get("as_of")
    if as_of and settings().production and clock.parse_instant(as_of) > clock.now():
        # a job run "in 2030" would mark every coming booking a no-show
        raise Invalid("a job cannot run in the future", details={"as_of": ["not after now"]})
    # who may run it (staff for their community, admin for all) is the service's rule
    return call(JOBS[name], "run_job", who, name, as_of)
