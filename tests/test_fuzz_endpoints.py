"""Every route of the app, fuzzed: no request may ever get a 5xx (issue 12).

The rules are enumerated from ``app.url_map``: every method of every rule (POST, PUT, PATCH,
DELETE and GET, GET with random query strings). URL variables are filled with ids that exist in
a small world (applications in several states, comments, plates, batches, places, addresses),
with random UUIDs and with junk; bodies are random forms, multipart forms with files, JSON
documents (unicode, huge numbers, NaN, deep nesting, wrong types) and raw junk. Each rule is
sent both as a signed-in user holding every role (with an API token) and anonymously, in an app
whose CSRF check and rate limits are off so that the handlers themselves are reached.

The test fails when a route answers 5xx, and also when the signed-in pass never reached a
route's handler (a new route the fuzz cannot get through, e.g. one that needs a step the fuzz
does not know): extend the pools below rather than skipping it.

A second test sweeps: on existing records (with their current version, so that the fields are
read at all), every field the templates post is set at once to one hostile value (NUL, empty,
``nan``, ``inf``, huge numbers, 5,000 characters, bad dates, markup, ``[`` × 10,000…; for the
API also lone surrogates and wrong JSON types), for each mutating route. The random fuzz rarely
puts one value in the one field a handler stores; the sweep always does (it is what found NUL
to be a 500 on PostgreSQL).
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from placenames import create_app
from placenames.maps.layers import LAYERS
from placenames.models import Address, Place, Role, User
from placenames.models.plates import Plate, PrintBatch
from placenames.models.workflow import Application, PublicComment
from placenames.ops.accounts import department_tokens, sessions, tokens
from placenames.ops.accounts.users import ensure_user
from placenames.ops.plates import batches as plate_ops
from placenames.ops.procedure import documents
from placenames.ops.procedure import steps as steps
from placenames.web.auth import PENDING
from placenames.workflow import Action, State

TEMPLATES = Path(__file__).resolve().parents[1] / "placenames" / "templates"
MUTATING = {"POST", "PUT", "PATCH", "DELETE"}
SIGNED_IN_EXAMPLES = 16  # per rule and method; with the anonymous pass about 1,200 requests
ANONYMOUS_EXAMPLES = 5
SLOW = {  # endpoints that draw PDFs or render a batch: fewer examples
    "committee.document": 6, "notices.announcement_pdf": 6, "plates_staff.render": 4,
    "plates_staff.create_batch": 8,
}
ALL_ROLES = sorted(r.value for r in Role)

# field names: every form field the templates post, and query arguments the views read
TEMPLATE_FIELDS = sorted(set(re.findall(r'name="([a-z_0-9]+)"', "".join(
    p.read_text(encoding="utf-8") for p in TEMPLATES.rglob("*.html")))) - {"viewport", "robots"})
QUERY_FIELDS = ["q", "next", "lang", "state", "cls", "kind", "scope", "name", "class", "area",
                "near", "v", "road", "preset", "renumber", "action", "points"]
FIELDS = sorted(set(TEMPLATE_FIELDS) | set(QUERY_FIELDS) | {"candidates", "draft", "geojson",
                                                             "name1", "name2", "name1_reason"})
FILE_FIELDS = ["photos", "photo", "csv", "geojson_file"]

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")
HOSTILE = [
    "", " ", "0", "-1", "1", "2", "3", "99999999999999999999999", "-99999999999999999999",
    "1e999", "-1e999", "nan", "NaN", "inf", "-inf", "Infinity", "1.5", "0x10", "１２", "三",
    "true", "false", "null", "None", "[]", "{}", "2026-03-01", "2026-02-30", "9999-12-31",
    "0001-01-01", "2026-13-01", "26-3-1", "../../../../etc/passwd", "..\\..\\boot.ini",
    "<script>alert(1)</script>", "\"><img src=x onerror=alert(1)>", "' OR '1'='1' --",
    "'; DROP TABLE users; --", "%s%s%s%n", "{{7*7}}", "${7*7}", "\u202e\u0644\u0627", "𠀀𪚥",
    "\ufeff", "a\r\nSet-Cookie: x=1", "\t", "名" * 300, "x" * 5000, "建章路", "610112012",
    "xixian", "xixian-fengdong", "agree", "disagree", "majority", "unanimous", "two_thirds",
    "road", "new", "rename", "cancel", "area", "csv", "community", "small", "large", "A4", "A3",
    "installed", "damaged", "printed", "revoked", "replaced", "apply", "preview", "accept",
    "start", "east", "left", "right", "108.84,34.26", "1,2,3", "181,91", "nan,nan",
    '{"type": "LineString", "coordinates": [[108.84, 34.262], [108.846, 34.275]]}',
    '{"type": "Point", "coordinates": [1e308, 1e308]}', '{"type": "Polygon", "coordinates": []}',
    '{"type": "LineString", "coordinates": [["a", "b"]]}', "[[[[[[[[[[", '{"type": 1}',
    "108.84 34.262\n108.85 34.27", "POINT(1 2)", "\u0000", "a\u0000b",
]
JUNK_SEGMENTS = ["x", "0", "-1", "名", "..", "%2e%2e", "a b", "<b>", "9" * 300,
                 "00000000-0000-0000-0000-000000000000", "not-a-uuid", "A" * 40, "\u202e"]


@dataclass
class World:
    """Ids that exist, by URL variable, and the signed-in user's credentials."""

    pools: dict[str, list[str]] = field(default_factory=dict)
    parts: dict[bool, tuple[Any, Any, Any]] = field(default_factory=dict)  # see _parts
    user_id: str = ""
    token: str = ""
    dept_token: str = ""  # a department token holding every scope (the exchange API)

    def bearer(self, path: str) -> str:
        """The token an API path takes: personal for the procedure, department for the rest."""
        personal = path.startswith("/api/v1/applications") or not path.startswith("/api/")
        return f"Bearer {self.token if personal else self.dept_token}"

    def values_for(self, name: str, converter: str) -> list[str]:
        """Plausible values of the URL variable ``name`` (existing ids first)."""
        if name in self.pools:
            return self.pools[name]
        if converter == "UUIDConverter":
            return self.pools["_uuids"]
        return self.pools["_strings"]


