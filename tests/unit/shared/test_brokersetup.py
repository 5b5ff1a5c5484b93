"""The compose setup applies every policy of the definitions file, with credentials."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

from shared import brokersetup
from shared.devstack import free_port


def run_setup_against_a_management_api(monkeypatch) -> list:
    """Run the setup against a stand-in of RabbitMQ's management API; answer every PUT
    it made as ``(path, body, authorization)``."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_PUT(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.path, body, self.headers.get("Authorization")))
            self.send_response(201)
            self.end_headers()

        def log_message(self, *args):
            pass

    port = free_port()
    server = HTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", f"http://linli:s3cret@127.0.0.1:{port}")
        assert brokersetup.main() == 0
    finally:
        server.shutdown()
    return received


def test_every_policy_in_the_definitions_is_put_with_its_settings(monkeypatch):
    received = run_setup_against_a_management_api(monkeypatch)
    policies = json.loads(brokersetup.DEFINITIONS.read_text())["policies"]
    assert [path for path, _, _ in received] == [f"/api/policies/%2F/{p['name']}" for p in policies]
    assert received[0][1]["definition"] == policies[0]["definition"]
    assert all(auth and auth.startswith("Basic ") for _, _, auth in received)


def test_without_a_management_url_it_says_what_to_set(monkeypatch):
    monkeypatch.delenv("RABBITMQ_MANAGEMENT_URL", raising=False)
    assert brokersetup.main() == 2


def test_with_passwords_set_every_process_gets_its_user_permissions_and_topic_permissions(monkeypatch):
    from shared import brokeraccess
    for process in brokeraccess.PROCESSES:
        monkeypatch.setenv(brokeraccess.password_variable(process), f"pw-{process}-0123456789abcdef")
    received = [(path, body) for path, body, _ in run_setup_against_a_management_api(monkeypatch)]
    users = {path.rsplit("/", 1)[1]: body for path, body in received if path.startswith("/api/users/")}
    assert set(users) == {brokeraccess.user_name(p) for p in brokeraccess.PROCESSES}
    assert all("password" not in body and body["password_hash"] for body in users.values())
    grants = {path.rsplit("/", 1)[1]: body for path, body in received
              if path.startswith("/api/permissions/%2F/")}
    assert grants["linli-canteen"] == brokeraccess.permissions("canteen")
    topics = [body for path, body in received if path == "/api/topic-permissions/%2F/linli-gateway"]
    assert topics == brokeraccess.topic_permissions("gateway")


def test_a_placeholder_broker_password_stops_the_setup(monkeypatch):
    from shared import brokeraccess
    for process in brokeraccess.PROCESSES:
        monkeypatch.setenv(brokeraccess.password_variable(process), "change-me-broker-canteen")
    monkeypatch.setenv("RABBITMQ_MANAGEMENT_URL", "http://linli:s3cret@127.0.0.1:9")
    import pytest
    with pytest.raises(SystemExit, match="placeholder"):
        brokersetup.main()
