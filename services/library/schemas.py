"""Shapes of what comes into and goes out of the library service."""
from marshmallow import Schema, fields, validate

from services.library import circulation, holds
from shared.schemas import Id, Page, StrictSchema, Text, Whole, page_of


ISBN = Whole(r"^[0-9Xx-]{10,17}$", error="an ISBN-10 or ISBN-13")
CODE = Whole(r"^[A-Za-z0-9._:/-]+$", error="letters, digits and ._:/-")


def _code(**kw):
    return fields.String(validate=[validate.Length(min=1, max=64), CODE], **kw)


class NewBranch(StrictSchema):
    name = Text(100, required=True)
    community_id = Id(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(["library", "book_house"]))
    loan_period_days = fields.Integer(load_default=circulation.DEFAULT_LOAN_PERIOD_DAYS,
                                      validate=validate.Range(min=1, max=365))
    address = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class BranchQuery(StrictSchema):
    community_id = Id(load_default=None)


class NewTitle(StrictSchema):
    isbn = fields.String(load_default=None, allow_none=True, validate=ISBN)
    title = Text(200, required=True)
    author = Text(200, required=True)
    tags = fields.List(Text(30), load_default=list, validate=validate.Length(max=20))


class TitleQuery(Page):
    q = fields.String(load_default=None, validate=validate.Length(max=100))
    community_id = Id(load_default=None)


class NewCopy(StrictSchema):
    title_id = Id(required=True)
    code = _code(required=True)
    branch_id = Id(required=True)


class Scan(StrictSchema):
    """A QR scan at a branch: checkout, return, transfer receipt."""
    code = _code(required=True)
    branch_id = Id(required=True)


class Checkout(Scan):
    """A checkout; staff at the lending desk name the reader (``resident_id``, a resident
    of their community), a reader scanning for themselves names nobody."""
    resident_id = Id(load_default=None)


class LoanQuery(Page):
    resident_id = Id(load_default=None)
    status = fields.String(load_default=None, validate=validate.OneOf(circulation.LOAN_STATES))


class NewHold(StrictSchema):
    title_id = Id(required=True)
    pickup_branch_id = Id(required=True)


class HoldQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(holds.HOLD_STATES))


class ImportRow(StrictSchema):
    isbn = fields.String(load_default=None, allow_none=True, validate=ISBN)
    title = Text(200, required=True)
    author = Text(200, required=True)
    tags = fields.List(Text(30), load_default=list, validate=validate.Length(max=20))
    copies_code_prefix = _code(load_default=None, allow_none=True)
    branch_id = Id(load_default=None, allow_none=True)
    copies = fields.Integer(load_default=0, validate=validate.Range(min=0, max=50))


class Import(StrictSchema):
    rows = fields.List(fields.Nested(ImportRow), required=True,
                       validate=validate.Length(min=1, max=2000))


# -- out ---------------------------------------------------------------------
class Branch(Schema):
    id = fields.String()
    name = fields.String()
    community_id = fields.String()
    kind = fields.String()
    loan_period_days = fields.Integer()
    address = fields.String(allow_none=True)


class Availability(Schema):
    branch_id = fields.String()
    branch_name = fields.String()
    kind = fields.String()
    count = fields.Integer()


class Title(Schema):
    id = fields.String()
    isbn = fields.String(allow_none=True)
    title = fields.String()
    author = fields.String()
    tags = fields.List(fields.String())
    available = fields.List(fields.Nested(Availability))
    available_total = fields.Integer()
    copies_total = fields.Integer()


class Copy(Schema):
    id = fields.String()
    code = fields.String()
    title_id = fields.String()
    branch_id = fields.String()
    status = fields.String()
    hold_id = fields.String(allow_none=True)


class Loan(Schema):
    id = fields.String()
    resident_id = fields.String()
    copy_code = fields.String()
    title_id = fields.String()
    title = fields.String()
    branch_id = fields.String()
    community_id = fields.String()
    status = fields.String()
    borrowed_at = fields.String()
    due_date = fields.String()
    renewals = fields.Integer()
    returned_at = fields.String(allow_none=True)
    return_branch_id = fields.String(allow_none=True)


class ReturnResult(Schema):
    loan = fields.Nested(Loan)
    copy = fields.Nested(Copy)


class Hold(Schema):
    id = fields.String()
    resident_id = fields.String()
    title_id = fields.String()
    title = fields.String()
    pickup_branch_id = fields.String()
    status = fields.String()
    position = fields.Integer(allow_none=True)
    copy_code = fields.String(allow_none=True)
    ready_at = fields.String(allow_none=True)
    expires_at = fields.String(allow_none=True)
    created_at = fields.String()


BranchList = page_of(Branch, "BranchList")


TitleList = page_of(Title, "TitleList")


LoanList = page_of(Loan, "LoanList")


HoldList = page_of(Hold, "HoldList")


class ImportResult(Schema):
    titles = fields.Integer()
    copies = fields.Integer()


class DeskQuery(StrictSchema):
    community_id = Id(load_default=None)


class CopyToPull(Schema):
    copy_code = fields.String()
    title = fields.String()
    from_branch_id = fields.String()
    from_branch_name = fields.String()
    pickup_branch_id = fields.String(allow_none=True)
    pickup_branch_name = fields.String()


class OverdueLoan(Schema):
    loan_id = fields.String()
    title = fields.String()
    copy_code = fields.String()
    due_date = fields.String()
    days_overdue = fields.Integer()
    resident_id = fields.String()
    resident_name = fields.String()
    phone = fields.String()


class DeskToday(Schema):
    community_id = fields.String()
    holds_to_pull = fields.List(fields.Nested(CopyToPull))
    overdue_loans = fields.List(fields.Nested(OverdueLoan))
