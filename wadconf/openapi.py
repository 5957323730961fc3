"""The OpenAPI 3 document of the scan API, served at ``/api/v1/openapi.json``.

Written by hand next to :mod:`wadconf.views.api`; ``tests/views/test_api_openapi.py``
keeps the two in step (every route documented, every documented operation routed,
real answers valid against the schemas).
"""

from __future__ import annotations

from typing import Any

from wadconf.models import Verdict

_STR = {"type": "string"}
_INT = {"type": "integer"}
_DT_OR_NULL = {"type": ["string", "null"], "format": "date-time"}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


_SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {
                "type": "string",
                "description": "Stable code: malformed, unauthorized, forbidden, csrf, "
                "checkpoint_not_found, not_found, exit_not_allowed, not_an_entry, "
                "undo_too_late, already_annulled, reason_required.",
            },
            "message": {"type": "string", "description": "Translated for people."},
        },
    },
    "Category": {
        "type": "object",
        "required": ["code", "name_zh", "name_en", "colour"],
        "properties": {
            "code": _STR,
            "name_zh": _STR,
            "name_en": _STR,
            "colour": {"type": "string", "pattern": "^#[0-9a-fA-F]{6}$"},
        },
    },
    "Registration": {
        "type": "object",
        "required": [
            "id",
            "name_zh",
            "name_en",
            "organisation",
            "position",
            "country",
            "category",
            "status",
        ],  # fmt: skip
        "properties": {
            "id": _INT,
            "name_zh": _STR,
            "name_en": _STR,
            "organisation": _STR,
            "position": _STR,
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2, or empty."},
            "category": {"oneOf": [_ref("Category"), {"type": "null"}]},
            "status": {
                "type": "string",
                "enum": ["confirmed", "pending", "waitlisted", "cancelled", "rejected"],
            },
        },
    },
    "ScanRequest": {
        "type": "object",
        "required": ["checkpoint", "code"],
        "properties": {
            "checkpoint": {"type": "integer", "description": "Checkpoint id."},
            "code": {
                "type": "string",
                "minLength": 1,
                "maxLength": 1000,
                "description": "The text read from the QR code (trimmed and upper-cased).",
            },
            "nonce": {
                "type": "string",
                "maxLength": 64,
                "description": "Client-chosen idempotency key: a retry with the same nonce at "
                "the same checkpoint records nothing and answers the first verdict.",
            },
            "device": {"type": "string", "maxLength": 100, "description": "Gate or lane."},
            "direction": {
                "type": "string",
                "enum": ["in", "out"],
                "default": "in",
                "description": "out: an exit scan, only at in_out checkpoints.",
            },
            "method": {"type": "string", "enum": ["camera", "keyboard", "api"], "default": "api"},
        },
    },
    "ScanResult": {
        "type": "object",
        "required": [
            "result",
            "message",
            "scan_id",
            "registration",
            "checked_in_at",
            "checked_in_device",
            "check_in_id",
            "replayed",
        ],  # fmt: skip
        "properties": {
            "result": {"type": "string", "enum": [v.value for v in Verdict]},
            "message": {"type": "string", "description": "Translated verdict for staff."},
            "scan_id": {"type": "integer", "description": "The logged scan (for undo)."},
            "registration": {"oneOf": [_ref("Registration"), {"type": "null"}]},
            "checked_in_at": {
                **_DT_OR_NULL,
                "description": "First accepted live entry at this checkpoint.",
            },
            "checked_in_device": {"type": "string", "description": "Where that entry was made."},
            "check_in_id": {"type": ["integer", "null"]},
            "replayed": {
                "type": "boolean",
                "description": "True when the nonce was seen before: the first scan's verdict.",
            },
        },
    },
    "CheckinRequest": {
        "type": "object",
        "required": ["registration"],
        "properties": {
            "registration": {"type": "integer", "description": "Registration id from search."},
            "nonce": {"type": "string", "maxLength": 64},
            "device": {"type": "string", "maxLength": 100},
        },
    },
    "UndoRequest": {
        "type": "object",
        "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 300}},
    },
    "UndoResult": {
        "type": "object",
        "required": ["result", "message", "scan_id", "check_in_id", "annulled_at"],
        "properties": {
            "result": {"type": "string", "enum": ["annulled"]},
            "message": _STR,
            "scan_id": _INT,
            "check_in_id": _INT,
            "annulled_at": {"type": "string", "format": "date-time"},
        },
    },
    "Checkpoint": {
        "type": "object",
        "required": [
            "id",
            "code",
            "name",
            "name_zh",
            "name_en",
            "kind",
            "rule",
            "reentry",
            "opens_at",
            "closes_at",
            "is_open",
            "event",
        ],  # fmt: skip
        "properties": {
            "id": _INT,
            "code": _STR,
            "name": {"type": "string", "description": "In the caller's language."},
            "name_zh": _STR,
            "name_en": _STR,
            "kind": {
                "type": "string",
                "enum": ["entrance", "session_room", "signing_hall", "other"],
            },
            "rule": {"type": "string", "enum": ["all", "categories", "enrolled"]},
            "reentry": {"type": "string", "enum": ["once", "in_out"]},
            "opens_at": _DT_OR_NULL,
            "closes_at": _DT_OR_NULL,
            "is_open": {"type": "boolean"},
            "event": {
                "type": "object",
                "required": ["slug", "name"],
                "properties": {"slug": _STR, "name": _STR, "timezone": _STR},
            },
        },
    },
    "CheckpointList": {
        "type": "object",
        "required": ["checkpoints"],
        "properties": {"checkpoints": {"type": "array", "items": _ref("Checkpoint")}},
    },
    "SearchResult": {
        "type": "object",
        "required": [
            "id",
            "name_zh",
            "name_en",
            "organisation",
            "category",
            "mobile",
            "status",
            "checked_in_at",
        ],  # fmt: skip
        "properties": {
            "id": _INT,
            "name_zh": _STR,
            "name_en": _STR,
            "organisation": _STR,
            "category": {"oneOf": [_ref("Category"), {"type": "null"}]},
            "mobile": {"type": "string", "description": "Masked: prefix and last four digits."},
            "status": _STR,
            "checked_in_at": _DT_OR_NULL,
        },
    },
    "SearchResults": {
        "type": "object",
        "required": ["results"],
        "properties": {"results": {"type": "array", "items": _ref("SearchResult")}},
    },
}

