"""`make run` keeps two Linli systems on one machine apart on the broker."""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "deploy" / "local"))

import localbroker  # noqa: E402  (deploy/local/localbroker.py)

GUEST = "amqp://guest:guest@127.0.0.1:5672/"


def test_two_checkouts_get_two_vhosts_and_one_checkout_always_the_same():
    a = localbroker.plan(GUEST, Path("/srv/linli-a"), rabbitmqctl_available=True)
    b = localbroker.plan(GUEST, Path("/srv/linli-b"), rabbitmqctl_available=True)
    again = localbroker.plan(GUEST, Path("/srv/linli-a"), rabbitmqctl_available=True)
    assert a.vhost != b.vhost and a.vhost == again.vhost and a.vhost.startswith("linli-")
    assert a.create and a.amqp_uri == f"amqp://guest:guest@127.0.0.1:5672/{a.vhost}"


def test_a_vhost_named_in_amqp_uri_is_used_as_given():
    chosen = localbroker.plan("amqp://guest:guest@127.0.0.1:5672/mine", ROOT, True)
    assert (chosen.vhost, chosen.create, chosen.amqp_uri) == (
        "mine", False, "amqp://guest:guest@127.0.0.1:5672/mine")
    assert localbroker.plan("amqp://u:p@127.0.0.1:5672/%2F", ROOT, True).vhost == "/"


def test_without_rabbitmqctl_or_on_a_remote_broker_the_default_vhost_is_used():
    assert localbroker.plan(GUEST, ROOT, rabbitmqctl_available=False).vhost == "/"
    remote = localbroker.plan("amqp://u:p@broker.example:5672/", ROOT, True)
    assert (remote.vhost, remote.create) == ("/", False)


def test_make_run_refuses_to_start_beside_another_linli_on_the_same_vhost():
    reason = localbroker.refusal("linli-abc", residents_consumers=2)
    assert "another Linli" in reason and "linli-abc" in reason and "AMQP_URI" in reason
    assert localbroker.refusal("linli-abc", residents_consumers=0) is None
