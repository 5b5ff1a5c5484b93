"""Every string the pages show has a Chinese translation (the English text is the
message id), and the catalogue compiles."""
from pathlib import Path

from babel.messages.mofile import read_mo

from services.web import i18n, translations_tool


def test_every_page_string_has_a_chinese_translation():
    assert translations_tool.missing("zh_CN") == []


def test_the_check_finds_a_template_string_without_translation(tmp_path, monkeypatch):
    template = Path(translations_tool.HERE) / "templates" / "_untranslated_probe.html"
    template.write_text('{{ _("A sentence nobody translated") }}')
    try:
        assert "A sentence nobody translated" in translations_tool.missing("zh_CN")
    finally:
        template.unlink()


def test_catalogues_compile_for_the_locale_babel_looks_up(tmp_path):
    i18n.compile_catalogues(tmp_path)
    with (tmp_path / "zh_Hans_CN" / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        catalogue = read_mo(f)
    assert catalogue.get("Sign in").string == "登录"
