"""Admin pages: readiness (being written)."""

from __future__ import annotations
