"""``POST /api/v1/admin/jobs/{name}``: the same jobs the services' timers run, on
demand and with an ``as_of`` instant (which is also how tests move time). The jobs
are those the deployed services declare (``shared/jobs.py``); who may run one, and
which instants are allowed, is the service's rule (``LinliService.run_job``)."""
import importlib
import importlib.util

from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from services.gateway.web import actor, body, call
from shared.config import deployed_services
from shared.errors import NotFound
from shared.jobs import EARLIEST, JOBS, LATEST
from shared.schemas import StrictSchema

blp = Blueprint("jobs", __name__, description="Scheduled jobs, run on demand")

for _service in deployed_services():  # each service's jobs module declares its jobs
    if importlib.util.find_spec(f"services.{_service}.jobs"):
        importlib.import_module(f"services.{_service}.jobs")
RUNNABLE = {name: job.service for name, job in JOBS.items() if job.service in deployed_services()}


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
    if name not in RUNNABLE:
        raise NotFound(f"no job named {name}", details={"jobs": sorted(RUNNABLE)})
    return call(RUNNABLE[name], "run_job", actor(), name, body().get("as_of"))
