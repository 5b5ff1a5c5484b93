"""Digital editions (audiobooks, e-books) and their QR poster: plain rules, no I/O.

A poster is one printable SVG sheet per branch: a QR code per edition shelved there
(every edition of a title the branch holds a copy of), each opening the listening page
``/app/listen/{edition_id}``, which needs no sign-in. The QR codes are made by segno."""
import datetime as dt
import hashlib
import hmac
import io
from xml.sax.saxutils import escape

import segno

KINDS = ("audiobook", "ebook")
PLAY_THROTTLE = dt.timedelta(minutes=10)
# A4 portrait in millimetres, three columns of codes with their titles below them
SHEET_WIDTH_MM, SHEET_HEIGHT_MM = 210, 297
COLUMNS, CELL_WIDTH_MM, CELL_HEIGHT_MM = 3, 60, 68
MARGIN_MM, HEADER_MM, QR_MM = 15, 25, 44
PER_SHEET = COLUMNS * 3
KIND_LABELS = {"audiobook": "有声书 audiobook", "ebook": "电子书 e-book"}


def listen_path(edition_id: str) -> str:
    return f"/app/listen/{edition_id}"


def listen_url(web_url: str, edition_id: str) -> str:
    """What an edition's QR code encodes: the web's listening page."""
    return web_url.rstrip("/") + listen_path(edition_id)


def client_key(secret: str, client: str, edition_id: str) -> str:
    """The throttle's key for one client and edition: a keyed hash, so the address
    itself is never stored (and the record expires with the throttle window)."""
    return hmac.new(secret.encode(), f"{client}\n{edition_id}".encode(),
                    hashlib.sha256).hexdigest()


def popular(counts: list[dict], limit: int) -> list[dict]:
    """Most played first; ties by edition id so the order is stable."""
    ranked = sorted(counts, key=lambda c: (-c["plays"], c["edition_id"]))
    return ranked[:limit]


def _qr_group(url: str, x_mm: float, y_mm: float) -> str:
    """One QR code as an SVG group of ``QR_MM`` square at (x, y): segno's own path,
    scaled into place."""
    code = segno.make_qr(url, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", xmldecl=False, svgns=False, nl=False, border=4,
              svgclass=None, lineclass=None, omitsize=True)
    side = code.symbol_size(scale=1, border=4)[0]
    inner = out.getvalue().decode()
    return (f'<g class="qr" data-url="{escape(url)}" '
            f'transform="translate({x_mm} {y_mm}) scale({QR_MM / side})">'
            f'<rect width="{side}" height="{side}" fill="#fff"/>'
            f'{inner[inner.index(">") + 1:inner.rindex("<")]}</g>')


def poster_svg(branch_name: str, editions: list[dict], web_url: str) -> str:
    """The poster of a branch: A4 sheets (one ``<svg>`` page each, stacked), nine
    editions a sheet, each a QR code with its title and kind in large print."""
    pages = [editions[i:i + PER_SHEET] for i in range(0, len(editions), PER_SHEET)] or [[]]
    height = SHEET_HEIGHT_MM * len(pages)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{SHEET_WIDTH_MM}mm" '
             f'height="{height}mm" viewBox="0 0 {SHEET_WIDTH_MM} {height}" '
             f'font-family="sans-serif">']
    for number, page in enumerate(pages):
        top = number * SHEET_HEIGHT_MM
        parts.append(f'<g class="sheet" transform="translate(0 {top})">'
                     f'<rect width="{SHEET_WIDTH_MM}" height="{SHEET_HEIGHT_MM}" fill="#fff"/>'
                     f'<text x="{SHEET_WIDTH_MM / 2}" y="{MARGIN_MM + 6}" font-size="8" '
                     f'text-anchor="middle">{escape(branch_name)}</text>'
                     f'<text x="{SHEET_WIDTH_MM / 2}" y="{MARGIN_MM + 14}" font-size="5" '
                     f'text-anchor="middle">扫码听书 · Scan to listen · 无需登录 no sign-in'
                     f'</text>')
        if not page:
            parts.append(f'<text x="{SHEET_WIDTH_MM / 2}" y="{SHEET_HEIGHT_MM / 2}" '
                         f'font-size="6" text-anchor="middle">暂无数字资源 No digital editions'
                         f'</text>')
        for i, edition in enumerate(page):
            col, row = i % COLUMNS, i // COLUMNS
            x = MARGIN_MM + col * CELL_WIDTH_MM
            y = MARGIN_MM + HEADER_MM + row * CELL_HEIGHT_MM
            qr_x = x + (CELL_WIDTH_MM - QR_MM) / 2
            parts.append(_qr_group(listen_url(web_url, edition["id"]), qr_x, y))
            middle = x + CELL_WIDTH_MM / 2
            parts.append(f'<text x="{middle}" y="{y + QR_MM + 7}" font-size="5" '
                         f'text-anchor="middle">{escape(edition["title"][:18])}</text>'
                         f'<text x="{middle}" y="{y + QR_MM + 13}" font-size="4" '
                         f'text-anchor="middle">{KIND_LABELS[edition["kind"]]}</text>')
        parts.append("</g>")
    parts.append("</svg>")
    return "".join(parts)
