"""WSGI entry point: ``gunicorn wsgi:app``."""

from wadconf import create_app

app = create_app()
