"""Admin pages: reports (being written)."""

from __future__ import annotations
