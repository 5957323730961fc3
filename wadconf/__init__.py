"""wadconf: invitations, registration, QR badges, check-in, schedule and lists for a conference."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the application. ``config`` overrides everything (tests pass ``TESTING`` here)."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=os.environ.get("WADCONF_INSTANCE_PATH")
        or (config or {}).get("INSTANCE_PATH"),
        instance_relative_config=True,
    )
    from wadconf import config as config_module

    config_module.load(app, config)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    if app.config["PROXY_COUNT"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_prefix=n)

    from wadconf import database, i18n, security
    from wadconf.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(Path(__file__).parent / "migrations"), render_as_batch=True
    )
    csrf.init_app(app)
    limiter.init_app(app)
    database.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    _init_login(app, login_manager)

    from wadconf import models  # noqa: F401  (registers the tables)
    from wadconf.views import register_blueprints

    register_blueprints(app)

    from wadconf.cli import register_commands

    register_commands(app)
    return app


def _init_login(app: Flask, login_manager) -> None:
    from flask_babel import lazy_gettext as _l
    from sqlalchemy import select

    from wadconf.extensions import db
    from wadconf.models import StaffUser

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    from wadconf.models import StaffSession

    @login_manager.user_loader
    def load_user(value: str) -> StaffUser | None:
        credentials, _, login_session = value.partition(".")
        if not credentials or not login_session:
            return None
        user = db.session.scalar(
            select(StaffUser)
            .join(StaffSession, StaffSession.user_id == StaffUser.id)
            .where(
                StaffUser.session_token == credentials,
                StaffUser.is_active_account.is_(True),
                StaffSession.token == login_session,
                StaffSession.ended_at.is_(None),
            )
        )
        if user is not None:
            user.login_session_token = login_session
        return user