@pytest.fixture
def fuzz_app(db_url, tmp_path):
    app = create_app({
        "DATABASE_URL": db_url, "SECRET_KEY": "fuzz", "TESTING": True,
        "INSTANCE_PATH": str(tmp_path / "instance"), "PUBLIC_BASE_URL": "https://dm.example.gov.cn",
        "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
        "CLOCK": lambda: b.NOW,
    })
    app.extensions["placenames.limiter"].enabled = False
    yield app
    for thread in threading.enumerate():  # a fuzzed render request may still be drawing
        if thread.name.startswith("render-"):
            thread.join(timeout=60)
    app.extensions["placenames.engine"].dispose()


def build_world(app) -> World:
    """The demo registry with applications in several states, a public comment, a batch."""
    s = app.extensions["placenames.sessionmaker"]()
    users = b.world(s)
    cfg = b.settings()
    apps_by_state = {}
    for name, until in (("丰邑路", None), ("沣惠路", State.SUBMITTED), ("镐京路", State.SURVEYED),
                        ("昆明池路", State.IN_COMMENT), ("斗门路", State.IN_FORCE)):
        a = b.draft(s, users, name=name)
        if until is not None:
            b.advance(s, a, users, cfg, until)
        apps_by_state[until] = a
    noticed = apps_by_state[State.IN_COMMENT]
    comment = steps.add_comment(s, noticed, body="建议保留", author="张三", phone="13812345678",
                                now=b.NOW)
    other = ensure_user(s, "other", "别人", "demo1234", ["applicant"], "别的单位")
    b.draft(s, {**users, "applicant": other}, name="灵沼路")
    batch = plate_ops.create_batch(s, plate_ops.make_selection("road", "建章路"), actor_id=None,
                                   now=b.NOW)
    # every role at once, which the accounts' rules refuse (the three administrators' roles are
    # held alone), so stored directly: the fuzz must reach every route
    superuser = User(username="fuzzer", display_name="模糊测试", roles=",".join(ALL_ROLES),
                     password_hash=None, organization="地名办")
    s.add(superuser)
    s.flush()
    w = World(user_id=str(superuser.id), token=tokens.issue(s, "fuzzer"),
              dept_token=department_tokens.issue(s, holder="模糊测试部门",
                                                 scopes=",".join(department_tokens.SCOPES),
                                                 expires="30d").secret)
    app_ids = [str(a.id) for a in s.scalars(select(Application))]
    plate_ids = list(s.scalars(select(Plate.plate_id)))
    place_ids = [str(i) for i in s.scalars(select(Place.id).limit(20))]
    codes = list(s.scalars(select(Address.code).limit(20)))
    batch_ids = [str(i) for i in s.scalars(select(PrintBatch.id))]
    comment_ids = [str(i) for i in s.scalars(select(PublicComment.id))]
    s.commit()
    s.close()
    assert comment.id and batch.id
    rand = [str(uuid.UUID(int=n * 7919 + 1)) for n in range(3)]
    w.pools = {
        "app_id": app_ids + rand, "comment_id": comment_ids + rand,
        "plate_id": plate_ids + [p.lower() for p in plate_ids[:3]] + JUNK_SEGMENTS,
        "batch_id": batch_ids + rand + JUNK_SEGMENTS,
        "place_id": place_ids + rand + JUNK_SEGMENTS, "code": codes + JUNK_SEGMENTS,
        "action": [a.value for a in Action] + ["dispose", "edit", "nope", ""],
        "kind": list(documents.TITLES) + JUNK_SEGMENTS,
        "name": ["x.jpg", "../secret_key", "a.png"] + JUNK_SEGMENTS,
        "layer": ["all", *LAYERS] + JUNK_SEGMENTS,
        "z": ["0", "5", "14", "22", "23", "-1", "x", "9" * 30],
        "x": ["0", "1", "13000", "-1", "x", "9" * 30], "y": ["0", "1", "6500", "-1", "x"],
        "filename": ["js/map.js", "../placenames/app.py", "..%2f..%2fpyproject.toml", "nope",
                     "%00", "css/"],
        "_uuids": app_ids + comment_ids + batch_ids + place_ids + rand,
    }
    w.pools["_strings"] = sorted({v for k, vals in w.pools.items() if k != "_strings"
                                  for v in vals})
    return w


