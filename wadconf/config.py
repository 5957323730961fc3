"""Configuration: defaults, then ``instance/config.py``, then the environment.

Environment variables win so that an operator can change a deployment without
editing files: ``DATABASE_URL``, ``SECRET_KEY`` and anything prefixed
``WADCONF_`` (``WADCONF_IDLE_MINUTES=30`` sets ``IDLE_MINUTES``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


class Defaults:
    """Settings a fresh install starts with."""

    #: Filled from the environment, instance/config.py or instance/secret_key.
    SECRET_KEY: str | None = None
    #: ``None`` means SQLite in the instance folder.
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    #: SQLite ``PRAGMA synchronous``. FULL: a commit that returned survives a power cut,
    #: at the cost of one fsync of the WAL per commit. NORMAL is faster but may roll back
    #: the last commits after an OS crash; a check-in that staff saw accepted must not vanish.
    SQLITE_SYNCHRONOUS: str = "FULL"
    #: Milliseconds a writer waits for the lock before "database is locked".
    SQLITE_BUSY_TIMEOUT_MS: int = 5000

    BABEL_DEFAULT_LOCALE = "zh_Hans"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    LANGUAGES: tuple[str, ...] = ("zh_Hans", "en")

    #: Idle staff sessions end after this many minutes without a request.
    IDLE_MINUTES: int = 60
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    SESSION_COOKIE_NAME = "wadconf_session"
    #: Set to true behind HTTPS: secure cookies, HSTS, https URLs.
    HTTPS: bool = False
    #: Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
    PROXY_COUNT: int = 0

    WTF_CSRF_TIME_LIMIT = None  # a form stays valid for the whole (idle-limited) session

    #: Flask-Limiter storage; ``redis://127.0.0.1:6379/0`` shares limits across workers.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_STRATEGY = "moving-window"
    RATELIMIT_HEADERS_ENABLED = True
    #: Login attempts allowed per account and per client address.
    LOGIN_LIMIT_PER_ACCOUNT = "5 per minute;20 per hour"
    LOGIN_LIMIT_PER_CLIENT = "20 per minute;100 per hour"

    #: Largest invitation import file, and most rows in one.
    IMPORT_MAX_BYTES: int = 5 * 1024 * 1024
    IMPORT_MAX_ROWS: int = 20_000

    #: Requests per client to invitation and manage links, and how many of them may miss (404):
    #: the second limit is what stops guessing tokens.
    PUBLIC_LINK_LIMIT = "120 per minute"
    PUBLIC_LINK_MISS_LIMIT = "20 per minute;100 per hour"

    #: Largest attachment of an activity plan or report (bytes), and of a publicity material
    #: (print-ready posters are big). Files are kept in UPLOAD_FOLDER (default instance/uploads).
    UPLOAD_MAX_BYTES: int = 20 * 1024 * 1024
    MATERIAL_MAX_BYTES: int = 100 * 1024 * 1024
    UPLOAD_FOLDER: str | None = None
    #: Images with more pixels are refused before decoding (decompression bombs).
    UPLOAD_MAX_IMAGE_PIXELS: int = 50_000_000
    #: Whole request bodies above this are refused (413) before Werkzeug spools them to disk.
    MAX_CONTENT_LENGTH: int = 110 * 1024 * 1024

    #: Path of a CJK font (OTF/TTF/TTC) to use instead of the bundled Noto Sans SC.
    CJK_FONT: str | None = None

    #: Address of the site as delegates reach it; used for links in e-mails and letters
    #: written outside a web request (the mail worker, the CLI).
    BASE_URL: str = "http://127.0.0.1:8000"

    #: ``log`` appends messages to ``instance/mail.log`` (demo, development); ``smtp`` sends.
    MAIL_BACKEND: str = "log"
    MAIL_SERVER: str = "localhost"
    MAIL_PORT: int = 25
    #: ``none``, ``starttls`` or ``ssl``.
    MAIL_SECURITY: str = "none"
    MAIL_USERNAME: str = ""
    MAIL_PASSWORD: str = ""
    MAIL_DEFAULT_SENDER: str = "wadconf <noreply@example.org>"
    MAIL_TIMEOUT: int = 30
    #: Delivery attempts before a message is marked failed.
    MAIL_MAX_ATTEMPTS: int = 8
    #: A worker's claim on a message lapses after this long (it may have crashed mid-send).
    MAIL_LEASE_SECONDS: int = 300
    #: Messages one worker claims at a time.
    MAIL_BATCH_SIZE: int = 20
    #: First retry delay; it doubles with each failed attempt, up to six hours.
    MAIL_RETRY_SECONDS: int = 60
    #: How often an idle worker looks for due messages.
    MAIL_POLL_SECONDS: float = 5.0

    #: Werkzeug hash method for staff passwords (scrypt: memory-hard, the current default).
    PASSWORD_HASH_METHOD: str = "scrypt"

    #: Minimum length of a staff password.
    PASSWORD_MIN_LENGTH = 10


class TestDefaults:
    """Overrides used by the test suite."""

    TESTING = True
    SECRET_KEY = "test-secret-key-not-for-production"
    WTF_CSRF_ENABLED = False
    RATELIMIT_STORAGE_URI = "memory://"
    SQLITE_SYNCHRONOUS = "NORMAL"
    # Hundreds of accounts are created and logged into; scrypt would dominate the suite's time.
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"


def _coerce(value: str, current: Any) -> Any:
    """Turn an environment string into the type of the default it replaces."""
    if isinstance(current, bool):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(current, int):
        return int(value)
    if isinstance(current, float):
        return float(value)
    return value


def load(app, config: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` from defaults, instance file, environment and ``config``."""
    app.config.from_object(Defaults)
    app.config.from_pyfile("config.py", silent=True)
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = os.environ["SECRET_KEY"]
    for name, value in os.environ.items():
        if name.startswith("WADCONF_") and name not in {"WADCONF_INSTANCE_PATH"}:
            key = name.removeprefix("WADCONF_")
            app.config[key] = _coerce(value, app.config.get(key))
    if config:
        if config.get("TESTING"):
            app.config.from_object(TestDefaults)
        app.config.update(config)

    uri = app.config.get("SQLALCHEMY_DATABASE_URI")
    if not uri:
        uri = "sqlite:///" + str(Path(app.instance_path) / "wadconf.sqlite3")
    # Heroku-style URLs name the driver "postgres"; SQLAlchemy wants psycopg 3 spelled out.
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            uri = "postgresql+psycopg://" + uri.removeprefix(prefix)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri

    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret(Path(app.instance_path))
    if app.config["HTTPS"]:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["PREFERRED_URL_SCHEME"] = "https"


def instance_secret(instance: Path) -> str:
    """Return the secret key kept in the instance folder, creating it on first start."""
    path = instance / "secret_key"
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: when two workers start at once, one writes and the other reads its key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key
