"""``wadconf invitations ...``: invitation commands for operators."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.services import DomainError, imports
from wadconf.services import events as event_service


@click.group("invitations")
def invitations_group():
    """Invitations."""


@invitations_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, readable=True, path_type=Path))
@click.option("--event", "slug", help="Short name; default: the only or current event.")
@click.option("--dry-run", is_flag=True, help="Check every row, print the counts, write nothing.")
@with_appcontext
def invitations_import(file: Path, slug: str | None, dry_run: bool):
    """Import invitations from a CSV or XLSX FILE: every row, or none if any row is bad.

    Bad rows are printed on standard error as ``line, column: reason [code]`` and the
    command exits with status 1; rows already invited are skipped.
    """
    # One write transaction: the check and the insert see the same invitations.
    with write_intent():
        try:
            event = event_service.resolve_event(slug)
            plan = imports.import_invitations(event, file, dry_run=dry_run, source_name=file.name)
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
        for problem in plan.problems:
            click.echo(
                gettext(
                    "Line %(line)d, %(column)s: %(reason)s",
                    line=problem.line,
                    column=problem.column or "-",
                    reason=problem.message,
                )
                + f" [{problem.code}]",
                err=True,
            )
        counts = gettext(
            "%(rows)d rows: %(new)d new, %(existing)d already invited, %(bad)d bad.",
            rows=len(plan.rows),
            new=plan.count("new"),
            existing=plan.count("existing"),
            bad=plan.count("bad"),
        )
        if not plan.ok:
            db.session.rollback()
            click.echo(counts + " " + gettext("Nothing was imported."))
            click.get_current_context().exit(1)
        if dry_run:
            db.session.rollback()
            click.echo(counts + " " + gettext("Dry run: nothing was written."))
            return
        db.session.commit()
        click.echo(
            counts
            + " "
            + gettext("%(n)d invitations imported for %(event)s.", n=plan.added, event=event.slug)
        )


@invitations_group.command("letters")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF file to write.",
)
@click.option("--event", "slug", help="Short name; default: the only or current event.")
@click.option("--ids", default="", help="Comma-separated invitation ids; default: all not revoked.")
@with_appcontext
def invitations_letters(output: Path, slug: str | None, ids: str):
    """Write printable invitation letters (one A4 page each) to a PDF; links use BASE_URL."""
    from wadconf.services import letters

    try:
        wanted = [int(part) for part in ids.split(",") if part.strip()] if ids else None
    except ValueError as exc:
        raise click.BadParameter(
            "ids must be numbers separated by commas", param_hint="--ids"
        ) from exc
    try:
        event = event_service.resolve_event(slug)
    except DomainError as exc:
        raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
    invitations = letters.invitations_for_letters(event, ids=wanted)
    if not invitations:
        raise click.ClickException(gettext("There is no invitation to print a letter for."))
    output.write_bytes(letters.render_letters(event, invitations))
    printed = [invitation.id for invitation in invitations]
    db.session.rollback()  # the PDF came from a read transaction; the audit write gets its own
    with write_intent():
        letters.record_printing(event, printed)
        db.session.commit()
    click.echo(gettext("%(n)d letters written to %(file)s.", n=len(printed), file=output))
