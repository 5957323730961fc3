"""Exports of the series activities: the board and the submissions as XLSX, attachments as ZIP.

Spreadsheets go through :mod:`wadconf.services.exports` (formula guard: a plan titled
``=HYPERLINK(...)`` stays text). The ZIP is built in a temporary file, never in memory:
all bodies' photos can reach hundreds of megabytes. Files are stored uncompressed
(JPEG, PNG and OOXML are compressed already), one folder per body, with a manifest.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from flask_babel import gettext as _
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import (
    ActivityPlanVersion,
    ActivityReportVersion,
    Event,
    ReportingBody,
    SeriesAttachment,
    StaffUser,
)
from wadconf.services import DomainError, audit
from wadconf.services.exports import write_csv, write_xlsx_sheets
from wadconf.services.series_board import board_rows, recipients
from wadconf.services.uploads import UploadKind, open_stored, sanitise_name


def _local(event: Event, value: datetime | None) -> datetime | None:
    """``value`` in the event's zone without tzinfo (spreadsheets have no zones)."""
    return value.astimezone(event.zone).replace(tzinfo=None) if value else None


def _state_labels() -> dict[str, str]:
    return {"submitted": _("Submitted"), "late": _("Late"), "missing": _("Missing")}


def _kind_labels() -> dict[str, str]:
    return {
        "province": _("Province"),
        "association": _("Association"),
        "certification_body": _("Certification body"),
        "other": _("Other"),
    }


def board_sheet(event: Event) -> tuple[str, list[str], Iterator[list[Any]]]:
    """The board as ``(title, header, rows)``."""
    states, kinds = _state_labels(), _kind_labels()
    header = [
        _("Code"),
        _("Name (Chinese)"),
        _("Name (English)"),
        _("Kind"),
        _("Plan"),
        _("Plan version"),
        _("Plan first submitted"),
        _("Plan last submitted"),
        _("Report"),
        _("Report version"),
        _("Report first submitted"),
        _("Report last submitted"),
        _("Last plan reminder"),
        _("Last report reminder"),
        _("Recipients of reminders"),
    ]

    def rows() -> Iterator[list[Any]]:
        for row in board_rows(event):
            plan, report = row.plan, row.report
            yield [
                row.body.code,
                row.body.name_zh,
                row.body.name_en,
                kinds.get(row.body.kind.value, row.body.kind.value),
                states[row.plan_state],
                plan.current_version if plan else None,
                _local(event, plan.first_submitted_at) if plan else None,
                _local(event, plan.submitted_at) if plan else None,
                states[row.report_state],
                report.current_version if report else None,
                _local(event, report.first_submitted_at) if report else None,
                _local(event, report.submitted_at) if report else None,
                row.last_reminded.get("plan"),
                row.last_reminded.get("report"),
                ", ".join(recipients(row.body)),
            ]

    return _("Board"), header, rows()


def _current_versions(event: Event, model, parent_attr: str) -> dict[int, Any]:
    """Body id -> the current version of its plan or report."""
    parent = getattr(model, parent_attr).property.mapper.class_
    query = (
        select(parent.body_id, model)
        .join(parent, getattr(model, parent_attr))
        .where(parent.event_id == event.id, model.number == parent.current_version)
    )
    return {body_id: version for body_id, version in db.session.execute(query)}


def _attachment_names(event: Event) -> dict[tuple[str, int], list[str]]:
    """(``plan``|``report``, owner id) -> names of its current attachments."""
    names: dict[tuple[str, int], list[str]] = {}
    query = select(SeriesAttachment).where(
        SeriesAttachment.event_id == event.id, SeriesAttachment.removed_in_version.is_(None)
    )
    for item in db.session.scalars(query.order_by(SeriesAttachment.id)):
        key = ("plan", item.plan_id) if item.plan_id else ("report", item.report_id)
        names.setdefault(key, []).append(item.original_name)
    return names


def submissions_workbook(event: Event, *, by: StaffUser | None = None) -> bytes:
    """Board, current plans and current reports as one workbook (audited)."""
    bodies = {
        b.id: b
        for b in db.session.scalars(
            select(ReportingBody)
            .where(ReportingBody.event_id == event.id)
            .order_by(ReportingBody.position, ReportingBody.code)
        )
    }
    plans = _current_versions(event, ActivityPlanVersion, "plan")
    reports = _current_versions(event, ActivityReportVersion, "report")
    files = _attachment_names(event)

    plan_header = [
        _("Code"), _("Reporting body"), _("Version"), _("Submitted"), _("Title"),
        _("Starts"), _("Ends"), _("Places"), _("Kind of activity"), _("Target audience"),
        _("Expected participants"), _("Contact person"), _("Contact phone"),
        _("Description"), _("Attachments"),
    ]  # fmt: skip
    report_header = [
        _("Code"), _("Reporting body"), _("Version"), _("Submitted"), _("What took place"),
        _("Participants"), _("Media coverage"), _("Attachments"),
    ]  # fmt: skip

    def plan_rows() -> Iterator[list[Any]]:
        for body_id, body in bodies.items():
            v = plans.get(body_id)
            if v is None:
                continue
            yield [
                body.code, body.name_zh or body.name_en, v.number, _local(event, v.created_at),
                v.title, v.starts_on, v.ends_on, v.places, v.activity_kind.value,
                v.target_audience, v.expected_participants, v.contact_name, v.contact_phone,
                v.description, "\n".join(files.get(("plan", v.plan_id), [])),
            ]  # fmt: skip

    def report_rows() -> Iterator[list[Any]]:
        for body_id, body in bodies.items():
            v = reports.get(body_id)
            if v is None:
                continue
            yield [
                body.code, body.name_zh or body.name_en, v.number, _local(event, v.created_at),
                v.summary, v.participants, v.media_links,
                "\n".join(files.get(("report", v.report_id), [])),
            ]  # fmt: skip

    data = write_xlsx_sheets(
        [
            board_sheet(event),
            (_("Plans"), plan_header, plan_rows()),
            (_("Reports"), report_header, report_rows()),
        ]
    )
    audit.record(
        "series.export_submissions",
        actor=by,
        event_id=event.id,
        details={"plans": len(plans), "reports": len(reports)},
    )
    return data


