"""``wadconf series remind``: remind bodies missing a plan or report shortly before the deadline.

Meant for cron (e.g. every morning): it is idempotent, a body is reminded about a topic at
most once per day (in the event's zone), however often the command runs. Other ``series``
commands can attach to :data:`series_group`.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext
from flask_babel import gettext

from wadconf.database import utcnow, write_intent
from wadconf.extensions import db
from wadconf.models import ReminderTopic
from wadconf.services import DomainError, series_board
from wadconf.services import events as event_service

TOPICS = {"plans": ReminderTopic.PLAN, "reports": ReminderTopic.REPORT}


@click.group("series")
def series_group():
    """Series activities of the reporting bodies."""


@series_group.command("remind")
@click.option("--event", "slug", help="Short name; default: the only or current event.")
@click.option(
    "--what",
    type=click.Choice(sorted(TOPICS)),
    help="Remind about plans or reports; default: both.",
)
@click.option(
    "--days-before",
    type=click.IntRange(min=0),
    default=3,
    show_default=True,
    help="Only when the deadline is at most this many days ahead (0: any time before it).",
)
@with_appcontext
def series_remind(slug: str | None, what: str | None, days_before: int):
    """Queue reminders to the bodies missing a plan or report whose deadline is near."""
    topics = [TOPICS[what]] if what else list(TOPICS.values())
    with write_intent():
        try:
            event = event_service.resolve_event(slug)
            now = utcnow()
            for topic in topics:
                label = "plans" if topic is ReminderTopic.PLAN else "reports"
                if not series_board.due_soon(event, topic, days_before=days_before, now=now):
                    click.echo(f"{label}: deadline not within {days_before} days; nothing sent")
                    continue
                result = series_board.send_reminders(event, topic=topic, origin="cli", now=now)
                click.echo(
                    f"{label}: reminded {len(result.sent)} bodies ({result.messages} e-mails), "
                    f"already today {len(result.already_today)}, "
                    f"no address {len(result.no_address)}"
                )
                if result.no_address:
                    click.echo(
                        gettext(
                            "No reporter account or contact e-mail: %(codes)s.",
                            codes=", ".join(result.no_address),
                        ),
                        err=True,
                    )
        except DomainError as exc:
            db.session.rollback()
            raise click.ClickException(f"{exc.message} [{exc.code}]") from exc
        db.session.commit()
