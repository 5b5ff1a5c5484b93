"""Apply the broker's policies from deploy/rabbitmq/definitions.json through the
management API (``RABBITMQ_MANAGEMENT_URL``), idempotently. docker compose runs it once
as ``rabbitmq-setup``; Kubernetes loads the same file at the broker's boot instead.

    python -m shared.brokersetup [definitions.json]
"""
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote, urlparse

import requests

DEFINITIONS = Path(__file__).resolve().parent.parent / "deploy" / "rabbitmq" / "definitions.json"


def policy_requests(definitions: dict, base_url: str) -> list[tuple[str, dict]]:
    """(url, body) of one PUT per policy in the definitions."""
    base = base_url.rstrip("/")
    calls = []
    for policy in definitions.get("policies", []):
        url = f"{base}/api/policies/{quote(policy['vhost'], safe='')}/{quote(policy['name'], safe='')}"
        body = {k: policy[k] for k in ("pattern", "definition", "priority", "apply-to") if k in policy}
        calls.append((url, body))
    return calls


def main(path: str | None = None) -> int:
    base_url = os.environ.get("RABBITMQ_MANAGEMENT_URL")
    if not base_url:
        print("set RABBITMQ_MANAGEMENT_URL, e.g. http://user:pass@rabbitmq:15672", file=sys.stderr)
        return 2
    parsed = urlparse(base_url)
    auth = (parsed.username, parsed.password) if parsed.username else None
    plain = parsed._replace(netloc=parsed.hostname + (f":{parsed.port}" if parsed.port else "")).geturl()
    definitions = json.loads(Path(path or DEFINITIONS).read_text())
    for url, body in policy_requests(definitions, plain):
        answer = requests.put(url, json=body, auth=auth, timeout=10)
        if answer.status_code not in (201, 204):
            print(f"{url}: {answer.status_code} {answer.text[:200]}", file=sys.stderr)
            return 1
        print(f"policy {url.rsplit('/', 1)[-1]} applied")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
