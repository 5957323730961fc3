"""Admin pages: schedule_editor (being written)."""

from __future__ import annotations
