"""Admin pages: series_board."""

from __future__ import annotations

from wadconf.views.admin import bp  # noqa: F401
