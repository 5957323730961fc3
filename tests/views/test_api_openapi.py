"""The OpenAPI document stays true: valid, every route in it and nothing else, real answers fit."""

from __future__ import annotations

import re

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.services.test_checkin import add_checkpoint
from tests.views.test_api import bearer, token_for
from wadconf.models import RegistrationStatus


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def test_document_is_public_and_valid_openapi_3(document):
    assert document["openapi"].startswith("3.")
    validate(document)


def _routed(app) -> set[tuple[str, str]]:
    operations = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule).removeprefix("/api/v1")
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                operations.add((path, method.lower()))
    return operations


def _documented(document) -> set[tuple[str, str]]:
    return {(path, method) for path, item in document["paths"].items() for method in item}


def test_every_api_route_is_documented(app, document):
    assert _routed(app) - _documented(document) == set()


def test_every_documented_operation_is_routed(app, document):
    assert _documented(document) - _routed(app) == set()


def _check(document, path, method, response):
    """``response`` fits the schema documented for its status at ``path``/``method``."""
    documented = document["paths"][path][method]["responses"]
    assert str(response.status_code) in documented, (path, method, response.status_code)
    schema = documented[str(response.status_code)]["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": document["components"]})
    validator.validate(response.get_json())


def test_real_answers_fit_the_documented_schemas(
    app, client, document, make_event, make_registration, make_user
):
    event = make_event()
    registration = make_registration(event, name_zh="张三")
    cancelled = make_registration(event, status=RegistrationStatus.CANCELLED)
    checkpoint = add_checkpoint(app, event)
    headers = bearer(token_for(app, make_user("checkin")))

    def scan(code):
        return client.post(
            "/api/v1/scans", headers=headers, json={"checkpoint": checkpoint, "code": code}
        )

    first = {}

    def undo():
        url = f"/api/v1/scans/{first['scan_id']}/undo"
        return client.post(url, headers=headers, json={"reason": "test"})

    def first_scan(code):
        response = scan(code)
        first["scan_id"] = response.get_json()["scan_id"]
        return response

    search_url = f"/api/v1/checkpoints/{checkpoint}/search?q=张"
    checkins_url = f"/api/v1/checkpoints/{checkpoint}/checkins"
    calls = [
        ("/checkpoints", "get", client.get("/api/v1/checkpoints", headers=headers)),
        ("/scans", "post", first_scan(registration.badge_code)),
        ("/scans", "post", scan(registration.badge_code)),
        ("/scans", "post", scan("WAD1-FORGED")),
        ("/scans", "post", scan(cancelled.badge_code)),
        ("/scans", "post", client.post("/api/v1/scans", headers=headers, json={"code": 1})),
        ("/scans", "post", client.post("/api/v1/scans", json={"checkpoint": 1, "code": "x"})),
        ("/scans/{scan_id}/undo", "post", undo()),
        ("/scans/{scan_id}/undo", "post", undo()),
        ("/checkpoints/{checkpoint_id}/search", "get", client.get(search_url, headers=headers)),
        (
            "/checkpoints/{checkpoint_id}/checkins",
            "post",
            client.post(checkins_url, headers=headers, json={"registration": registration.id}),
        ),
    ]
    statuses = [response.status_code for _p, _m, response in calls]
    assert statuses == [200, 201, 409, 404, 403, 400, 401, 200, 409, 200, 201]
    for path, method, response in calls:
        _check(document, path, method, response)


def test_verdicts_in_the_document_are_the_models(document):
    from wadconf.models import Verdict

    enum = document["components"]["schemas"]["ScanResult"]["properties"]["result"]["enum"]
    assert enum == [v.value for v in Verdict]
