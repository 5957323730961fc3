"""The report page and the one-page report PDF: figures, charts, escaping, roles, audit."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from tests.services.test_reports import build_known_set
from wadconf.extensions import db
from wadconf.models import AuditEntry

PAGE = "/admin/events/{slug}/reports"
PDF = "/admin/events/{slug}/reports/report.pdf"


@pytest.fixture
def known(app, make_event, make_invitation, make_registration):
    return build_known_set(app, make_event, make_invitation, make_registration)


def login(client, auth, make_user, role: str = "organizer", lang: str = "en"):
    user = make_user(role=role)
    assert auth.login(user.email).status_code == 302
    client.set_cookie("wadconf_lang", lang)
    return user


def figure(html: str, name: str) -> int:
    found = re.search(rf'id="fig-{name}"><dt>[^<]*</dt><dd class="figure">(\d+)</dd>', html)
    assert found, name
    return int(found.group(1))


def row(html: str, table_id: str, label: str) -> list[str]:
    """The cells of the row headed ``label`` in table ``table_id``."""
    table = html[html.index(f'id="{table_id}"') :]
    table = table[: table.index("</table>")]
    found = re.search(rf'<th scope="row">{re.escape(label)}</th>(.*?)</tr>', table, re.S)
    assert found, label
    return re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)


def test_organiser_sees_the_headline_figures(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    assert [figure(html, n) for n in ("invited", "registered", "confirmed", "checked-in")] == [
        5,
        4,
        3,
        2,
    ]
    assert [figure(html, n) for n in ("cancelled", "declined", "rejected")] == [1, 1, 1]


def test_category_table_has_exact_figures(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    # Invited, registered, confirmed, checked in, rate, cancelled, declined.
    assert row(html, "table-categories", "Government official") == [
        "3",
        "3",
        "2",
        "2",
        "100%",
        "0",
        "0",
    ]
    assert row(html, "table-categories", "Media") == ["2", "1", "1", "0", "0%", "1", "1"]


def test_country_and_organisation_tables(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    assert row(html, "table-countries", "China")[:3] == ["2", "1", "1"]
    assert row(html, "table-organisations", "示例机构")[:3] == ["2", "2", "2"]


def test_session_table(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    enrolled = html[html.index(f'id="session-{known.sessions["enrolled"]}"') :]
    assert re.search(r'class="num enrolled">3<.*?class="num attended">2<.*?>67%<', enrolled, re.S)
    open_row = html[html.index(f'id="session-{known.sessions["open"]}"') :]
    assert re.search(r'class="num seats">100<.*?class="num attended">1<.*?>1%<', open_row, re.S)


def test_charts_are_svg_with_titles(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    for chart in ("chart-categories", "chart-countries", "chart-sessions", "chart-arrivals-"):
        assert re.search(rf'<svg[^>]*id="{chart}[^"]*"[^>]*role="img"', html), chart
    assert '<title id="chart-categories-title">' in html
    assert html.count("<svg") == 5  # categories, countries, organisations, sessions, 1 day


def test_arrivals_table_is_per_hour(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    # 08:00-08:15: A and B (A's second entrance is no new arrival).
    assert re.search(
        r'<th scope="row">08:00</th><td class="num">2</td>(<td class="num"></td>){3}'
        r'<td class="num">2</td>',
        html,
    )


def test_page_has_no_inline_styles_or_scripts(client, auth, make_user, known):
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=known.event.slug)).get_data(as_text=True)
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)", html)


def test_markup_in_an_organisation_is_escaped_in_table_and_chart(
    client, auth, make_user, make_event, make_registration
):
    event = make_event()
    make_registration(event, organisation="<script>alert(1)</script>")
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    table = html[html.index('id="table-organisations"') :]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in table
    chart = html[html.index('id="chart-organisations"') :]
    chart = chart[: chart.index("</svg>")]
    assert "&lt;script&gt;alert(1)" in chart


def test_admin_may_see_the_report(client, auth, make_user, known):
    login(client, auth, make_user, role="admin")
    assert client.get(PAGE.format(slug=known.event.slug)).status_code == 200


@pytest.mark.parametrize("role", ["checkin", "reporter"])
@pytest.mark.parametrize("url", [PAGE, PDF])
def test_other_roles_are_refused(client, auth, make_user, known, role, url):
    login(client, auth, make_user, role=role)
    assert client.get(url.format(slug=known.event.slug)).status_code == 403


def test_anonymous_is_sent_to_login(client, known):
    response = client.get(PAGE.format(slug=known.event.slug))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_unknown_event_is_404(client, auth, make_user):
    login(client, auth, make_user)
    assert client.get(PAGE.format(slug="nope")).status_code == 404


def test_pdf_is_one_page(client, auth, make_user, known):
    login(client, auth, make_user)
    response = client.get(PDF.format(slug=known.event.slug))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert len(PdfReader(io.BytesIO(response.data)).pages) == 1


def test_pdf_download_is_audited(app, client, auth, make_user, known):
    user = login(client, auth, make_user, lang="zh_Hans")
    client.get(PDF.format(slug=known.event.slug))
    with app.app_context():
        entries = db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report.pdf_download")
        ).all()
        assert [(e.actor_id, e.event_id, e.details["locale"]) for e in entries] == [
            (user.id, known.event.id, "zh_Hans")
        ]


def test_pdf_follows_the_page_language(client, auth, make_user, known):
    login(client, auth, make_user, lang="zh_Hans")
    data = client.get(PDF.format(slug=known.event.slug)).data
    text = "".join(
        "".join(p.extract_text().replace("\x00", "").split())
        for p in PdfReader(io.BytesIO(data)).pages
    )
    # From the data, not the catalogue: Chinese names of categories and sessions.
    assert "政府部门" in text and "报名分会" in text
    assert "Government official" not in text


def test_long_chinese_labels_are_shortened_in_the_chart_only(
    client, auth, make_user, make_event, make_registration
):
    name = "国家市场监督管理总局认证认可技术研究中心检验检测认证服务分中心"
    event = make_event()
    make_registration(event, organisation=name)
    login(client, auth, make_user)
    html = client.get(PAGE.format(slug=event.slug)).get_data(as_text=True)
    chart = html[html.index('id="chart-organisations"') :]
    chart = chart[: chart.index("</svg>")]
    label = re.search(r'<text class="label"[^>]*>([^<]*)</text>', chart).group(1)
    assert label.endswith("…") and len(label) <= 18
    assert f"<title>{name}: 0 / 1</title>" in chart  # the full name as the bar's tooltip
    assert f'<th scope="row">{name}</th>' in html
