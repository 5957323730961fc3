"""What a badge says, and the printed badge formats.

A :class:`BadgeFace` holds every text of one badge, already in the order and language it is
printed in: the delegate's own language (``Registration.locale``) first and largest, the
other script after it. The PNG (:mod:`wadconf.services.badge_png`) and the PDF
(:mod:`wadconf.services.badge_pdf`) draw the same face, so the phone badge and the printed
one never disagree.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from babel.dates import format_date, format_interval

from wadconf.models import Event, Registration

ZH, EN = "zh_Hans", "en"
#: The band colour of a badge without a category (the categories' default).
DEFAULT_COLOUR = "#0b4f8a"


@dataclass(frozen=True)
class BadgeFace:
    """Every text printed on one badge, in drawing order, and its colours."""

    code: str
    #: The name in the delegate's language (largest), then in the other script ("" if none).
    name: str
    name_other: str
    organisation: str
    #: Country or region in the delegate's language (the other language after " · ").
    country: str
    #: Category label, both languages when they differ ("" without a category).
    category: str
    #: Colour band (``DelegateCategory.colour``) and a legible text colour on it.
    colour: tuple[int, int, int]
    on_colour: tuple[int, int, int]
    event_name: str
    event_name_other: str
    dates: str

    @property
    def texts(self) -> tuple[str, ...]:
        """Every non-empty text of the badge (tests look for each in the printed page)."""
        fields = (
            self.name,
            self.name_other,
            self.organisation,
            self.country,
            self.category,
            self.event_name,
            self.event_name_other,
            self.dates,
        )
        return tuple(text for text in fields if text)


@dataclass(frozen=True)
class PageLayout:
    """A printed format: page size and how many badges a page holds (mm)."""

    key: str
    page_w: float
    page_h: float
    badge_w: float
    badge_h: float
    #: Top-left corners of the badges on one page.
    slots: tuple[tuple[float, float], ...]
    #: Whether cut marks are drawn around each badge (several badges on one sheet).
    cut_marks: bool = False


#: A6 portrait, one per page: for lanyard holders.
A6 = PageLayout("a6", 105, 148, 105, 148, ((0, 0),))
#: Four A6 badges on an A4 sheet, with cut marks at the corners of each.
A4X4 = PageLayout(
    "a4x4", 210, 297, 105, 148.5, ((0, 0), (105, 0), (0, 148.5), (105, 148.5)), cut_marks=True
)
#: A CR80 card (ISO/IEC 7810 ID-1 rounded to 86 x 54 mm), landscape, one per page.
CR80 = PageLayout("cr80", 86, 54, 86, 54, ((0, 0),))
LAYOUTS = {layout.key: layout for layout in (A6, A4X4, CR80)}


def parse_colour(value: str | None) -> tuple[int, int, int]:
    """``#rrggbb`` as an RGB tuple; the default colour for anything malformed."""
    value = (value or "").strip()
    if len(value) != 7 or not value.startswith("#"):
        value = DEFAULT_COLOUR
    try:
        return (int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16))
    except ValueError:
        return parse_colour(DEFAULT_COLOUR)


def text_colour_on(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white, whichever reads better on ``colour`` (WCAG relative luminance)."""

    def channel(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour)
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # Contrast with white is (1.05)/(L+0.05), with black (L+0.05)/0.05: equal at L = 0.179.
    return (0, 0, 0) if luminance > 0.179 else (255, 255, 255)


def languages(registration: Registration) -> tuple[str, str]:
    """The delegate's language first, then the other one."""
    return (EN, ZH) if registration.locale == EN else (ZH, EN)


def _pair(obj: object, field: str, first: str) -> tuple[str, str]:
    """``field`` of ``obj`` in the ``first`` language, then the other (one may be empty)."""
    zh = " ".join((getattr(obj, f"{field}_zh", "") or "").split())
    en = " ".join((getattr(obj, f"{field}_en", "") or "").split())
    one, other = (zh, en) if first == ZH else (en, zh)
    if not one:
        return other, ""
    return one, other if other != one else ""


def _joined(one: str, other: str) -> str:
    return f"{one} · {other}" if one and other else one or other


@functools.cache
def _country_names(locale: str) -> dict[str, str]:
    # The registration form's names, so a badge names a region as the form did ("中国台湾").
    from wadconf.forms.registration import country_choices

    return dict(country_choices(locale))


def country_name(code: str, locale: str) -> str:
    """The name of country or region ``code`` in ``locale`` (the code itself if unknown)."""
    return _country_names(locale).get(code, code) if code else ""


def event_dates(event: Event, locale: str) -> str:
    """The event's day or days, written for ``locale``."""
    if event.starts_on == event.ends_on:
        text = format_date(event.starts_on, "long", locale=locale)
    else:
        text = format_interval(event.starts_on, event.ends_on, "yMMMd", locale=locale)
    # CLDR puts thin and narrow no-break spaces around the dash ("June 6 – 7"), which the
    # CJK font lacks (they would print as boxes): plain spaces instead.
    return " ".join(text.split())


def badge_face(registration: Registration, event: Event | None = None) -> BadgeFace:
    """What ``registration``'s badge says, in the delegate's language first."""
    event = event or registration.event
    first, second = languages(registration)
    name, name_other = _pair(registration, "name", first)
    category = registration.category
    if category is not None:
        label = _joined(*_pair(category, "name", first))
        colour = parse_colour(category.colour)
    else:
        label, colour = "", parse_colour(DEFAULT_COLOUR)
    country = ""
    if registration.country:
        one, other = (
            country_name(registration.country, first),
            country_name(registration.country, second),
        )
        country = one if one == other else _joined(one, other)
    event_name, event_name_other = _pair(event, "name", first)
    return BadgeFace(
        code=registration.badge_code or "",
        name=name,
        name_other=name_other,
        organisation=" ".join((registration.organisation or "").split()),
        country=country,
        category=label,
        colour=colour,
        on_colour=text_colour_on(colour),
        event_name=event_name,
        event_name_other=event_name_other,
        dates=event_dates(event, first),
    )
