"""Admin pages: materials."""

from __future__ import annotations

from wadconf.views.admin import bp  # noqa: F401