# --- strategies --------------------------------------------------------------------------------

def scalar_text(world: World) -> st.SearchStrategy[str]:
    existing = sorted({v for vals in world.pools.values() for v in vals})
    return st.one_of(
        st.sampled_from(HOSTILE), st.sampled_from(existing), st.text(max_size=40),
        st.integers(min_value=-(2**70), max_value=2**70).map(str),
        st.floats().map(str), st.uuids().map(str),
    )


def field_names() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(FIELDS), st.sampled_from(FIELDS),
                     st.text(min_size=1, max_size=12))


def json_values(world: World) -> st.SearchStrategy[Any]:
    leaves = st.one_of(st.none(), st.booleans(), st.integers(min_value=-(2**80), max_value=2**80),
                       st.floats(), scalar_text(world))
    return st.recursive(leaves, lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(field_names(), children, max_size=6)), max_leaves=16)


def files(world: World) -> st.SearchStrategy[tuple[str, str, bytes, str]]:
    content = st.one_of(st.binary(max_size=300), st.sampled_from([
        PNG, b"\xff\xd8\xff\xe0junk", b"", b"[" * 5000, b"code\n610112012001001\n",
        b'{"type": "LineString", "coordinates": [[108.84, 34.262], [108.846, 34.275]]}',
        "名,号\n".encode("gbk"), b"\xef\xbb\xbfcode\r\n1\r\n"]))
    return st.tuples(
        st.sampled_from(FILE_FIELDS), st.one_of(st.sampled_from(
            ["a.png", "a.jpg", "x.csv", "s.geojson", "../../evil.png", "名.webp", "", "a" * 300]),
            st.text(max_size=20)),
        content, st.sampled_from(["image/png", "image/jpeg", "text/csv", "application/json",
                                  "application/octet-stream", "text/html", ""]))


@dataclass
class Req:
    path: str
    query: dict[str, str]
    body: str  # form, multipart, json, raw, none
    form: dict[str, Any]
    raw: bytes | str | None
    accept: str | None


def requests_for(rule, method: str, world: World) -> st.SearchStrategy[Req]:
    """Requests for ``rule`` with ``method``: URL variables, a query string, a body."""
    def path_strategy() -> st.SearchStrategy[str]:
        parts = {name: st.one_of(st.sampled_from(world.values_for(  # existing ids 3 times in 5
            name, type(rule._converters[name]).__name__) * 3 + JUNK_SEGMENTS * 2),
            st.text(min_size=1, max_size=10)) for name in sorted(rule.arguments)}
        return st.fixed_dictionaries(parts).map(lambda values: build_path(rule, values))

    query, bodies, accept = _parts(world, method in MUTATING)
    return st.builds(lambda p, q, body, a: Req(p, q, body[0], body[1], body[2], a),
                     path_strategy(), query, bodies, accept)


