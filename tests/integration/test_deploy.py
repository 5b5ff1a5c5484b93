"""What can be checked of the container setup without a Docker engine."""
import subprocess
import sys

import yaml

from shared import devstack


def compose():
    return yaml.safe_load((devstack.ROOT / "docker-compose.yml").read_text())


def test_compose_runs_every_service_and_the_gateway_on_real_images():
    services = compose()["services"]
    for name in devstack.available_services():
        command = services[name]["command"]
        assert command[-1] == f"services.{name}.service"
        assert services[name]["healthcheck"]["test"][-1] == name
    assert services["gateway"]["command"][0] == "gunicorn"
    assert services["mongo"]["image"].startswith("mongo:") and "--replSet" in services["mongo"]["command"]
    assert services["rabbitmq"]["image"].endswith("-management")


def test_the_image_healthcheck_command_answers_for_every_service(stack):
    for name in stack.services:
        result = subprocess.run([sys.executable, "-m", "shared.healthcheck", name],
                                env=devstack.base_env(**stack.env), cwd=devstack.ROOT,
                                capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr


def test_the_healthcheck_fails_for_a_service_that_is_not_running(stack):
    result = subprocess.run([sys.executable, "-m", "shared.healthcheck", "no_such_service"],
                            env=devstack.base_env(**stack.env), cwd=devstack.ROOT,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
