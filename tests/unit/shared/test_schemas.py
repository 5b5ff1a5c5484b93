"""Input hygiene: unknown fields, operators and dotted keys are 422, never stored."""
import pytest
from marshmallow import fields

from shared.errors import Invalid
from shared.schemas import StrictSchema, load


class Note(StrictSchema):
    text = fields.String(required=True)
    tags = fields.List(fields.Dict())


@pytest.mark.parametrize("payload, field", [
    ({"text": "hi", "extra": 1}, "extra"),
    ({"text": {"$gt": ""}}, "text.$gt"),
    ({"text": "hi", "tags": [{"a.b": 1}]}, "tags.0.a.b"),
    ({"$where": "1"}, "$where"),
])
def test_hostile_or_unknown_input_is_refused_with_the_field_named(payload, field):
    with pytest.raises(Invalid) as err:
        load(Note(), payload)
    assert field in err.value.details


def test_deep_nesting_is_refused():
    nested = {"text": "x", "tags": [{}]}
    inner = nested["tags"][0]
    for _ in range(20):
        inner["k"] = {}
        inner = inner["k"]
    with pytest.raises(Invalid):
        load(Note(), nested)


def test_clean_input_loads():
    assert load(Note(), {"text": "你好"}) == {"text": "你好"}


def test_numbers_beyond_64_bits_are_refused():
    class Count(StrictSchema):
        n = fields.Integer()
    with pytest.raises(Invalid) as err:
        load(Count(), {"n": 2**64})
    assert "n" in err.value.details
    assert load(Count(), {"n": 2**62}) == {"n": 2**62}