def _parts(world: World, mutating: bool) -> tuple[Any, Any, Any]:
    """The query, body and Accept strategies of a request, built once per world and kept on it
    (built per rule, their validation took a sixth of the fuzz)."""
    if mutating in world.parts:
        return world.parts[mutating]
    text = scalar_text(world)
    query = st.dictionaries(field_names(), text, max_size=5)
    value = st.one_of(text, st.lists(text, max_size=3))
    form = st.one_of(  # a few fields of any name, or many of the fields the pages post
        st.dictionaries(field_names(), value, max_size=10),
        st.fixed_dictionaries({}, optional={f: value for f in FIELDS}),
    ).flatmap(lambda f: st.one_of(st.just(f), st.integers(1, 12).map(
        lambda v: {**f, "version": str(v)})))  # a version the stale-write check may accept
    raw = st.one_of(st.sampled_from(["{", "[[[[", "null", '"x"', "1e999", '{"a": NaN}',
                                     '{"version": 1, "version": "x"}', "\x00", "{}", "[]"]),
                    st.binary(max_size=200))
    bodies = st.just(("none", {}, None))
    if mutating:
        bodies = st.one_of(
            st.tuples(st.just("form"), form, st.none()),
            st.tuples(st.just("multipart"), form.flatmap(lambda f: st.lists(
                files(world), max_size=3).map(lambda fs: add_files(f, fs))), st.none()),
            st.tuples(st.just("json"), st.just({}), st.one_of(
                st.dictionaries(field_names(), json_values(world), max_size=10),
                json_values(world)).map(lambda v: json.dumps(v))),
            st.tuples(st.just("raw"), st.just({}), raw),
            st.just(("none", {}, None)),
        )
    accept = st.sampled_from([None, "application/json", "text/html", "*/*"])
    world.parts[mutating] = (query, bodies, accept)
    return world.parts[mutating]


def add_files(form: dict[str, Any], fs: list[tuple[str, str, bytes, str]]) -> dict[str, Any]:
    import io

    out = dict(form)
    for name, filename, content, ctype in fs:
        out.setdefault(name, [])
        if not isinstance(out[name], list):
            out[name] = [out[name]]
        out[name].append((io.BytesIO(content), filename, ctype or None))
    return out


def build_path(rule, values: dict[str, str]) -> str:
    from urllib.parse import quote

    path = rule.rule
    for name, value in values.items():
        path = re.sub(r"<(?:[a-z]+:)?" + name + r">", quote(value, safe=""), path)
    return path


# --- the fuzz ----------------------------------------------------------------------------------

