"""Configuration: defaults, instance/config.py, environment, the generated secret key."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from wadconf import create_app


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No setting leaks in from the shell that runs the tests."""
    for name in list(os.environ):
        if name.startswith("WADCONF_") or name in {"SECRET_KEY", "DATABASE_URL"}:
            monkeypatch.delenv(name)


@pytest.fixture
def instance(tmp_path) -> Path:
    """An instance folder that does not exist yet."""
    return tmp_path / "instance"


def sqlite_url(tmp_path: Path) -> str:
    return "sqlite:///" + str(tmp_path / "db.sqlite3")


def test_secret_key_is_generated_into_the_instance_folder(tmp_path, instance):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path), "INSTANCE_PATH": str(instance)}
    )
    key_file = instance / "secret_key"
    assert key_file.read_text(encoding="ascii") == app.config["SECRET_KEY"]
    assert len(app.config["SECRET_KEY"]) >= 32
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_second_start_reuses_the_generated_secret_key(tmp_path, instance):
    config = {"SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path), "INSTANCE_PATH": str(instance)}
    first = create_app(config)
    second = create_app(config)
    assert second.config["SECRET_KEY"] == first.config["SECRET_KEY"]


def test_secret_key_from_environment_wins(monkeypatch, tmp_path, instance):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path), "INSTANCE_PATH": str(instance)}
    )
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert not (instance / "secret_key").exists()


def test_testing_uses_a_fixed_secret_key(tmp_path, instance):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path),
            "INSTANCE_PATH": str(instance),
        }
    )
    assert app.config["SECRET_KEY"] == "test-secret-key-not-for-production"
    assert not (instance / "secret_key").exists()


def test_default_database_is_sqlite_in_the_instance_folder(instance):
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + str(instance / "wadconf.sqlite3")


def test_database_url_from_environment_is_used(monkeypatch, instance):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////srv/wadconf/data.sqlite3")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:////srv/wadconf/data.sqlite3"


@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
def test_postgres_database_url_is_given_the_psycopg_driver(monkeypatch, instance, scheme):
    monkeypatch.setenv("DATABASE_URL", f"{scheme}://wad:pw@db.example:5432/wadconf")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert (
        app.config["SQLALCHEMY_DATABASE_URI"]
        == "postgresql+psycopg://wad:pw@db.example:5432/wadconf"
    )


def test_explicit_psycopg_url_is_left_alone(monkeypatch, instance):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://wad@db.example/wadconf")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://wad@db.example/wadconf"


def test_prefixed_environment_variable_takes_the_type_of_the_default(monkeypatch, instance):
    monkeypatch.setenv("WADCONF_IDLE_MINUTES", "15")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["IDLE_MINUTES"] == 15


def test_https_from_environment_makes_cookies_secure(monkeypatch, instance):
    monkeypatch.setenv("WADCONF_HTTPS", "1")
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["HTTPS"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["PREFERRED_URL_SCHEME"] == "https"


def test_cookies_are_not_secure_without_https(instance):
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["SESSION_COOKIE_SECURE"] is False


@pytest.mark.parametrize(("value", "expected"), [("0", False), ("no", False), ("true", True)])
def test_boolean_environment_values(monkeypatch, instance, value, expected):
    monkeypatch.setenv("WADCONF_HTTPS", value)
    assert create_app({"INSTANCE_PATH": str(instance)}).config["HTTPS"] is expected


def test_instance_config_file_is_read(instance):
    instance.mkdir()
    (instance / "config.py").write_text(
        'IDLE_MINUTES = 20\nSQLITE_SYNCHRONOUS = "NORMAL"\nSECRET_KEY = "from-the-file"\n',
        encoding="utf-8",
    )
    app = create_app({"INSTANCE_PATH": str(instance)})
    assert app.config["IDLE_MINUTES"] == 20
    assert app.config["SQLITE_SYNCHRONOUS"] == "NORMAL"
    assert app.config["SECRET_KEY"] == "from-the-file"


def test_environment_beats_instance_config_file(monkeypatch, instance):
    instance.mkdir()
    (instance / "config.py").write_text("IDLE_MINUTES = 20\n", encoding="utf-8")
    monkeypatch.setenv("WADCONF_IDLE_MINUTES", "5")
    assert create_app({"INSTANCE_PATH": str(instance)}).config["IDLE_MINUTES"] == 5


def test_instance_path_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("WADCONF_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    app = create_app({"SQLALCHEMY_DATABASE_URI": sqlite_url(tmp_path)})
    assert app.instance_path == str(tmp_path / "elsewhere")
    assert (tmp_path / "elsewhere" / "secret_key").exists()
