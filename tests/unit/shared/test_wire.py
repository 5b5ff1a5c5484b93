"""The wire codec (shared/wire.py) writes what kombu's stock JSON codec reads and reads
what it writes, values JSON lacks included; the gateway's proxies name the pure-Python
transport, so kombu never tries to import librabbitmq for them."""
import datetime as dt
import decimal

import kombu.connection
import pytest
from kombu.utils import json as stock

from shared import wire

VALUES = [
    {"menu": {"id": "a1", "dishes": [{"name": "红烧肉", "tags": ["荤"], "price_fen": 800}]}},
    {"at": dt.datetime(2026, 11, 30, 11, 30, tzinfo=dt.timezone.utc), "day": dt.date(2026, 12, 1)},
    {"amount": decimal.Decimal("12.50"), "raw": b"\x00\xff", "text": b"plain"},
    {"nested": [{"when": dt.datetime(2026, 1, 1, 8, 0, tzinfo=dt.timezone.utc)}, None, 1.5, True]},
    {1: "a key that is not a string"},
    [],
]


@pytest.mark.parametrize("value", VALUES)
def test_the_codec_and_kombus_stock_codec_read_each_other(value):
    ours, theirs = wire.dumps(value), stock.dumps(value)
    assert wire.loads(ours) == stock.loads(theirs)
    assert stock.loads(ours) == wire.loads(theirs) == stock.loads(theirs)
    assert wire.loads(ours.encode("utf-8")) == stock.loads(theirs)


def test_a_value_json_cannot_hold_is_refused_as_kombu_refuses_it():
    with pytest.raises(TypeError):
        wire.dumps({"pair": {1, 2}})


def test_the_gateway_names_the_pure_python_transport(monkeypatch):
    from services.gateway import rpc

    def no_probe():
        raise AssertionError("kombu probed for librabbitmq")
    monkeypatch.setattr(kombu.connection, "supports_librabbitmq", no_probe)
    uri = rpc.proxy_config()["AMQP_URI"]
    assert uri.startswith("pyamqp://")
    assert kombu.connection.Connection(uri).transport_cls == "pyamqp"
    with pytest.raises(AssertionError, match="librabbitmq"):
        kombu.connection.Connection("amqp" + uri[len("pyamqp"):])