class Errors(logging.Handler):
    """The last unexpected error the app logged (its traceback goes in the failure message)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last = ""

    def emit(self, record: logging.LogRecord) -> None:
        self.last = self.format(record)


def sign_in_as(client, world: World) -> None:
    """A new server-side session of the fuzzing user on ``client`` (a fuzzed sign-out or
    password change may have ended the last one)."""
    s = client.application.extensions["placenames.sessionmaker"]()
    try:
        token = sessions.open_session(s, s.get(User, uuid.UUID(world.user_id)))
        s.commit()
    finally:
        s.close()
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = token, True
        # and half-way through a sign-in, so the second-factor step is reached too
        sess[PENDING] = {"uid": world.user_id, "at": int(time.time()), "step": "totp"}


def send(client, req: Req, method: str, world: World, signed_in: bool):
    headers = {}
    if signed_in:
        headers["Authorization"] = world.bearer(req.path)
    if req.accept:
        headers["Accept"] = req.accept
    kw: dict[str, Any] = {"method": method, "query_string": req.query, "headers": headers}
    if req.body in ("form", "multipart"):
        kw["data"] = req.form
        if req.body == "multipart":
            kw["content_type"] = "multipart/form-data"
    elif req.body == "json":
        kw["data"], kw["content_type"] = req.raw, "application/json"
    elif req.body == "raw":
        kw["data"] = req.raw
        kw["content_type"] = "application/x-www-form-urlencoded" if isinstance(req.raw, bytes) \
            else "application/json"
    return signed_in_open(client, world, req.path, **kw) if signed_in else \
        client.open(req.path, **kw)


def signed_in_open(client, world: World, path: str, **kw: Any):
    """``client.open(path, **kw)``'s answer as the signed-in fuzzing user (``client`` signed in
    by :func:`sign_in_as` first): sent again after a new sign-in when the session it went with
    had ended (a sign-in page or a 401; a fuzzed sign-out, a password change…)."""
    r = client.open(path, **_fresh_files(kw))
    if r.status_code == 401 or "/login" in r.headers.get("Location", ""):
        r.close()
        sign_in_as(client, world)
        r = client.open(path, **_fresh_files(kw))
    return r


def _fresh_files(kw: dict[str, Any]) -> dict[str, Any]:
    """``kw`` with copies of the files of its form (the test client closes those it sends)."""
    import io

    data = kw.get("data")
    if not isinstance(data, dict):
        return kw

    def copy(item: Any) -> Any:
        return (io.BytesIO(item[0].getvalue()), *item[1:]) \
            if isinstance(item, tuple) and isinstance(item[0], io.BytesIO) else item

    return kw | {"data": {k: [copy(i) for i in v] if isinstance(v, list) else copy(v)
                          for k, v in data.items()}}


def rules_to_fuzz(app) -> list[tuple[Any, str]]:
    out = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule, method))
    return out


statuses: dict[int, int] = {}


def fuzz_rule(app, world: World, rule, method: str, signed_in: bool, n: int,
              current: dict[str, Any], errors: Errors, reached: set[tuple[str, str]],
              counts: dict[str, int]) -> None:
    """Send ``n`` random requests to ``rule``; every answer must be below 500."""
    client = app.test_client()
    if signed_in:
        sign_in_as(client, world)

    @settings(max_examples=n, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(req=requests_for(rule, method, world))
    def run(req: Req) -> None:
        current.clear()
        errors.last = ""
        r = send(client, req, method, world, signed_in)
        r.close()  # a static file's handle
        counts["requests"] += 1
        statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
        assert r.status_code < 500, (
            f"{method} {req.path} ({rule.endpoint}) signed_in={signed_in} → {r.status_code}\n"
            f"query={req.query!r}\nbody={req.body} form={req.form!r} raw={req.raw!r:.500}\n"
            f"{errors.last}")
        location = r.headers.get("Location", "")
        if signed_in and current.get("called") == rule.endpoint and \
                r.status_code not in (401, 403, 405) and "/login" not in location:
            reached.add((rule.endpoint, method))

    # one plain request on existing records first, so that every handler is reached in any
    # profile (two random UUID variables both naming records are rarer than one might think)
    first = {name: world.values_for(name, type(rule._converters[name]).__name__)[0]
             for name in rule.arguments}
    example(req=Req(build_path(rule, first), {}, "none", {}, None, None))(run)()


def test_no_route_answers_5xx_to_hostile_input(fuzz_app):
    app = fuzz_app
    world = build_world(app)
    pairs = rules_to_fuzz(app)
    endpoints = {r.endpoint for r, _m in pairs}
    # the enumeration found the app: every blueprint, the mutating routes among them
    assert len(pairs) >= 45 and sum(m in MUTATING for _r, m in pairs) >= 18, pairs
    assert {"committee.act", "api_applications.submit", "notices.comment", "scan.report",
            "plates_staff.plate_status", "records_staff.correct", "auth.login"} <= endpoints

    reached: set[tuple[str, str]] = set()
    current: dict[str, Any] = {}
    for endpoint, view in list(app.view_functions.items()):
        def recorder(*args, _view=view, _endpoint=endpoint, **kwargs):
            current["called"] = _endpoint
            return _view(*args, **kwargs)
        app.view_functions[endpoint] = recorder

    errors = Errors()
    logging.getLogger("placenames").addHandler(errors)
    counts = {"requests": 0}
    failures: list[str] = []
    try:
        for rule, method in pairs:
            for signed_in, n in ((True, SIGNED_IN_EXAMPLES), (False, ANONYMOUS_EXAMPLES)):
                try:
                    fuzz_rule(app, world, rule, method, signed_in,
                              min(n, SLOW.get(rule.endpoint, n)), current, errors, reached,
                              counts)
                except AssertionError as exc:  # go on: one run lists every failing route
                    failures.append(str(exc))
    finally:
        logging.getLogger("placenames").removeHandler(errors)
    assert not failures, "\n\n".join(failures)

    missed = sorted({(r.endpoint, m) for r, m in pairs} - reached)
    assert not missed, f"the fuzz never reached these handlers: {missed}"
    print(f"fuzz: {len(pairs)} rules×methods, {len(endpoints)} endpoints, "
          f"{counts['requests']} requests; statuses {sorted(statuses.items())}")

    # nothing was corrupted: every application, plate and the health check still answer
    client = app.test_client()
    sign_in_as(client, world)
    assert client.get("/healthz").status_code == 200
    for app_id in world.pools["app_id"][:-3]:
        assert client.get(f"/committee/applications/{app_id}").status_code == 200, app_id
    for plate_id in world.pools["plate_id"][:5]:
        assert client.get(f"/p/{plate_id}").status_code in (200, 301), plate_id
    for code in world.pools["code"][:5]:
        assert client.get(f"/addresses/{code}").status_code == 200, code


# --- every field at once, one hostile value at a time ---------------------------------------

SWEEP = ["a\x00b", "", "   ", "nan", "inf", "-1e999", "99999999999999999999999", "-1", "0",
         "x" * 5000, "名" * 2001, "2026-02-30", "<script>alert(1)</script>", "\u202e𠀀",
         "[" * 10000, "../../etc/passwd", "' OR 1=1 --", "1,2", "true"]
JSON_SWEEP = [*SWEEP, "\ud800", 1e308, -(2**70), 2**64, True, None, [], {}, [[[]]],
              {"type": "LineString", "coordinates": [[1e308, -1e308]]}]
VERSIONED = {"app_id": Application, "place_id": Place, "plate_id": Plate}
COMBOS_PER_RULE = 6


def sweep_paths(app, rule, world: World) -> list[str]:
    """Up to :data:`COMBOS_PER_RULE` paths of ``rule`` made of existing ids only."""
    import itertools
    import random

    names = sorted(rule.arguments)
    choices = [[v for v in world.values_for(n, type(rule._converters[n]).__name__)
                if v not in JUNK_SEGMENTS][:8] for n in names]
    combos = list(itertools.product(*choices))
    random.Random(rule.rule).shuffle(combos)
    return [build_path(rule, dict(zip(names, c, strict=True)))
            for c in combos[:COMBOS_PER_RULE]]


@functools.cache
def _every_field(poison: str) -> bytes:
    return urlencode({f: poison for f in FIELDS}).encode()


def form_body(poison: str, version: str) -> bytes:
    """Every field set to ``poison``, and ``version``, as a form posts them. Encoded once a
    value: percent-encoding 10,000 brackets in each of ~200 fields, request after request, took
    half of this test's time in the test itself."""
    return _every_field(poison) + b"&" + urlencode({"version": version}).encode()


