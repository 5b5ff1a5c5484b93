"""Apply the broker's policies from deploy/rabbitmq/definitions.json, and the
per-process users of shared/brokeraccess.py (when their ``LINLI_AMQP_PASSWORD_*``
are set), through the management API (``RABBITMQ_MANAGEMENT_URL``), idempotently.
docker compose runs it once as ``rabbitmq-setup``; Kubernetes loads the same
definitions at the broker's boot instead (``python -m shared.brokeraccess users-file``).

    python -m shared.brokersetup [definitions.json]
"""
import json
import os
import sys
from pathlib import Path
from urllib.parse import quote, unquote, urlparse

import requests

from shared import brokeraccess
from shared.config import is_placeholder, load_settings

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


def user_requests(document: dict, base_url: str) -> list[tuple[str, dict]]:
    """(url, body) of the PUTs that create the users of a brokeraccess definitions
    document with their permissions and topic permissions."""
    base = base_url.rstrip("/")
    calls = []
    for user in document["users"]:
        calls.append((f"{base}/api/users/{quote(user['name'], safe='')}",
                      {k: user[k] for k in ("password_hash", "hashing_algorithm", "tags")}))
    for kind, key in (("permissions", "permissions"), ("topic-permissions", "topic_permissions")):
        for grant in document[key]:
            url = f"{base}/api/{kind}/{quote(grant['vhost'], safe='')}/{quote(grant['user'], safe='')}"
            calls.append((url, {k: v for k, v in grant.items() if k not in ("user", "vhost")}))
    return calls


def service_users() -> dict | None:
    """The per-process users' definitions, or None when no password is configured."""
    if not load_settings(os.environ).broker_passwords:
        return None
    passwords = brokeraccess.passwords_from_env()
    for process, password in passwords.items():
        if is_placeholder(password) or len(password) < 16:
            raise SystemExit(f"{brokeraccess.password_variable(process)} is a placeholder or "
                             "shorter than 16 characters; set a random password.")
    return brokeraccess.definitions(passwords)


def main(path: str | None = None) -> int:
    base_url = load_settings(os.environ).rabbitmq_management_url
    if not base_url:
        print("set RABBITMQ_MANAGEMENT_URL, e.g. http://user:pass@rabbitmq:15672", file=sys.stderr)
        return 2
    parsed = urlparse(base_url)
    auth = (parsed.username, parsed.password) if parsed.username else None
    plain = parsed._replace(netloc=parsed.hostname + (f":{parsed.port}" if parsed.port else "")).geturl()
    definitions = json.loads(Path(path or DEFINITIONS).read_text())
    users = service_users()
    calls = policy_requests(definitions, plain) + (user_requests(users, plain) if users else [])
    for url, body in calls:
        answer = requests.put(url, json=body, auth=auth, timeout=10)
        if answer.status_code not in (201, 204):
            print(f"{url}: {answer.status_code} {answer.text[:200]}", file=sys.stderr)
            return 1
        print(f"{url.split('/api/', 1)[1].split('/', 1)[0]} {unquote(url.rsplit('/', 1)[-1])} applied")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:2]))
