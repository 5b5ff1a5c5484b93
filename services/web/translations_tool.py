"""The web app's catalogues: extract every string of the templates and the views,
merge them into translations/<locale>/LC_MESSAGES/messages.po, list what lacks a
translation.

    python -m services.web.translations_tool update   # extract + merge (keeps translations)
    python -m services.web.translations_tool check    # exit 1 listing untranslated strings
"""
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
LOCALES = ("zh_CN",)  # msgids are the English text
METHOD_MAP = [("services/web/**.py", "python"), ("services/web/templates/**.html", "jinja2")]
KEYWORDS = {"_": None, "gettext": None, "L": None, "lazy_gettext": None, "ngettext": (1, 2)}


def extracted() -> Catalog:
    catalogue = Catalog(project="linli-web", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), METHOD_MAP, keywords=KEYWORDS,
            options_map={"services/web/templates/**.html": {"extensions": "jinja2.ext.i18n"}}):
        if filename.startswith("services/web/") or filename.startswith("services" + "/web"):
            catalogue.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalogue


def po_path(locale: str) -> Path:
    return HERE / "translations" / locale / "LC_MESSAGES" / "messages.po"


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, project="linli-web", charset="utf-8")
    with path.open("rb") as f:
        return read_po(f, locale=locale)


def missing(locale: str) -> list[str]:
    """Strings used by the pages that have no (non-fuzzy) translation in ``locale``."""
    catalogue = load(locale)
    gaps = []
    for message in extracted():
        if not message.id:
            continue
        found = catalogue.get(message.id)
        strings = found.string if found else None
        if not found or found.fuzzy or not strings or (isinstance(strings, tuple) and not all(strings)):
            gaps.append(message.id if isinstance(message.id, str) else message.id[0])
    return gaps


def update():
    template = extracted()
    for locale in LOCALES:
        catalogue = load(locale)
        catalogue.update(template, no_fuzzy_matching=True)
        catalogue.fuzzy = False  # the header; a fuzzy message is still reported missing
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as f:
            write_po(f, catalogue, omit_header=False, sort_output=False, width=100,
                     include_previous=False, ignore_obsolete=True)


def main(argv):
    command = argv[1] if len(argv) > 1 else "check"
    if command == "update":
        update()
    gaps = {locale: missing(locale) for locale in LOCALES}
    for locale, items in gaps.items():
        for item in items:
            print(f"{locale}: no translation for {item!r}")
    return 1 if any(gaps.values()) and command == "check" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
