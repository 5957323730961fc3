"""Admin pages: schedule_signing (being written)."""

from __future__ import annotations
