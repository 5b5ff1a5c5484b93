"""The wire format of every RPC and event: JSON, encoded by orjson.

kombu's stock JSON codec is the standard library's encoder with a Python ``default``,
and nameko encodes every RPC reply twice (it checks that the answer serializes, then
kombu encodes it to send). On a week's menus that was 13 % of the canteen service's
CPU (py-spy, ``make bench --only "canteen menu GET"``). The codec registered here
writes the same JSON: values JSON lacks (datetimes, dates, Decimals, bytes) keep kombu's
``{"__type__": ..., "__value__": ...}`` markers, so a process on the stock codec (a
client outside Linli, the bench's echo caller) reads and writes the same messages.

``use()`` is idempotent; ``shared.rpc`` (every service) and the gateway call it."""
import orjson
from kombu.serialization import registry
from kombu.utils import json as kombu_json

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
_MARKER = '"__type__"'


def _marked(value):
    """What kombu's encoder writes for a value JSON has no type for (TypeError if none)."""
    return kombu_json.JSONEncoder().default(value)


def dumps(value) -> str:
    return orjson.dumps(value, default=_marked, option=_OPTIONS).decode("utf-8")


def loads(data):
    if isinstance(data, (bytes, bytearray, memoryview)):
        data = bytes(data).decode("utf-8")
    if _MARKER in data:  # a marked value: kombu's decoder restores its type
        return kombu_json.loads(data)
    return orjson.loads(data)


def use():
    """Make ``json`` (the serializer nameko names) this codec in this process."""
    registry.register("json", dumps, loads, content_type="application/json",
                      content_encoding="utf-8")
