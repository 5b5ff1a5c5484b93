"""``POST /api/v1/admin/jobs/{name}``: the same sweeps the services' timers run, on
demand and with an ``as_of`` instant (which is also how tests move time)."""
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from services.gateway.web import actor, body, call
from shared.errors import NotFound
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


class JobRun(StrictSchema):
    as_of = fields.AwareDateTime(load_default=None, allow_none=True)


class JobResult(Schema):
    processed = fields.Integer()


@blp.route("/admin/jobs/<name>", methods=["POST"])
@blp.arguments(JobRun)
@blp.response(200, JobResult)
def run_job(_, name):
    """Staff (their community) or admin (every community): run a job now."""
    if name not in JOBS:
        raise NotFound(f"no job named {name}", details={"jobs": sorted(JOBS)})
    # who may run it (staff for their community, admin for all) is the service's rule
    return call(JOBS[name], "run_job", actor(), name, body().get("as_of"))
