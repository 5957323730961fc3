"""``wadconf lists export ...``: attendance lists from the command line (audited like the web)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.services import DomainError, list_files, list_layouts, lists
from wadconf.services import events as event_service

#: The command line spells statuses with a hyphen.
_STATUSES = {"registered": "registered", "checked-in": "checked_in", "absent": "absent"}


@click.group("lists")
def lists_group():
    """Attendance lists and sign-in sheets."""


@lists_group.command("export")
@click.option("--event", "slug", help="Short name; default: the current event.")
@click.option("--session", "session_id", type=int, help="Only this session (its id).")
@click.option("--checkpoint", "checkpoint_id", type=int, help="Only this checkpoint (its id).")
@click.option(
    "--status", type=click.Choice(sorted(_STATUSES)), default="registered", show_default=True
)
@click.option("--format", "fmt", type=click.Choice(list_files.FORMATS), required=True)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="File to write.",
)
@click.option("--layout", "layout_name", help="A saved layout of the event (its name).")
@click.option(
    "--columns",
    help="Comma-separated column keys: " + ",".join(lists.COLUMNS) + ".",
)
@click.option("--order", type=click.Choice(lists.ORDERS), help="Default: stroke.")
@click.option("--group-by", type=click.Choice([g for g in lists.GROUPS if g]))
@click.option("--language", type=click.Choice(lists.LANGUAGES), help="Default: bilingual.")
@click.option("--landscape", is_flag=True, help="A4 landscape (PDF).")
@with_appcontext
def lists_export(
    slug: str | None,
    session_id: int | None,
    checkpoint_id: int | None,
    status: str,
    fmt: str,
    output: Path,
    layout_name: str | None,
    columns: str | None,
    order: str | None,
    group_by: str | None,
    language: str | None,
    landscape: bool,
):
    """Write a list of an event, a session or a checkpoint as CSV, XLSX or PDF.

    Mobile numbers are masked; the export is recorded in the audit log (actor "cli").
    """
    try:
        event = event_service.resolve_event(slug)
        spec = lists.ListSpec()
        if layout_name:
            layout = list_layouts.find_layout(event, layout_name)
            if layout is None:
                raise click.ClickException(f"no layout named {layout_name!r}")
            spec = list_layouts.layout_spec(layout)
        if session_id is not None:
            spec.scope, spec.session_id, spec.checkpoint_id = "session", session_id, None
        elif checkpoint_id is not None:
            spec.scope, spec.checkpoint_id, spec.session_id = "checkpoint", checkpoint_id, None
        spec.status = _STATUSES[status]
        if columns:
            spec.columns = [key.strip() for key in columns.split(",") if key.strip()]
        spec.order = order or spec.order
        spec.group_by = group_by or spec.group_by
        spec.language = language or spec.language
        if landscape:
            spec.orientation = "landscape"
        table = lists.build_list(event, spec)
        data = list_files.render(table, fmt)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
    output.write_bytes(data)
    db.session.commit()  # end the read transaction
    with write_intent():
        list_files.record_export(event, spec, table, fmt)
        db.session.commit()
    click.echo(f"{output}: {table.total} rows ({fmt})")
