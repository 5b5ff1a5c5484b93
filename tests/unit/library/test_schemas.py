"""What the library's bodies accept: an ISBN or a copy code is the whole value."""
import pytest

from services.library import schemas
from shared.errors import Invalid
from shared.schemas import load


@pytest.mark.parametrize("code", ["LL-0001\n", "LL-0001\r\n", "\nLL-0001", "LL 0001"])
def test_a_copy_code_with_a_newline_or_space_is_refused(code):
    with pytest.raises(Invalid) as refused:
        load(schemas.Scan(), {"code": code, "branch_id": "b1"})
    assert "code" in refused.value.details


@pytest.mark.parametrize("isbn", ["978-7-5302-1200-8\n", "9787530212008\n"])
def test_an_isbn_with_a_trailing_newline_is_refused(isbn):
    for schema, extra in ((schemas.NewTitle(), {}), (schemas.ImportRow(), {})):
        with pytest.raises(Invalid) as refused:
            load(schema, {"isbn": isbn, "title": "平凡的世界", "author": "路遥", **extra})
        assert "isbn" in refused.value.details


def test_plain_codes_and_isbns_still_pass():
    assert load(schemas.Scan(), {"code": "LL-0001", "branch_id": "b1"})["code"] == "LL-0001"
    title = load(schemas.NewTitle(), {"isbn": "978-7-5302-1200-8", "title": "平凡的世界",
                                      "author": "路遥"})
    assert title["isbn"] == "978-7-5302-1200-8"
