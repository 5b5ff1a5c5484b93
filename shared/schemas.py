"""Base marshmallow schema for everything that comes in.

Unknown fields are rejected, and so are Mongo operators, dotted keys and integers
beyond 64 bits anywhere in the input (``{"phone": {"$gt": ""}}``, ``{"a.b": 1}``): 422 with the field named.
"""
import datetime as dt

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from shared.errors import Invalid

MAX_DEPTH = 8
INT64 = 2**63


def _hostile_keys(value, path="", depth=0):
    if depth > MAX_DEPTH:
        yield path or "_schema", "nested too deeply"
        return
    if isinstance(value, dict):
        for key, inner in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and (key.startswith("$") or "." in key):
                yield where, "operators and dotted keys are not allowed"
            else:
                yield from _hostile_keys(inner, where, depth + 1)
    elif isinstance(value, list):
        for i, inner in enumerate(value):
            yield from _hostile_keys(inner, f"{path}.{i}" if path else str(i), depth + 1)
    elif isinstance(value, int) and not isinstance(value, bool) and not -INT64 <= value < INT64:
        yield path or "_schema", "a number within 64 bits"


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    @pre_load
    def refuse_operators(self, data, **kwargs):
        problems = dict(_hostile_keys(data))
        if problems:
            raise ValidationError({k: [v] for k, v in problems.items()})
        return data


_instances: dict[type, Schema] = {}


def load(schema: Schema | type[Schema], data, **kwargs):
    """Load or raise the contract's 422 with field errors in ``details``.

    Given a schema class, one instance of it serves every call: making a marshmallow
    schema copies all its fields, 4 % of the library service's CPU on a catalogue
    search when each call made its own. Linli's schemas keep nothing between loads."""
    if isinstance(schema, type):
        instance = _instances.get(schema)
        if instance is None:
            instance = _instances.setdefault(schema, schema())
        schema = instance
    try:
        return schema.load(data if data is not None else {}, **kwargs)
    except ValidationError as exc:
        raise Invalid("the input is invalid", details=_flatten(exc.messages)) from exc


def _flatten(messages):
    if isinstance(messages, dict):
        return {str(k): v for k, v in messages.items()}
    return {"_schema": messages}


class Whole(validate.Regexp):
    """A pattern the whole value must match. ``validate.Regexp`` uses ``re.match``, and
    ``$`` also matches before a final "\\n", so "LL-1\\n" passed as a copy code; this
    uses ``fullmatch`` and keeps the ``^...$`` pattern the OpenAPI spec shows (``\\Z`` is
    not a JSON Schema pattern)."""

    def __call__(self, value):
        if self.regex.fullmatch(value) is None:
            raise validate.ValidationError(self._format_error(value))
        return value


# Days a community's calendar uses: near year 1 or 9999 the rules' own arithmetic (a
# meal's start, a week of menus, a due date) would leave the calendar.
FIRST_DAY, LAST_DAY = dt.date(2000, 1, 1), dt.date(2999, 12, 31)


def Day(**kw):  # noqa: N802 (a field, like fields.Date)
    return fields.Date(validate=validate.Range(min=FIRST_DAY, max=LAST_DAY,
                                               error="a day between {min} and {max}"), **kw)


# Field helpers used across services.
Id = lambda **kw: fields.String(validate=validate.Length(min=1, max=64), **kw)  # noqa: E731
Text = lambda max_len=200, **kw: fields.String(  # noqa: E731
    validate=validate.Length(min=1, max=max_len), **kw)


class Page(StrictSchema):
    """Base of every list query: ``?limit=`` (default 50, max 200) and ``?cursor=``."""
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, allow_none=True,
                           validate=validate.Length(max=200))


def page_of(item, name: str) -> type[Schema]:
    """The contract's list shape ``{items, next_cursor}`` of ``item`` schemas; ``name``
    is what the OpenAPI spec calls it."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item)),
                             "next_cursor": fields.String(allow_none=True)}, name=name)
