"""Admin pages: checkpoints."""

from __future__ import annotations

from wadconf.views.admin import bp  # noqa: F401
