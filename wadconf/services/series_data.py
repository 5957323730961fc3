"""What reporters enter for plans and reports, and the checks on it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from wadconf.models.series import ActivityKind, ActivityPlanVersion, ActivityReportVersion
from wadconf.services import DomainError

MAX_MEDIA_LINKS = 30


@dataclass
class PlanData:
    """What a reporter enters for an activity plan."""

    title: str
    starts_on: date
    ends_on: date
    places: str = ""
    activity_kind: ActivityKind | str = ActivityKind.OTHER
    target_audience: str = ""
    expected_participants: int | None = None
    contact_name: str = ""
    contact_phone: str = ""
    description: str = ""

    @classmethod
    def from_version(cls, version: ActivityPlanVersion) -> PlanData:
        """The data of a stored version (to prefill the form)."""
        return cls(**{name: getattr(version, name) for name in cls.__dataclass_fields__})


@dataclass
class ReportData:
    """What a reporter enters for a report."""

    summary: str
    participants: int | None = None
    media_links: list[str] = field(default_factory=list)

    @classmethod
    def from_version(cls, version: ActivityReportVersion) -> ReportData:
        """The data of a stored version (to prefill the form)."""
        return cls(
            summary=version.summary,
            participants=version.participants,
            media_links=version.media_link_list,
        )


# ---------------------------------------------------------------------------------------------
# Validation


def _refuse(code: str, message: Any, field_name: str) -> DomainError:
    return DomainError(code, message, field=field_name)


def clean_plan(data: PlanData) -> dict[str, Any]:
    """The plan's columns, trimmed and checked; raises with ``field`` naming the bad input."""
    title = (data.title or "").strip()
    if not title:
        raise _refuse("title_required", _l("Give the title of the activities."), "title")
    if data.starts_on is None or data.ends_on is None:
        raise _refuse("dates_required", _l("Give the first and last day."), "starts_on")
    if data.ends_on < data.starts_on:
        raise _refuse("bad_dates", _l("The last day is before the first day."), "ends_on")
    try:
        kind = ActivityKind(data.activity_kind)
    except ValueError as exc:
        raise _refuse("bad_kind", _l("Unknown kind of activity."), "activity_kind") from exc
    expected = data.expected_participants
    if expected is not None and expected < 0:
        raise _refuse("bad_number", _l("Give a number of zero or more."), "expected_participants")
    return {
        "title": title[:300],
        "starts_on": data.starts_on,
        "ends_on": data.ends_on,
        "places": (data.places or "").strip()[:1000],
        "activity_kind": kind,
        "target_audience": (data.target_audience or "").strip()[:500],
        "expected_participants": expected,
        "contact_name": (data.contact_name or "").strip()[:100],
        "contact_phone": (data.contact_phone or "").strip()[:40],
        "description": (data.description or "").strip(),
    }


def clean_media_links(links: Iterable[str]) -> list[str]:
    """Absolute http(s) links, duplicates dropped; raises ``bad_link`` naming the first bad one."""
    result: list[str] = []
    for raw in links:
        link = (raw or "").strip()
        if not link:
            continue
        parts = urlsplit(link)
        if (
            parts.scheme.lower() not in ("http", "https")
            or not parts.hostname
            or len(link) > 500
            or any(ch.isspace() or ord(ch) < 32 for ch in link)
        ):
            raise DomainError(
                "bad_link",
                _l("This is not a web address (http:// or https://): %(link)s", link=link[:100]),
                field="media_links",
            )
        if link not in result:
            result.append(link)
    if len(result) > MAX_MEDIA_LINKS:
        raise DomainError(
            "too_many_links",
            _l("At most %(n)d links.", n=MAX_MEDIA_LINKS),
            field="media_links",
        )
    return result


def clean_report(data: ReportData) -> dict[str, Any]:
    """The report's columns, trimmed and checked."""
    summary = (data.summary or "").strip()
    if not summary:
        raise _refuse("summary_required", _l("Describe what took place."), "summary")
    if data.participants is not None and data.participants < 0:
        raise _refuse("bad_number", _l("Give a number of zero or more."), "participants")
    return {
        "summary": summary,
        "participants": data.participants,
        "media_links": "\n".join(clean_media_links(data.media_links)),
    }