def current_version(app, path: str) -> str:
    """The stored version of the record a path names (the stale-write check would refuse any
    other), or "1"."""
    s = app.extensions["placenames.sessionmaker"]()
    try:
        for segment in path.split("/"):
            for model in VERSIONED.values():
                column = model.plate_id if model is Plate else model.id
                try:
                    key = uuid.UUID(segment) if model is not Plate else segment
                except ValueError:
                    continue
                version = s.scalar(select(model.version).where(column == key))
                if version is not None:
                    return str(version)
        return "1"
    finally:
        s.close()


def test_every_field_at_once_with_each_hostile_value(fuzz_app):
    """Each mutating route, on existing records, with every known field set to one hostile
    value (and the record's current version, so that the fields are read at all)."""
    app = fuzz_app
    world = build_world(app)
    client = app.test_client()
    sign_in_as(client, world)
    errors = Errors()
    logging.getLogger("placenames").addHandler(errors)
    failures, sent = [], 0
    try:
        for rule, method in rules_to_fuzz(app):
            if method not in MUTATING or rule.endpoint == "auth.logout":
                continue
            for path in sweep_paths(app, rule, world):
                api = rule.rule.startswith("/api/")
                version = current_version(app, path)
                for poison in JSON_SWEEP if api else SWEEP:
                    headers = {"Authorization": world.bearer(path)}
                    errors.last = ""
                    if api:
                        body = {f: poison for f in FIELDS} | {"version": int(version)}
                        r = signed_in_open(client, world, path, method=method, headers=headers,
                                           data=json.dumps(body),
                                           content_type="application/json")
                    else:  # the same form as a dict gives, encoded once a value
                        r = signed_in_open(client, world, path, method=method, headers=headers,
                                           data=form_body(poison, version),
                                           content_type="application/x-www-form-urlencoded")
                    r.close()
                    sent += 1
                    if r.status_code < 400:  # it went through: the record has a new version
                        version = current_version(app, path)
                    if r.status_code >= 500:
                        failures.append(f"{method} {path} with {poison!r:.40} → "
                                        f"{r.status_code}\n{errors.last}")
    finally:
        logging.getLogger("placenames").removeHandler(errors)
    assert not failures, "\n\n".join(failures[:10])
    assert sent > 300
    print(f"sweep: {sent} requests")
