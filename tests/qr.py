"""Reading the QR codes back out of a poster: each ``<g class="qr">`` holds segno's
path (one horizontal run of dark modules per ``h``), drawn here into a bitmap module
by module and decoded by zxing-cpp, a decoder that knows nothing of how it was made."""
import re
import xml.etree.ElementTree as ET

import numpy
import zxingcpp

SVG = "{http://www.w3.org/2000/svg}"
PIXELS_PER_MODULE = 8


def _bitmap(path_d: str, side: int):
    dark = numpy.zeros((side, side), dtype=bool)
    x = y = 0.0
    for command, numbers in re.findall(r"([MmHh])([^MmHh]*)", path_d):
        values = [float(v) for v in numbers.replace(",", " ").split()]
        if command in "Mm":
            x, y = (values[0], values[1]) if command == "M" else (x + values[0], y + values[1])
        else:
            end = values[0] if command == "H" else x + values[0]
            dark[int(y), int(x):int(end)] = True
            x = end
    big = numpy.kron(dark, numpy.ones((PIXELS_PER_MODULE, PIXELS_PER_MODULE), dtype=bool))
    return numpy.where(big, 0, 255).astype(numpy.uint8)


def decode_poster(svg_text: str) -> list[str]:
    """The text of every QR code on the poster, in the poster's order."""
    root = ET.fromstring(svg_text)
    assert root.tag == SVG + "svg", root.tag
    texts = []
    for group in root.iter(SVG + "g"):
        if group.get("class") != "qr":
            continue
        side = int(float(group.find(SVG + "rect").get("width")))
        image = _bitmap(group.find(SVG + "path").get("d"), side)
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert len(found) == 1, f"one QR code per group, got {len(found)}"
        texts.append(found[0].text)
    return texts
