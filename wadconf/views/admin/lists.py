"""Admin pages: lists (being written)."""

from __future__ import annotations
