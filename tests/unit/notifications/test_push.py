"""Sending one push against local receivers (loopback, no broker, no database): the
name is resolved once and the connection goes to the address that was checked; a
receiver that drips its answer or answers too much is cut off."""
import ipaddress
import socket as real_socket
import threading
import time

import pytest
from eventlet.green import socket as green_socket

from services.notifications import push
from shared.devstack import free_port


class Receiver:
    """A raw TCP receiver: ``answer(conn, request_bytes)`` writes whatever it likes."""

    def __init__(self, answer):
        self.requests, self.stop = [], threading.Event()
        self.port = free_port()
        self.listener = real_socket.create_server(("127.0.0.1", self.port))
        self.listener.settimeout(0.2)
        self.answer = answer
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(5)
                data = b""
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, rest = data.partition(b"\r\n\r\n")
                length = int([line.split(b":")[1] for line in head.split(b"\r\n")
                              if line.lower().startswith(b"content-length")][0])
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests.append(head.decode())
                try:
                    self.answer(conn, self.stop)
                except OSError:
                    pass

    def close(self):
        self.stop.set()
        self.listener.close()


def ok_answer(conn, stop):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")


@pytest.fixture
def receivers():
    made = []
    yield lambda answer=ok_answer: made.append(Receiver(answer)) or made[-1]
    for receiver in made:
        receiver.close()


@pytest.fixture
def dns(monkeypatch):
    """A resolver for made-up names: answers[name] is a list of answers, one per
    lookup (the last repeats). IP literals resolve as usual and are not counted."""
    real = green_socket.getaddrinfo
    state = {"answers": {}, "lookups": []}

    def getaddrinfo(host, port, *args, **kwargs):
        try:
            ipaddress.ip_address(host)
            return real(host, port, *args, **kwargs)
        except ValueError:
            pass
        state["lookups"].append(host)
        answers = state["answers"][host]
        addresses = answers[min(len(state["lookups"]) - 1, len(answers) - 1)]
        return [(real_socket.AF_INET6 if ":" in a else real_socket.AF_INET,
                 real_socket.SOCK_STREAM, 6, "", (a, port)) for a in addresses]
    monkeypatch.setattr(green_socket, "getaddrinfo", getaddrinfo)
    return state


def send(url, production=False, **kwargs):
    return push.post(url, b'{"id": "m1"}', {"Content-Type": "application/json"}, production,
                     **kwargs)


def test_a_push_connects_to_the_address_it_checked_with_the_name_as_host(receivers, dns):
    receiver = receivers()
    # the first lookup says loopback (allowed outside production); a rebinding DNS
    # would answer differently the second time
    dns["answers"]["hooks.example.test"] = [["127.0.0.1"], ["10.255.255.1"]]
    result = send(f"http://hooks.example.test:{receiver.port}/hook?key=1")
    assert result == {"ok": True, "status_code": 200, "outcome": "delivered"}
    assert dns["lookups"] == ["hooks.example.test"]
    request = receiver.requests[0]
    assert request.startswith("POST /hook?key=1 HTTP/1.1")
    assert f"Host: hooks.example.test:{receiver.port}" in request


@pytest.mark.parametrize("addresses", [["127.0.0.1"], ["93.184.216.34", "127.0.0.1"],
                                       ["100.64.0.7"], ["169.254.169.254"], ["::1"]])
def test_a_name_that_resolves_to_any_non_public_address_is_refused_in_production(
        receivers, dns, addresses):
    receiver = receivers()
    dns["answers"]["rebind.example.test"] = [addresses]
    result = send(f"http://rebind.example.test:{receiver.port}/hook", production=True)
    assert result == {"ok": False, "status_code": None, "outcome": "address_refused"}
    assert receiver.requests == []


def test_the_cloud_metadata_address_is_refused_outside_production_too(dns):
    dns["answers"]["metadata.example.test"] = [["169.254.169.254"]]
    assert send("http://metadata.example.test/latest")["outcome"] == "address_refused"


def test_a_receiver_that_drips_its_answer_is_cut_off_at_the_push_deadline(receivers):
    def drip(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\n")
        while not stop.is_set():  # one header byte at a time: every read succeeds
            conn.sendall(b"X")
            time.sleep(0.05)
    receiver = receivers(drip)
    result = send(f"http://127.0.0.1:{receiver.port}/hook", deadline=0.5)
    assert result["outcome"] == "timeout" and not result["ok"]


def test_a_receiver_that_never_answers_is_cut_off_at_the_push_deadline(receivers):
    receiver = receivers(lambda conn, stop: stop.wait(30))
    assert send(f"http://127.0.0.1:{receiver.port}/hook", deadline=0.5)["outcome"] == "timeout"


def test_an_answer_larger_than_the_cap_is_not_read(receivers):
    def huge_headers(conn, stop):
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + b"".join(
            b"X-Padding-%d: %s\r\n" % (n, b"x" * 2000) for n in range(60)) + b"\r\n")
    receiver = receivers(huge_headers)
    result = send(f"http://127.0.0.1:{receiver.port}/hook", cap=64 * 1024)
    assert result == {"ok": False, "status_code": None, "outcome": "answer_too_large"}


def test_a_large_body_after_a_2xx_status_still_counts_as_delivered(receivers):
    def big_body(conn, stop):
        conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 200_000)
    receiver = receivers(big_body)
    assert send(f"http://127.0.0.1:{receiver.port}/hook", cap=64 * 1024) == {
        "ok": True, "status_code": 202, "outcome": "delivered"}


def test_a_refusing_receiver_and_an_error_status_are_told_apart(receivers):
    receiver = receivers(lambda conn, stop: conn.sendall(
        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 5\r\n\r\noops!"))
    assert send(f"http://127.0.0.1:{receiver.port}/hook") == {
        "ok": False, "status_code": 500, "outcome": "rejected"}
    closed = free_port()
    assert send(f"http://127.0.0.1:{closed}/hook")["outcome"] == "connection_failed"
