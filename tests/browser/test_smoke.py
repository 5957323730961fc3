"""Smoke test in a real browser: login, language switch, Chinese glyphs rendered by our font."""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
from PIL import Image, ImageChops

try:
    from playwright.sync_api import expect
except ImportError:  # the fixtures skip, or fail when WADCONF_REQUIRE_BROWSER=1
    expect = None

pytestmark = pytest.mark.browser

EVENT_PATH = "/events/wad2024/"
SCREENSHOT = "event-wad2024-zh.png"
#: The characters WadconfCJK covers (its unicode-range in static/css/app.css).
CJK_CHARS = (
    r"[\u2E80-\u2FFF\u3000-\u303F\u3100-\u31FF\u3400-\u4DBF\u4E00-\u9FFF"
    r"\uF900-\uFAFF\uFF00-\uFFEF]"
)
#: Two different Chinese strings of equal length: if both render as the same
#: "tofu" boxes, their pictures are identical.
SAMPLES = ("认可", "签到")


def log_in(page, live_server) -> None:
    """Fill and submit the real login form (CSRF token included)."""
    page.goto("/login")
    page.locator("input[name='email']").fill(live_server.staff_email)
    page.locator("input[name='password']").fill(live_server.staff_password)
    page.locator("main form button[type='submit']").click()


def wait_for_cjk_face(page) -> dict:
    """Wait until the WadconfCJK @font-face is loaded, then for every font load to settle."""
    page.wait_for_function(
        """() => [...document.fonts].some(
             f => f.family.replace(/["']/g, '') === 'WadconfCJK' && f.status === 'loaded')"""
    )
    return page.evaluate(
        """async (text) => {
             await document.fonts.ready;
             const face = [...document.fonts].find(
               f => f.family.replace(/["']/g, '') === 'WadconfCJK');
             return {status: face.status, check: document.fonts.check('16px WadconfCJK', text)};
           }""",
        SAMPLES[0],
    )


def render_samples(page, font_family: str | None = None, save_to=None) -> list[Image.Image]:
    """Add one element per sample string to the page and screenshot each one.

    The CSP forbids inline scripts, but ``evaluate`` runs through the DevTools protocol;
    styles are set through the CSSOM, which the CSP allows.
    """
    page.evaluate(
        """async ([samples, family]) => {
             document.querySelectorAll('.glyph-probe').forEach(el => el.remove());
             samples.forEach((text, i) => {
               const el = document.createElement('span');
               el.className = 'glyph-probe';
               el.id = 'glyph-probe-' + i;
               el.textContent = text;
               Object.assign(el.style, {
                 display: 'inline-block', fontSize: '64px', lineHeight: '1', padding: '8px',
                 color: '#000', background: '#fff', alignSelf: 'flex-start',
               });
               if (family) el.style.fontFamily = family;
               document.body.prepend(el);
             });
             await document.fonts.ready;
           }""",
        [list(SAMPLES), font_family],
    )
    images = []
    for i in range(len(SAMPLES)):
        path = str(save_to / f"glyph-probe-{i}.png") if save_to else None
        png = page.locator(f"#glyph-probe-{i}").screenshot(path=path)
        images.append(Image.open(io.BytesIO(png)).convert("L"))
    return images


def ink(image: Image.Image) -> int:
    """How many pixels are clearly darker than the white background."""
    return sum(image.histogram()[:128])


def is_cjk_font(font: dict) -> bool:
    """A font reported by Chromium that holds Chinese glyphs (ours, or a local CJK font)."""
    return font["isCustomFont"] or bool(
        re.search(r"CJK|Noto Sans SC|Source Han|PingFang|YaHei|Hiragino", font["familyName"])
    )


