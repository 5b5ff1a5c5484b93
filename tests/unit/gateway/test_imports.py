"""The gateway is a production process: it must not load development-only code."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_gateway_does_not_import_the_development_stack():
    probe = ("import sys, services.gateway.app; "
             "print(sorted(m for m in sys.modules if m in ('shared.devstack', 'deploy.local.run')))")
    answer = subprocess.run([sys.executable, "-W", "ignore", "-c", probe], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert answer.returncode == 0, answer.stderr
    assert answer.stdout.strip().splitlines()[-1] == "[]"
