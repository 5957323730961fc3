"""Blueprints and error pages."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from wadconf.extensions import db

ERRORS = {
    400: (_l("Bad request"), _l("The request could not be understood.")),
    403: (_l("Not allowed"), _l("Your account may not open this page.")),
    404: (_l("Not found"), _l("There is nothing at this address. Check the link you followed.")),
    405: (_l("Not allowed"), _l("This address does not accept this kind of request.")),
    413: (_l("Too large"), _l("What you sent is larger than allowed.")),
    429: (
        _l("Too many attempts"),
        _l("Too many attempts in a short time. Wait a minute and try again."),
    ),
    500: (
        _l("Something went wrong"),
        _l("An error on our side stopped this request. Nothing was saved; please try again."),
    ),
}


def render_error(code: int, message: str | None = None):
    """The translated error page for HTTP ``code``."""
    title, default = ERRORS.get(code, ERRORS[500])
    return render_template(
        "errors/error.html", code=code, title=title, message=message or default
    ), code


def _handle_http(exc: HTTPException):
    return render_error(exc.code or 500)


def _handle_csrf(exc: CSRFError):
    return render_error(
        400,
        _l("This form has expired or did not come from this site. Reload the page and try again."),
    )


def _handle_500(exc):
    db.session.rollback()
    return render_error(500)


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint and the error handlers."""
    from wadconf.views.admin import bp as admin_bp
    from wadconf.views.agenda import bp as agenda_bp
    from wadconf.views.api import bp as api_bp
    from wadconf.views.auth import bp as auth_bp
    from wadconf.views.checkin import bp as checkin_bp
    from wadconf.views.enrolment import bp as enrolment_bp
    from wadconf.views.materials import bp as materials_bp
    from wadconf.views.public import bp as public_bp
    from wadconf.views.registration import bp as registration_bp
    from wadconf.views.series import bp as series_bp
    from wadconf.views.staff import bp as staff_bp

    app.register_blueprint(public_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(registration_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(checkin_bp)
    app.register_blueprint(series_bp)
    app.register_blueprint(materials_bp)
    app.register_blueprint(agenda_bp)
    app.register_blueprint(enrolment_bp)
    app.register_error_handler(CSRFError, _handle_csrf)
    app.register_error_handler(HTTPException, _handle_http)
    app.register_error_handler(500, _handle_500)

    from wadconf.forms.users import role_choices

    def role_label(role) -> str:
        return str(dict(role_choices()).get(str(role), role))

    app.jinja_env.globals["role_label"] = role_label
    # What lists and pages show of contact data (PIPL): one implementation, everywhere.
    from wadconf.services.privacy import mask_email, mask_id_number, mask_mobile

    app.jinja_env.globals.update(
        mask_mobile=lambda value: mask_mobile(value) if value else "",
        mask_email=lambda value: mask_email(value) if value else "",
        mask_id_number=mask_id_number,
    )
    app.jinja_env.filters["reject_page"] = lambda args: {
        k: v for k, v in args.items() if k != "page"
    }

    @app.context_processor
    def _nav():
        return {"request_path": request.full_path.rstrip("?") if request else "/"}
