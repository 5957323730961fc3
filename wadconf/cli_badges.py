"""``wadconf badges ...``: print-ready badges from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from flask_babel import gettext
from sqlalchemy import select

from wadconf.database import write_intent
from wadconf.extensions import db
from wadconf.models import DelegateCategory, RegistrationStatus
from wadconf.services import DomainError, badges
from wadconf.services import events as event_service
from wadconf.services.badge_layouts import LAYOUTS


@click.group("badges")
def badges_group():
    """Badges."""


@badges_group.command("pdf")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="PDF file to write.",
)
@click.option("--event", "slug", help="Short name; default: the current event.")
@click.option(
    "--layout",
    type=click.Choice(sorted(LAYOUTS)),
    default="a6",
    show_default=True,
    help="a6: one A6 badge a page; a4x4: four on A4 with cut marks; cr80: 86 x 54 mm cards.",
)
@click.option(
    "--order", type=click.Choice(badges.ORDERS), default="organisation", show_default=True
)
@click.option("--category", "category_code", help="Only this category (its code).")
@click.option(
    "--status",
    type=click.Choice([s.value for s in RegistrationStatus] + ["any"]),
    default=RegistrationStatus.CONFIRMED.value,
    show_default=True,
)
@click.option("--unprinted", is_flag=True, help="Only badges never printed.")
@click.option("--ids", default="", help="Comma-separated registration ids.")
@click.option("--no-count", is_flag=True, help="Do not count this as a print (a proof).")
@with_appcontext
def badges_pdf(
    output: Path,
    slug: str | None,
    layout: str,
    order: str,
    category_code: str | None,
    status: str,
    unprinted: bool,
    ids: str,
    no_count: bool,
):
    """Write print-ready badges of an event's registrations to a PDF (confirmed by default).

    Each badge printed counts one print (shown to organisers as "printed 2x") and the batch
    is audited, unless --no-count.
    """
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
    category_id = None
    if category_code:
        category_id = db.session.scalar(
            select(DelegateCategory.id).where(
                DelegateCategory.event_id == event.id, DelegateCategory.code == category_code
            )
        )
        if category_id is None:
            raise click.BadParameter(
                f"no category {category_code!r} in {event.slug}", param_hint="--category"
            )
    registrations = badges.badges_for_print(
        event,
        status=None if status == "any" else status,
        category_id=category_id,
        ids=wanted,
        printed="never" if unprinted else "",
        order=order,
    )
    if not registrations:
        raise click.ClickException(gettext("There is no badge to print."))
    output.write_bytes(badges.badge_pdf(registrations, layout=layout, event=event))
    printed = [registration.id for registration in registrations]
    db.session.rollback()  # the PDF came from a read transaction; the counts get their own
    if not no_count:
        with write_intent():
            badges.record_printing(db.session.merge(event), printed, layout=layout)
            db.session.commit()
    click.echo(gettext("%(n)d badges written to %(file)s.", n=len(printed), file=output))
