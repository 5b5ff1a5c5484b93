"""Sign-in under load and behind shared addresses, on a stack of its own: the residents
service with the production argon2 profile (not the suite's cheap one), the gateway
trusting one proxy hop (so a test can speak from several client addresses through
``X-Forwarded-For``), and a registration limit small enough to reach."""
import itertools
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tests.conftest import ADMIN_PASSWORD, ADMIN_PHONE, Stack
from tests.helpers import next_phone

REGISTRATIONS_PER_HOUR = 5


@pytest.fixture(scope="module")
def own_stack():
    stack = Stack(services=["residents"], extra_env={
        "LINLI_ARGON2_PROFILE": "default", "LINLI_PROXY_HOPS": "1",
        "LINLI_REGISTER_LIMIT_PER_HOUR": str(REGISTRATIONS_PER_HOUR)})
    yield stack
    stack.close()


def _address():
    return f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250 + 1}"


class Client:
    """One person's device: its own HTTP session and its own client address."""

    def __init__(self, stack, address=None):
        self.base, self.http = stack.url + "/api/v1", requests.Session()
        self.http.headers["X-Forwarded-For"] = address or _address()

    def post(self, path, json, token=None):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return self.http.post(self.base + path, json=json, headers=headers, timeout=60)

    def get(self, path, token):
        return self.http.get(self.base + path, headers={"Authorization": f"Bearer {token}"},
                             timeout=60)

    def sign_in(self, phone, password):
        return self.post("/auth/token", {"phone": phone, "password": password})

    def register(self, community_id, phone=None, password="good-pass-1"):
        return self.post("/auth/register", {
            "phone": phone or next_phone(), "password": password, "name": "邻居",
            "birth_date": "1956-04-03", "community_id": community_id})


@pytest.fixture(scope="module")
def community(own_stack):
    admin = Client(own_stack)
    token = admin.sign_in(ADMIN_PHONE, ADMIN_PASSWORD).json()["access_token"]
    answer = admin.post("/communities", {"name": f"负载-{uuid.uuid4().hex[:6]}"}, token)
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def _resident(stack, community_id):
    client, phone = Client(stack), next_phone()
    assert client.register(community_id, phone).status_code == 201
    return client, phone


def test_a_burst_of_sign_ups_answers_every_client_and_me_keeps_answering(own_stack, community):
    """32 people register and sign in at once (64 argon2 hashes with the production
    profile) while 4 signed-in people keep asking GET /me: no 503 anywhere, and /me
    answers arrive between the burst's answers, not only after it (evidence by order)."""
    order = itertools.count()    # one global order of answers; next() is atomic
    watchers = []
    for _ in range(4):
        client, phone = _resident(own_stack, community)
        watchers.append((client, client.sign_in(phone, "good-pass-1").json()["access_token"]))
    me_answers, burst_answers = [], []
    burst_over = threading.Event()
    start = threading.Barrier(32 + len(watchers))

    def watch(client, token):
        start.wait()
        while not burst_over.is_set():
            status = client.get("/me", token).status_code
            me_answers.append((next(order), status))

    def sign_up(_):
        client, phone = Client(own_stack), next_phone()
        start.wait()
        registered = client.register(community, phone)
        burst_answers.append((next(order), "register", registered.status_code))
        signed_in = client.sign_in(phone, "good-pass-1")
        burst_answers.append((next(order), "token", signed_in.status_code))

    with ThreadPoolExecutor(max_workers=32 + len(watchers)) as pool:
        watching = [pool.submit(watch, *w) for w in watchers]
        list(pool.map(sign_up, range(32)))
        burst_over.set()
        for done in watching:
            done.result()

    assert [s for _, kind, s in burst_answers if kind == "register"] == [201] * 32, burst_answers
    assert [s for _, kind, s in burst_answers if kind == "token"] == [200] * 32, burst_answers
    assert me_answers and {status for _, status in me_answers} == {200}, me_answers
    first, last = min(n for n, *_ in burst_answers), max(n for n, *_ in burst_answers)
    during = [n for n, _ in me_answers if first < n < last]
    assert during, (first, last, me_answers)


def test_guesses_from_one_address_do_not_lock_the_owner_out_elsewhere(own_stack, community):
    """Per (address, phone): the guesser's address is refused after 10, the owner on
    another network still signs in (a lockout per phone alone let anyone lock anyone out)."""
    _, phone = _resident(own_stack, community)
    guesser = Client(own_stack)
    statuses = [guesser.sign_in(phone, f"guess-{i}-xx").status_code for i in range(12)]
    assert statuses == [401] * 10 + [429] * 2
    assert guesser.sign_in(phone, "good-pass-1").status_code == 429
    assert Client(own_stack).sign_in(phone, "good-pass-1").status_code == 200


def test_a_crowd_behind_one_address_is_slowed_not_locked_out(own_stack, community):
    """A community centre's Wi-Fi: 55 failed sign-ins (more than the old per-address
    lockout of 50) from one address across many phones; then the admin and a resident
    sign in from the same address. Every failure stays a 401, nobody gets 429."""
    wifi = _address()
    _, phone = _resident(own_stack, community)
    failures = [(next_phone(), "wrong-pass-1") for _ in range(55)]

    def attempt(pair):
        return Client(own_stack, wifi).sign_in(*pair).status_code

    statuses = [attempt(pair) for pair in failures[:20]]
    # past the free 20, failures are answered late; a crowd at once is never refused
    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses += list(pool.map(attempt, failures[20:]))
    assert statuses == [401] * 55
    assert Client(own_stack, wifi).sign_in(ADMIN_PHONE, ADMIN_PASSWORD).status_code == 200
    assert Client(own_stack, wifi).sign_in(phone, "good-pass-1").status_code == 200


def test_registration_is_limited_per_address_even_in_parallel(own_stack, community):
    terminal = _address()

    def sign_up(_):
        return Client(own_stack, terminal).register(community).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(sign_up, range(12)))
    assert sorted(statuses) == [201] * REGISTRATIONS_PER_HOUR + [429] * (12 - REGISTRATIONS_PER_HOUR)
    refused = Client(own_stack, terminal).register(community)
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "too_many_registrations"
    assert Client(own_stack).register(community).status_code == 201
