"""Shapes of digital editions (audiobooks, e-books) in and out of the library service."""
from marshmallow import Schema, fields, validate

from services.library.editions import KINDS
from shared.schemas import Id, StrictSchema

URL = validate.URL(schemes={"http", "https"}, require_tld=False, error="an http(s) URL")


class NewEdition(StrictSchema):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    url = fields.String(required=True, validate=[validate.Length(max=500), URL])
    minutes = fields.Integer(strict=True, load_default=None, allow_none=True,
                             validate=validate.Range(min=1, max=10_000))


class Play(StrictSchema):
    """A frontend that serves many people from one address (the web app) names each
    browser by an opaque ``listener`` id of its own, so they are throttled apart."""
    listener = fields.String(load_default=None, allow_none=True,
                             validate=validate.Length(min=8, max=64))


class PopularQuery(StrictSchema):
    branch_id = Id(required=True)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=200))


class Edition(Schema):
    id = fields.String()
    title_id = fields.String()
    kind = fields.String()
    url = fields.String()
    minutes = fields.Integer(allow_none=True)
    plays = fields.Integer()
    created_at = fields.String()


class PublicEdition(Edition):
    """What the listening page shows, to anyone: the edition and its title's words."""
    title = fields.String()
    author = fields.String()


class PlayOut(Schema):
    edition_id = fields.String()
    plays = fields.Integer()


class PopularItem(Schema):
    edition_id = fields.String()
    title_id = fields.String()
    title = fields.String()
    kind = fields.String()
    plays = fields.Integer()


class PopularList(Schema):
    items = fields.List(fields.Nested(PopularItem))
