"""What every service gets from the chassis, checked on the service classes themselves."""
import pytest
from nameko.cli.run import import_service

from shared.config import SERVICES
from shared.outbox import OutboxRelay
from shared.service import LinliService


@pytest.mark.parametrize("name", SERVICES)
def test_nameko_run_starts_the_service_alone_with_its_store_relay_and_jobs(name):
    found = import_service(f"services.{name}.service")  # what `nameko run` runs
    # the chassis class itself would run as a second service "linli" without a store
    assert [cls.name for cls in found] == [name]
    service = found[0]
    assert issubclass(service, LinliService)
    assert isinstance(service.relay, OutboxRelay)
    assert hasattr(service, "run_job") and hasattr(service, "run_due_jobs")
    if service.jobs is not None:
        assert service.jobs.service == name