_SCAN_RESPONSES = {
    "201": _json(_ref("ScanResult"), "ok: admitted (or exit recorded)."),
    "409": _json(_ref("ScanResult"), "already_checked_in."),
    "404": {
        "description": "unknown_code (a ScanResult), or checkpoint_not_found (an Error).",
        "content": {"application/json": {"schema": {"oneOf": [_ref("ScanResult"), _ref("Error")]}}},
    },
    "403": {
        "description": "reissued, cancelled, not_confirmed, not_allowed, not_open (a "
        "ScanResult); or forbidden: the account may not scan here (an Error).",
        "content": {"application/json": {"schema": {"oneOf": [_ref("ScanResult"), _ref("Error")]}}},
    },
    "400": _error("Malformed body, exit at an entry-only checkpoint, or missing CSRF token."),
    "401": _error("No or invalid credentials."),
}


def _checkpoint_param() -> dict[str, Any]:
    return {"name": "checkpoint_id", "in": "path", "required": True, "schema": _INT}


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "wadconf scan API",
            "version": "1",
            "description": "Badge scanning at conference checkpoints. Authenticate with a "
            "per-staff API token (`Authorization: Bearer wadt_...`, created by an "
            "administrator or with `wadconf users token EMAIL`) or, from the scanner page, "
            "the staff session cookie plus the page's CSRF token in `X-CSRFToken`. Roles "
            "checkin, organizer and admin only, and only at their event's checkpoints.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerToken": []}, {"staffSession": [], "csrfHeader": []}],
        "paths": {
            "/checkpoints": {
                "get": {
                    "operationId": "listCheckpoints",
                    "summary": "The active checkpoints the caller may scan at.",
                    "responses": {
                        "200": _json(_ref("CheckpointList"), "Checkpoints."),
                        "401": _error("No or invalid credentials."),
                        "403": _error("The account's role may not scan."),
                    },
                }
            },
            "/scans": {
                "post": {
                    "operationId": "scan",
                    "summary": "Decide and record one scan of a badge at a checkpoint.",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("ScanRequest")}},
                    },
                    "responses": _SCAN_RESPONSES,
                }
            },
            "/scans/{scan_id}/undo": {
                "post": {
                    "operationId": "undoScan",
                    "summary": "Annul the entry a scan recorded: once, within 10 minutes, "
                    "with a reason. The scan stays in the log.",
                    "parameters": [
                        {"name": "scan_id", "in": "path", "required": True, "schema": _INT}
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("UndoRequest")}},
                    },
                    "responses": {
                        "200": _json(_ref("UndoResult"), "The entry no longer counts."),
                        "400": _error("reason_required, or malformed."),
                        "401": _error("No or invalid credentials."),
                        "403": _error("forbidden."),
                        "404": _error("not_found."),
                        "409": _error("not_an_entry, already_annulled or undo_too_late."),
                    },
                }
            },
            "/checkpoints/{checkpoint_id}/search": {
                "get": {
                    "operationId": "searchDelegates",
                    "summary": "Find delegates without a badge by name (Chinese or English), "
                    "organisation or the last digits of their mobile.",
                    "parameters": [
                        _checkpoint_param(),
                        {"name": "q", "in": "query", "required": True, "schema": _STR},
                    ],
                    "responses": {
                        "200": _json(_ref("SearchResults"), "At most 20 matches."),
                        "401": _error("No or invalid credentials."),
                        "403": _error("forbidden."),
                        "404": _error("checkpoint_not_found."),
                    },
                }
            },
            "/checkpoints/{checkpoint_id}/checkins": {
                "post": {
                    "operationId": "checkInRegistration",
                    "summary": "Check in a delegate found by search, after confirming "
                    "identity: the same rules and answers as a scan.",
                    "parameters": [_checkpoint_param()],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("CheckinRequest")}},
                    },
                    "responses": _SCAN_RESPONSES,
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document.",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "schemas": _SCHEMAS,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer"},
                "staffSession": {"type": "apiKey", "in": "cookie", "name": "wadconf_session"},
                "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }
