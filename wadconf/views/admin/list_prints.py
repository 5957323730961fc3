"""Admin pages: list_prints (being written)."""

from __future__ import annotations
