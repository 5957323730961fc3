"""Chinese and English: choosing the language, formatting, and complete catalogues."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from wadconf.i18n import LANG_COOKIE, bi, fmt_date, fmt_datetime, normalise_locale

ROOT = Path(__file__).resolve().parent.parent
CATALOGUES = ROOT / "wadconf" / "translations"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _extracted_ids() -> set[str]:
    # Mail subjects and plain-text bodies are .txt templates: they are translated too.
    method_map = [
        ("wadconf/**.py", "python"),
        ("templates/**.html", "jinja2"),
        ("templates/**.txt", "jinja2"),
    ]
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return {i for i in ids if i}


def _catalogue(locale: str):
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=locale)


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_extracted_string_is_in_the_catalogue(locale):
    catalogue_ids = {m.id if isinstance(m.id, str) else m.id[0] for m in _catalogue(locale) if m.id}
    missing = _extracted_ids() - catalogue_ids
    assert not missing, f"run the catalogue update (README, Translations): {sorted(missing)[:10]}"


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_every_catalogue_entry_is_translated_and_not_fuzzy(locale):
    untranslated = [
        m.id
        for m in _catalogue(locale)
        if m.id and (not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string)))
    ]
    assert untranslated == []


def test_chinese_catalogue_is_really_chinese():
    catalogue = _catalogue("zh_Hans")
    assert catalogue.get("Log out").string == "退出登录"
    same_as_english = [m.id for m in catalogue if m.id and m.string == m.id and m.id != "wadconf"]
    assert same_as_english == []


@pytest.mark.parametrize("locale", ["zh_Hans", "en"])
def test_compiled_catalogue_matches_the_source(locale):
    def plain(value):  # plural forms: a tuple in the .po reader, a list in the .mo reader
        return tuple(value) if isinstance(value, list | tuple) else value

    po = {plain(m.id): plain(m.string) for m in _catalogue(locale) if m.id}
    with (CATALOGUES / locale / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        mo = {plain(m.id): plain(m.string) for m in read_mo(fh) if m.id}
    assert mo == po, "recompile the catalogue (README, Translations)"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("zh-CN", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh_Hans", "zh_Hans"),
        ("zh-TW", "zh_Hans"),
        ("en-GB", "en"),
        ("EN", "en"),
        ("fr", None),
        ("", None),
        (None, None),
    ],
)
def test_normalise_locale(value, expected):
    assert normalise_locale(value) == expected


def test_accept_language_english_gives_english_pages(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in response.text
    assert "Staff login" in response.text


def test_accept_language_chinese_gives_chinese_pages(client):
    response = client.get("/login", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.5"})
    assert '<html lang="zh-Hans">' in response.text
    assert "工作人员登录" in response.text


def test_without_any_preference_pages_are_chinese(client):
    response = client.get("/login")
    assert '<html lang="zh-Hans">' in response.text


def test_event_default_language_applies_when_browser_states_none(client, make_event):
    make_event(slug="intl", default_locale="en")
    response = client.get("/events/intl/", headers={"Accept-Language": "fr"})
    assert '<html lang="en">' in response.text


def test_chosen_language_beats_the_browser_and_is_remembered(client):
    response = client.get("/lang/en?next=/login", headers={"Accept-Language": "zh-CN"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    cookie = client.get_cookie(LANG_COOKIE)
    assert cookie.value == "en"
    assert cookie.expires is not None  # kept beyond the browser session
    page = client.get("/login", headers={"Accept-Language": "zh-CN"})
    assert "Staff login" in page.text


def test_language_switch_refuses_unknown_language(client):
    assert client.get("/lang/fr").status_code == 404


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_language_switcher_link_is_on_every_page(client, make_event):
    make_event(slug="wad2025")
    for path in ("/login", "/events/wad2025/", "/no-such-page"):
        page = client.get(path, headers={"Accept-Language": "zh-CN"})
        assert 'data-lang="en"' in page.text, path


def _request(app, lang):
    return app.test_request_context("/", headers={"Cookie": f"{LANG_COOKIE}={lang}"})


def test_bilingual_field_follows_the_language_and_falls_back(app):
    both = SimpleNamespace(name_zh="认可日", name_en="Accreditation Day")
    only_zh = SimpleNamespace(name_zh="认可日", name_en="")
    with _request(app, "en"):
        assert bi(both, "name") == "Accreditation Day"
        assert bi(only_zh, "name") == "认可日"
    with _request(app, "zh_Hans"):
        assert bi(both, "name") == "认可日"


def test_dates_are_formatted_per_locale(app):
    with _request(app, "zh_Hans"):
        assert fmt_date(date(2024, 6, 6)) == "2024年6月6日"
    with _request(app, "en"):
        assert fmt_date(date(2024, 6, 6)) == "June 6, 2024"


def test_times_are_shown_in_the_event_zone(app):
    moment = datetime(2024, 6, 6, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
    with _request(app, "en"):
        assert fmt_datetime(moment, "Asia/Shanghai", "HH:mm") == "09:00"
        assert fmt_datetime(moment, "Europe/London", "HH:mm") == "02:00"
