"""Admin pages: publishing the programme, and the published versions with their change logs.

The publish page shows what changed since the last publication (what delegates will see
change) and how many clashes the programme has; publishing freezes the programme as the
next version. Each version's page shows its change log against the one before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from wadconf.extensions import db
from wadconf.forms.schedule_signing import PublishForm
from wadconf.i18n import locale_code
from wadconf.models import Role
from wadconf.security import roles_required
from wadconf.services.clashes import schedule_clashes
from wadconf.services.schedule_publish import (
    Change,
    changes_between,
    latest_version,
    programme_snapshot,
    publish_schedule,
    version_of,
    versions_of,
)
from wadconf.views.admin import bp, event_or_404

#: How the change log names the fields of a session that changed.
FIELD_LABELS = {
    "title_zh": _l("Chinese title"),
    "title_en": _l("English title"),
    "description_zh": _l("Chinese description"),
    "description_en": _l("English description"),
    "starts_at": _l("start"),
    "ends_at": _l("end"),
    "room": _l("room"),
    "track": _l("track"),
    "kind": _l("kind"),
    "capacity": _l("capacity"),
    "requires_enrolment": _l("enrolment"),
    "position": _l("order"),
    "people": _l("people"),
    "agreements": _l("agreements"),
}


def _text(row: dict[str, Any] | None, name: str) -> str:
    """A snapshot row's ``name_zh``/``name_en`` (or title) in the reader's language."""
    if not row:
        return ""
    zh, en = row.get(f"{name}_zh") or "", row.get(f"{name}_en") or ""
    return (zh or en) if locale_code() == "zh_Hans" else (en or zh)


@dataclass
class ChangeRow:
    """One line of the change log, ready for the page."""

    kind: str
    tags: list[str]
    title: str
    #: "5 Jun 2025 11:00–12:00" in the event's zone, as it was and as it is.
    before_when: str = ""
    after_when: str = ""
    before_room: str = ""
    after_room: str = ""
    time_changed: bool = False
    room_changed: bool = False
    fields: list[str] = field(default_factory=list)


def _rooms(snapshot: dict[str, Any] | None) -> dict[str, str]:
    return {r["code"]: _text(r, "name") for r in (snapshot or {}).get("rooms", [])}


def _when(row: dict[str, Any] | None) -> str:
    """A snapshot session's date and hours in the page's (the event's) time zone."""
    if not row:
        return ""
    start = datetime.fromisoformat(row["starts_at"])
    end = datetime.fromisoformat(row["ends_at"])
    return (
        f"{format_date(start, 'medium')} {format_time(start, 'HH:mm')}–{format_time(end, 'HH:mm')}"
    )


def change_rows(
    changes: list[Change], old: dict[str, Any] | None, new: dict[str, Any]
) -> list[ChangeRow]:
    """The change log as the page shows it: added, removed, moved, re-roomed, retitled..."""
    old_rooms, new_rooms = _rooms(old), _rooms(new)
    rows = []
    for change in changes:
        before, after = change.before, change.after
        changed = set(change.fields)
        time_changed = bool(changed & {"starts_at", "ends_at"})
        room_changed = "room" in changed
        tags = []
        if change.kind == "added":
            tags.append(_("Added"))
        elif change.kind == "removed":
            tags.append(_("Removed"))
        else:
            if time_changed:
                tags.append(_("Moved"))
            if room_changed:
                tags.append(_("Re-roomed"))
            if changed & {"title_zh", "title_en"}:
                tags.append(_("Retitled"))
        others = sorted(changed - {"starts_at", "ends_at", "room", "title_zh", "title_en"})
        if others:
            tags.append(_("Changed"))
        rows.append(
            ChangeRow(
                kind=change.kind,
                tags=tags,
                title=_text(after or before, "title"),
                before_when=_when(before),
                after_when=_when(after),
                before_room=old_rooms.get(before.get("room"), "") if before else "",
                after_room=new_rooms.get(after.get("room"), "") if after else "",
                time_changed=time_changed,
                room_changed=room_changed,
                fields=[str(FIELD_LABELS.get(name, name)) for name in others],
            )
        )
    return rows


@bp.route("/events/<slug>/schedule/publish", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def schedule_publish(slug: str):
    """What changed since the last publication, the clash count, and the Publish button."""
    event = event_or_404(slug)
    form = PublishForm()
    if form.validate_on_submit():
        version = publish_schedule(event, by=current_user, note=form.note.data or "")
        db.session.commit()
        flash(
            _("Version %(number)d of the programme is published.", number=version.number), "success"
        )
        return redirect(url_for("admin.schedule_version", slug=slug, number=version.number))
    latest = latest_version(event)
    old = latest.snapshot if latest else None
    new = programme_snapshot(event)
    return render_template(
        "admin/schedule_publish/publish.html",
        event=event,
        form=form,
        latest=latest,
        rows=change_rows(changes_between(old, new), old, new),
        session_count=len(new["sessions"]),
        clash_count=len(schedule_clashes(event)),
        clashes_url=url_for("admin.schedule_clashes", slug=event.slug),
        editor_url=url_for("admin.schedule_editor", slug=slug),
    )


@bp.get("/events/<slug>/schedule/versions/")
@roles_required(Role.ORGANIZER)
def schedule_versions(slug: str):
    """Every published version: number, when, who, note, number of sessions."""
    event = event_or_404(slug)
    return render_template(
        "admin/schedule_publish/versions.html", event=event, versions=versions_of(event)
    )


@bp.get("/events/<slug>/schedule/versions/<int:number>")
@roles_required(Role.ORGANIZER)
def schedule_version(slug: str, number: int):
    """One version's change log against the version before it."""
    event = event_or_404(slug)
    version = version_of(event, number)
    if version is None:
        abort(404)
    previous = version_of(event, number - 1) if number > 1 else None
    old = previous.snapshot if previous else None
    return render_template(
        "admin/schedule_publish/version.html",
        event=event,
        version=version,
        previous=previous,
        rows=change_rows(changes_between(old, version.snapshot), old, version.snapshot),
    )
