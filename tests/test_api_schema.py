"""schemathesis over every operation of ``/api/v1/openapi.json``, against the WSGI app on the
demo register (with its applications at every stage of the procedure).

Each operation is called with schema-valid arguments and bodies (positive generation), a
department token holding every scope (the naming procedure's operations: a clerk's personal
token), and every answer is checked: no 5xx, its status is one the document lists for the
operation, its content type and headers are documented, and its body matches the schema.
A few examples per operation keep it under a minute and a half per backend on a busy 2-core
machine; in CI (``CI`` set) the examples are the same on every run.

Nothing is excluded: the procedure's write operations run too (a submitted application is
created and screened, an action on an unknown application is a documented 404).
"""

from __future__ import annotations

import os
import tempfile
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from search_builders import module_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from placenames import create_app
from placenames.models import Address, Jurisdiction, Place, Plate
from placenames.models.workflow import Application
from placenames.ops.accounts import department_tokens, tokens
from placenames.ops.demo import loader as demo
from placenames.ops.procedure.applications import Settings

pytestmark = pytest.mark.db

EXAMPLES = 20
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance]
CONFIG = {"generation": {"mode": "positive", "database": "none"}}


@pytest.fixture(scope="module")
def api_app(_template: str, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[tuple[Flask, dict[str, str]]]:
    """The app on the demo register and its applications; the Authorization headers."""
    tmp = tmp_path_factory.mktemp("api_schema")
    with module_app(_template, tmp, RATELIMIT_ENABLED=False) as app:
        app.extensions["placenames.limiter"].enabled = False
        session = app.extensions["placenames.sessionmaker"]()
        demo.load(session, now=datetime.now(UTC), procedure=Settings(upload_dir=tmp / "up"))
        issued = department_tokens.issue(session, holder="公安分局（测试）",
                                         scopes=",".join(department_tokens.SCOPES),
                                         expires="30d", actor_id=None, note="schemathesis")
        personal = tokens.issue(session, "clerk")
        session.commit()
        known = _known(session)
        session.close()
        yield app, {"department": issued.secret, "personal": personal, **known}


def _known(session: Session) -> dict[str, Any]:
    """Real keys and arguments of the demo register, so that some requests find a record."""
    first = {model: session.scalars(select(column).order_by(column).limit(1)).one()
             for model, column in (("name", Place.id), ("address", Address.code),
                                   ("plate", Plate.plate_id), ("jurisdiction",
                                                               Jurisdiction.code))}
    announced = session.scalars(select(Application.id).where(
        Application.announced_on.is_not(None)).limit(1)).one()
    submitted = session.scalars(select(Application.id).where(
        Application.state == "submitted").limit(1)).one()
    return {
        "path": {"name_id": str(first["name"]), "code": first["address"],
                 "plate_id": first["plate"], "app_id": str(announced)},
        "jurisdiction": first["jurisdiction"], "submitted": str(submitted),
    }


def _good(method: str, path: str, known: dict[str, Any]) -> dict[str, Any] | None:
    """Fixed parts of a request that finds something (the rest is generated)."""
    params = dict(known["path"])
    if path == "/api/v1/jurisdictions/{code}":
        params["code"] = known["jurisdiction"]
    if path.startswith("/api/v1/applications/{app_id}/actions"):
        return {"path_parameters": {"app_id": known["submitted"], "action": "accept"}}
    fixed: dict[str, Any] = {
        "/api/v1/search": {"query": {"q": "世纪大道"}},
        "/api/v1/autocomplete": {"query": {"q": "shiji"}},
        "/api/v1/geocode": {"query": {"q": "世纪大道7号"}},
        "/api/v1/reverse": {"query": {"lon": 108.815, "lat": 34.2822}},
        "/api/v1/names/check": {"query": {"name": "丰邑路", "class": "road"}},
        "/api/v1/applications": {"body": {
            "class": "road", "candidates": [{"name": "丰邑路", "reason": "取丰京之意"}],
            "jurisdiction": "610112012", "reason": "新建道路", "location_desc": "建章路以东"}}
        if method == "POST" else None,
    }.get(path)
    if fixed is not None:
        return fixed
    if "{" in path:
        return {"path_parameters": {k: v for k, v in params.items() if f"{{{k}}}" in path}}
    return None


def _operations() -> list[tuple[str, str]]:
    """(method, path) of every operation of the document, read from an app built for it
    alone (the document needs no database), so each operation is a test of its own."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/none.db", "SECRET_KEY": "x",
                          "TESTING": True, "INSTANCE_PATH": tmp})
        doc = app.test_client().get("/api/v1/openapi.json").get_json()
        app.extensions["placenames.engine"].dispose()
    return sorted((m.upper(), p) for p, ops in doc["paths"].items() for m in ops
                  if m != "parameters")


@pytest.fixture(scope="module")
def api_schema(api_app: tuple[Flask, dict[str, str]]) -> Any:
    app, _secrets = api_app
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app,
                                          config=schemathesis.Config.from_dict(CONFIG))


@pytest.mark.parametrize("method, path", _operations())
def test_every_operation_answers_as_documented(api_schema: Any, api_app: Any, method: str,
                                               path: str) -> None:
    _app, secrets = api_app
    kind = "personal" if path.startswith("/api/v1/applications") else "department"
    headers = {"Authorization": f"Bearer {secrets[kind]}"}
    operation = api_schema[path][method]

    cases = operation.as_strategy(GenerationMode.POSITIVE)
    good = _good(method, path, secrets)
    if good is not None:  # half the requests find a record, half are anything valid
        cases = st.one_of(cases, operation.as_strategy(GenerationMode.POSITIVE, **good))

    @settings(max_examples=EXAMPLES, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=cases)
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        seen[response.status_code] += 1
        if os.environ.get("API_SCHEMA_DEBUG"):
            print(method, path, response.status_code, case.query, case.path_parameters,
                  response.text[:200])

    seen: Counter[int] = Counter()
    run()
    assert seen, "no request was made"


def test_the_document_lists_every_api_route(api_app: Any) -> None:
    """Every ``/api/v1`` route but the document itself and its page is an operation of the
    document (a blueprint registered without flask-smorest would be missing)."""
    app, _secrets = api_app
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(p, m.upper()) for p, ops in doc["paths"].items() for m in ops
                  if m != "parameters"}
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in ("/api/v1/openapi.json",
                                                                "/api/v1/docs"):
            continue
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", f"{{{name}}}")
            for converter in ("uuid", "int", "string", "path"):
                path = path.replace(f"<{converter}:{name}>", f"{{{name}}}")
        routes |= {(path, m) for m in rule.methods - {"HEAD", "OPTIONS"}}
    assert routes == documented
    assert len(documented) >= 20
