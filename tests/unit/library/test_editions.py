"""Digital editions: the listening link, the play throttle's key, the popular list, and
a poster whose QR codes decode (by zxing-cpp) to the listening pages."""
import xml.etree.ElementTree as ET

import pytest

from services.library import editions
from tests.qr import decode_poster

WEB = "https://linli.example.org"


def test_each_edition_opens_its_listening_page():
    assert editions.listen_url(WEB + "/", "e1") == "https://linli.example.org/app/listen/e1"


def test_the_throttle_key_keeps_no_address_and_differs_per_client_and_edition():
    key = editions.client_key("s3cret", "203.0.113.7", "e1")
    assert "203.0.113.7" not in key and len(key) == 64
    assert key == editions.client_key("s3cret", "203.0.113.7", "e1")
    assert key != editions.client_key("s3cret", "203.0.113.8", "e1")
    assert key != editions.client_key("s3cret", "203.0.113.7", "e2")
    assert key != editions.client_key("other", "203.0.113.7", "e1")


def test_most_played_first_ties_by_id():
    counts = [{"edition_id": "b", "plays": 2}, {"edition_id": "a", "plays": 2},
              {"edition_id": "c", "plays": 9}, {"edition_id": "d", "plays": 0}]
    assert [c["edition_id"] for c in editions.popular(counts, 3)] == ["c", "a", "b"]


@pytest.mark.parametrize("how_many", [0, 1, 9, 10, 14])
def test_the_poster_is_svg_whose_codes_decode_to_the_listening_pages(how_many):
    shelved = [{"id": f"ed{i:02d}", "title": f"书 {i} <&>", "kind": editions.KINDS[i % 2]}
               for i in range(how_many)]
    svg = editions.poster_svg("幸福里书屋 & co", shelved, WEB)
    root = ET.fromstring(svg)
    sheets = max(1, -(-how_many // editions.PER_SHEET))
    assert root.get("height") == f"{editions.SHEET_HEIGHT_MM * sheets}mm"
    assert decode_poster(svg) == [f"{WEB}/app/listen/ed{i:02d}" for i in range(how_many)]
