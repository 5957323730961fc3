"""Admin pages: schedule_publish (being written)."""

from __future__ import annotations