def board_workbook(event: Event, *, by: StaffUser | None = None) -> bytes:
    """The board alone as a workbook (audited)."""
    data = write_xlsx_sheets([board_sheet(event)])
    audit.record("series.export_board", actor=by, event_id=event.id)
    return data


# ---------------------------------------------------------------------------------------------
# ZIP of attachments


@dataclass
class ZipExport:
    """A finished ZIP in a temporary file (deleted when closed) and what went in."""

    file: IO[bytes]
    files: int
    bodies: int
    missing: int


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2).ext`` etc. when the folder already has it (case-insensitive)."""
    stem, dot, ext = name.rpartition(".")
    candidate, n = name, 1
    while candidate.lower() in taken:
        n += 1
        candidate = f"{stem} ({n}).{ext}" if dot else f"{name} ({n})"
    taken.add(candidate.lower())
    return candidate


def attachments_zip(
    event: Event, *, body: ReportingBody | None = None, by: StaffUser | None = None
) -> ZipExport:
    """All attachments of ``body`` (None: every body) as a ZIP, one folder per body (audited).

    ``<code>/plan/`` and ``<code>/report/`` hold the current files, ``.../superseded/`` those
    removed by a later version; ``manifest.csv`` lists every file with its SHA-256.
    """
    query = (
        select(SeriesAttachment, ReportingBody)
        .join(ReportingBody, SeriesAttachment.body_id == ReportingBody.id)
        .where(SeriesAttachment.event_id == event.id)
        .order_by(ReportingBody.position, ReportingBody.code, SeriesAttachment.id)
    )
    if body is not None:
        query = query.where(SeriesAttachment.body_id == body.id)
    spool = tempfile.TemporaryFile()
    taken: dict[str, set[str]] = {}
    manifest: list[list[Any]] = []
    files = missing = 0
    bodies: set[int] = set()
    try:
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            for item, owner in db.session.execute(query):
                folder = _safe_folder(owner.code)
                part = "plan" if item.plan_id else "report"
                if item.removed_in_version is not None:
                    part += "/superseded"
                directory = f"{folder}/{part}"
                name = _unique(
                    sanitise_name(item.original_name, kind=_kind(item.kind)),
                    taken.setdefault(directory, set()),
                )
                path = f"{directory}/{name}"
                try:
                    source = open_stored(item.storage_key)
                except DomainError:  # a file lost on disk must not stop the export
                    missing += 1
                    manifest.append([owner.code, part, path, item.size, item.sha256, "missing"])
                    continue
                info = zipfile.ZipInfo(path, date_time=_zip_time(event, item.created_at))
                info.compress_type = zipfile.ZIP_STORED
                with archive.open(info, "w", force_zip64=True) as target, source.open("rb") as fh:
                    shutil.copyfileobj(fh, target, 1024 * 1024)
                files += 1
                bodies.add(owner.id)
                manifest.append([owner.code, part, path, item.size, item.sha256, "ok"])
            archive.writestr(
                "manifest.csv",
                write_csv(["body", "part", "path", "size", "sha256", "status"], manifest),
            )
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    audit.record(
        "series.export_attachments",
        obj=body,
        actor=by,
        event_id=event.id,
        details={"body": body.code if body else None, "files": files, "missing": missing},
    )
    return ZipExport(file=spool, files=files, bodies=len(bodies), missing=missing)


def _safe_folder(code: str) -> str:
    """A body's folder: its code reduced to letters, digits, ``-`` and ``_`` (never ``..``)."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", code)[:40] or "body"


def _kind(value: str) -> UploadKind:
    try:
        return UploadKind(value)
    except ValueError:
        return UploadKind.PDF


def _zip_time(event: Event, value: datetime | None) -> tuple[int, int, int, int, int, int]:
    local = _local(event, value) or datetime(1980, 1, 1)
    return (max(local.year, 1980), local.month, local.day, local.hour, local.minute, local.second)