def cjk_glyphs_per_element(page) -> list[tuple[str, int, int]]:
    """For each element with Chinese in its own text: (tag, CJK characters, glyphs from CJK fonts).

    Chromium's DevTools protocol tells which fonts drew an element's text
    (``CSS.getPlatformFontsForNode``); a character drawn by DejaVu is a box.
    """
    needed = page.evaluate(
        """(pattern) => [...document.querySelectorAll('body *')].map(el => {
             const own = [...el.childNodes].filter(n => n.nodeType === Node.TEXT_NODE)
                                           .map(n => n.data).join('');
             return [el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''),
                     (own.match(new RegExp(pattern, 'g')) || []).length];
           })""",
        CJK_CHARS,
    )
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node_ids = cdp.send("DOM.querySelectorAll", {"nodeId": root, "selector": "body *"})["nodeIds"]
    assert len(node_ids) == len(needed)
    drawn = []
    for node_id, (name, count) in zip(node_ids, needed, strict=True):
        if count:
            fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
            drawn.append((name, count, sum(f["glyphCount"] for f in fonts if is_cjk_font(f))))
    cdp.detach()
    return drawn


def system_has_cjk_font() -> bool | None:
    """Whether fontconfig knows a Chinese font (``None`` when fc-list is missing)."""
    if shutil.which("fc-list") is None:
        return None
    found = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, check=True)
    return bool(found.stdout.strip())


def test_staff_logs_in_through_the_login_form(page, live_server):
    log_in(page, live_server)

    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.locator("h1")).to_have_text("Staff home")
    expect(page.locator(".who")).to_have_text("Browser Admin")


def test_language_switcher_changes_page_language(page, live_server):
    log_in(page, live_server)
    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.locator("html")).to_have_attribute("lang", "en")

    page.locator("a[data-lang='zh_Hans']").click()

    expect(page).to_have_url(f"{live_server.url}/staff/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator(".langs strong")).to_have_text("中文")
    expect(page.locator("h1")).to_have_text("工作台")
    expect(page.locator("button", has_text="退出登录")).to_be_visible()

    page.locator("a[data-lang='en']").click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Staff home")
    expect(page.locator("button", has_text="Log out")).to_be_visible()


def test_event_page_loads_the_bundled_cjk_font(page_zh):
    font_responses = []
    page_zh.on(
        "response",
        lambda response: (
            font_responses.append(response.status)
            if response.url.endswith("/fonts/cjk-sans.otf")
            else None
        ),
    )

    page_zh.goto(EVENT_PATH)
    expect(page_zh.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page_zh.locator("h1")).to_contain_text("世界认可日")

    assert wait_for_cjk_face(page_zh) == {"status": "loaded", "check": True}
    if system_has_cjk_font() is False:
        # Nothing local can stand in: the glyphs must come from the font the app serves.
        assert 200 in font_responses, font_responses


def test_every_chinese_character_on_the_event_page_is_drawn_by_a_cjk_font(page_zh, artifacts_dir):
    page_zh.goto(EVENT_PATH)
    wait_for_cjk_face(page_zh)
    page_zh.screenshot(path=str(artifacts_dir / SCREENSHOT), full_page=True)

    drawn = cjk_glyphs_per_element(page_zh)

    assert sum(needed for _, needed, _ in drawn) > 100  # the page really is Chinese
    tofu = [(name, needed, got) for name, needed, got in drawn if got < needed]
    assert not tofu, f"Chinese drawn without a CJK font (tofu), see tests/artifacts/{SCREENSHOT}"


def test_different_chinese_strings_draw_different_glyphs(page_zh, artifacts_dir):
    page_zh.goto(EVENT_PATH)
    wait_for_cjk_face(page_zh)

    first, second = render_samples(page_zh, save_to=artifacts_dir)

    assert ink(first) > 100 and ink(second) > 100
    assert first.size == second.size
    assert ImageChops.difference(first, second).getbbox() is not None, "tofu: glyphs identical"


def test_without_the_web_font_chinese_would_be_tofu(page_zh):
    """The control for the test above: DejaVu alone draws every Chinese character as a box."""
    if system_has_cjk_font() is not False:
        pytest.skip("a system CJK font is installed (or fc-list is missing); no tofu to show")
    page_zh.goto(EVENT_PATH)

    first, second = render_samples(page_zh, font_family='"DejaVu Sans"')

    assert first.size == second.size
    assert ImageChops.difference(first, second).getbbox() is None
