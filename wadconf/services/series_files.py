"""Attachments of plans and reports: stored through :mod:`wadconf.services.uploads`.

An attachment is never deleted by a reporter: removing it in version n records
``removed_in_version = n``, so earlier versions still list it and organisers can open it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from wadconf.extensions import db
from wadconf.models import Event, StaffUser
from wadconf.models.series import ActivityPlan, ActivityReport, ReportingBody, SeriesAttachment
from wadconf.services import DomainError
from wadconf.services.uploads import ATTACHMENT_KINDS, delete_stored, store_upload

#: Folder under the uploads root.
AREA = "series"
#: Most files one plan or report may carry at a time.
MAX_CURRENT_FILES = 20


def _chosen(files: Sequence[Any]) -> list[Any]:
    """The file fields the reporter actually filled."""
    return [f for f in files if f is not None and getattr(f, "filename", "")]


def attach_files(
    submission: ActivityPlan | ActivityReport,
    files: Sequence[Any],
    *,
    number: int,
    by: StaffUser,
) -> int:
    """Store ``files`` and attach them from version ``number``; return how many.

    On any refusal the files stored by this call are deleted again and the error raised
    (the caller rolls back, so no row points at them).
    """
    chosen = _chosen(files)
    if not chosen:
        return 0
    current = sum(1 for a in submission.attachments if a.removed_in_version is None)
    if current + len(chosen) > MAX_CURRENT_FILES:
        raise DomainError(
            "too_many_files",
            _l("At most %(n)d files can be attached.", n=MAX_CURRENT_FILES),
            field="files",
        )
    stored = []
    try:
        for upload in chosen:
            try:
                stored.append(store_upload(upload, allowed=ATTACHMENT_KINDS, area=AREA))
            except DomainError as exc:
                raise DomainError(
                    exc.code,
                    _l("%(name)s: %(reason)s", name=upload.filename[:100], reason=exc.message),
                    field="files",
                ) from exc
    except DomainError:
        for item in stored:
            delete_stored(item.storage_key)
        raise
    owner = (
        {"plan_id": submission.id}
        if isinstance(submission, ActivityPlan)
        else {"report_id": submission.id}
    )
    for item in stored:
        db.session.add(
            SeriesAttachment(
                event_id=submission.event_id,
                body_id=submission.body_id,
                storage_key=item.storage_key,
                original_name=item.original_name,
                content_type=item.content_type,
                size=item.size,
                sha256=item.sha256,
                kind=item.kind.value,
                added_in_version=number,
                uploaded_by_id=by.id,
                **owner,
            )
        )
    db.session.flush()
    return len(stored)


def remove_files(
    submission: ActivityPlan | ActivityReport, tokens: Iterable[str], *, number: int
) -> int:
    """Mark the current attachments named by ``tokens`` removed from version ``number`` on."""
    wanted = {t for t in tokens if t}
    removed = 0
    for attachment in submission.attachments:
        if attachment.token in wanted and attachment.removed_in_version is None:
            attachment.removed_in_version = number
            removed += 1
    db.session.flush()
    return removed


def files_of_version(
    submission: ActivityPlan | ActivityReport, number: int
) -> list[SeriesAttachment]:
    """The attachments version ``number`` had."""
    return [a for a in submission.attachments if a.in_version(number)]


def current_files(submission: ActivityPlan | ActivityReport | None) -> list[SeriesAttachment]:
    """The attachments of the latest version."""
    if submission is None:
        return []
    return [a for a in submission.attachments if a.removed_in_version is None]


def attachment_of_body(body: ReportingBody, token: str) -> SeriesAttachment | None:
    """``body``'s attachment named ``token``; None for another body's (or nobody's)."""
    return db.session.scalar(
        select(SeriesAttachment).where(
            SeriesAttachment.token == token, SeriesAttachment.body_id == body.id
        )
    )


def attachment_of_event(event: Event, token: str) -> SeriesAttachment | None:
    """``event``'s attachment named ``token`` (for organisers)."""
    return db.session.scalar(
        select(SeriesAttachment).where(
            SeriesAttachment.token == token, SeriesAttachment.event_id == event.id
        )
    )
