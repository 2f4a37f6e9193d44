"""2,000 XSS payloads from a public list, stored in the fields pages show, rendered in chromium.

The payloads are the first 2,000 of ``tests/data/xss_payloads.json`` (brs-kb 4.0.2, MIT; see
``tests/data/README.md``). They go through the real operations and forms into every field a
page renders that a user controls:

- public comments (text; the commenter's name, shown masked) and their dispositions, on the
  public notice page and the staff application page: all 2,000, one a comment;
- the text fields of applications (reasons, location, extent, start and end, organization, each
  candidate's reasons), filled with payloads end to end up to each field's limit: every payload
  lands in at least one field of one application page;
- the expert pool (name, affiliation; all 2,000), plate reports from the public (notes holding
  the payloads end to end; the staff list shows 200 at a time, so in rounds), users' display
  names (header and timelines);
- the new-application form sent back with its error (every field typed is shown again):
  all 2,000 in every field, in rounds;
- query strings echoed by pages (the public search, the staff list's search, the numbering
  page's road): every 40th payload (50 a page; each is a page load, the costly part).

The pages are loaded as iframes of one host page, many at once, in two passes served at the same
time from the same app:

1. as served, with the Content-Security-Policy, less its ``frame-ancestors`` and
   ``X-Frame-Options`` (so that the pages may be framed by the host page): no payload may run;
   console reports of CSP violations are counted apart and must be none (an escaped payload
   never reaches the CSP);
2. with the CSP removed, so that escaping alone stands between a payload and its running: none
   may run, and every payload must be in its page as text (``textContent``, or the value of the
   form field it was typed into, whitespace collapsed) — so the test fails if escaping is
   removed even though the CSP would still stop the scripts.

The map libraries (``static/vendor``: MapLibre, Terra Draw) are not loaded: drawing WebGL in
software costs seconds a page and they show no user text; the project's own scripts run.

"Running" is any call of ``alert``, ``confirm``, ``prompt`` or ``print`` (replaced by an init
script in every frame by recorders), any dialog chromium opens, or any request the pages make to
a host other than this server (chromium is given a dead proxy, so no such request leaves the
machine). A payload holding NUL is not stored (it is refused with 400, see
``test_hostile_regressions``); the count is checked below.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b
import pytest
from sqlalchemy import select

from placenames.models import User
from placenames.models.plates import Plate
from placenames.ops.accounts.users import ensure_user
from placenames.ops.plates import scan as plate_scan
from placenames.ops.procedure import applications as apps
from placenames.ops.procedure import experts as expert_ops
from placenames.ops.procedure import steps
from placenames.workflow import State

pytestmark = bb.NEEDS_CHROMIUM
PAYLOAD_FILE = Path(__file__).resolve().parent / "data" / "xss_payloads.json"
COUNT = 2000
FRAMES_PER_HOST = 40
URL_SAMPLE_STEP = 40
NAMES = ["丰邑路", "沣惠路", "镐京路", "昆明池路", "斗门路"]
APPLICATION_FIELDS = {"reason": 4000, "location_desc": 2000, "extent_desc": 2000,
                      "start_desc": 200, "end_desc": 200, "applicant_org": 120}
ECHO_FIELDS = ["old_name", "name1", "name2", "name3", "name1_reason", "name2_reason",
               "name3_reason", "reason", "applicant_org", "location_desc", "extent_desc",
               "start_desc", "end_desc"]
ECHO_ROUNDS = 6
HOOKS = """
(() => {
  const calls = [];
  Object.defineProperty(window, '__xss', {value: calls});
  let top = null;  // a frame made by a payload records in the host page too
  try { top = window.top.__xss; } catch (e) { /* another origin */ }
  for (const name of ['alert', 'confirm', 'prompt', 'print']) {
    const hook = function (...args) {
      const call = name + '(' + String(args[0]).slice(0, 80) + ')';
      calls.push(call);
      if (top && top !== calls) top.push(location.href.slice(0, 60) + ' ' + call);
    };
    Object.defineProperty(window, name, {value: hook, writable: false, configurable: false});
  }
})();
"""
COLLECT = """() => Array.from(document.querySelectorAll('iframe')).map(f => {
  try {
    const w = f.contentWindow, d = f.contentDocument;
    return {calls: w.__xss ? Array.from(w.__xss) : ['(no hook: the init script did not run)'],
            text: d.documentElement.textContent + '\\n' + Array.from(
              d.querySelectorAll('input, textarea')).map(e => e.value).join('\\n')};
  } catch (e) {
    return {calls: ['(the frame left the site: ' + e + ')'], text: ''};
  }
}).concat([{calls: Array.from(window.__xss), text: null}])"""
HOST_SCRIPT = """<script>
window.__loaded = new Set();
function frameLoaded(f) {
  try { if (f.contentWindow.location.href === 'about:blank') return; } catch (e) { /* left */ }
  window.__loaded.add(f.name);
}
</script>"""


def payloads() -> list[str]:
    return json.loads(PAYLOAD_FILE.read_text(encoding="utf-8"))[:COUNT]


def norm(text: str) -> str:
    """Without whitespace: browsers normalise line breaks and drop them from input values."""
    return "".join(text.split())


@dataclass
class Page:
    """A page to render: a GET (``url``) or a form POST (``fields``), and the text it must show."""

    url: str
    expect: list[str]
    fields: dict[str, str] | None = None
    label: str = ""


@dataclass
class Findings:
    ran: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    csp_reports: int = 0
    missing: list[str] = field(default_factory=list)
    frames: int = 0


# --- the two servers ---------------------------------------------------------------------------

class Headers:
    """WSGI middleware: drop framing headers (pass 1) or the whole CSP too (pass 2)."""

    def __init__(self, app, strip_csp: bool) -> None:
        self.app, self.strip_csp = app, strip_csp

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            kept = []
            for name, value in headers:
                lower = name.lower()
                if lower == "x-frame-options":
                    continue
                if lower == "content-security-policy":
                    if self.strip_csp:
                        continue
                    value = "; ".join(d for d in value.split(";")
                                      if not d.strip().startswith("frame-ancestors"))
                kept.append((name, value))
            return start_response(status, kept, exc_info)

        return self.app(environ, start)


def host_page(pages: list[Page]) -> str:
    """One page framing ``pages``: GETs as iframes, POSTs as forms aimed at named iframes."""
    parts = ["<!doctype html><meta charset='utf-8'>", HOST_SCRIPT, "<body>"]
    for i, page in enumerate(pages):
        frame = f"<iframe name='f{i}' onload='frameLoaded(this)'"
        if page.fields is None:
            parts.append(f"{frame} src='{html.escape(page.url)}'></iframe>")
        else:
            inputs = "".join(f"<input type='hidden' name='{html.escape(k)}' "
                             f"value='{html.escape(v)}'>" for k, v in page.fields.items())
            parts.append(f"{frame}></iframe><form method='post' target='f{i}' "
                         f"action='{html.escape(page.url)}'>{inputs}</form>")
    parts.append("<script>for (const f of document.forms) f.submit();</script>")
    return "".join(parts)


class Renderer:
    """One chromium page on one server, loading host pages of many frames."""

    def __init__(self, context, base: str, findings: Findings, check_text: bool) -> None:
        self.base, self.findings, self.check_text = base, findings, check_text
        self.bodies: dict[str, str] = {}
        self.page = page = context.new_page()
        page.on("dialog", lambda d: (findings.dialogs.append(d.message), d.dismiss()))
        page.on("console", self._console)
        page.on("request", self._request)
        page.route(f"{base}/__xss_host__/*", self._host)
        page.route(f"{base}/static/vendor/**", lambda route: route.abort())  # see the top

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.findings.csp_reports += 1

    def _request(self, request) -> None:
        url = request.url
        if not url.startswith(self.base) and url.split(":", 1)[0] not in ("data", "blob",
                                                                         "about"):
            self.findings.outside.append(url)

    def _host(self, route) -> None:
        body = self.bodies[route.request.url.rsplit("/", 1)[1]]
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body=body)

    def render(self, pages: list[Page]) -> None:
        """Load ``pages``; record what ran and, when checking text, what is not shown."""
        f, page = self.findings, self.page
        for start in range(0, len(pages), FRAMES_PER_HOST):
            batch = pages[start:start + FRAMES_PER_HOST]
            key = str(len(self.bodies))
            self.bodies[key] = host_page(batch)
            page.goto(f"{self.base}/__xss_host__/{key}", timeout=bb.TIMEOUT * 3)
            page.wait_for_function(f"window.__loaded.size >= {len(batch)}",
                                   timeout=bb.TIMEOUT * 3, polling=50)
            page.wait_for_timeout(200)  # what fires after load (errors, focus, animations)
            *snaps, host = page.evaluate(COLLECT)
            f.ran += [f"host page: {c}" for c in host["calls"]]
            for p, snap in zip(batch, snaps, strict=True):
                f.frames += 1
                f.ran += [f"{p.label} {p.url[:80]}: {c}" for c in snap["calls"]]
                if self.check_text:  # each as often as it was stored (a comment and a
                    text = norm(snap["text"])  # disposition, say)
                    wanted = Counter(norm(e) for e in p.expect if norm(e))
                    f.missing += [f"{p.label} {p.url[:80]}: {e!r}" for e, n in wanted.items()
                                  if text.count(e) < n]


# --- the world of payloads -----------------------------------------------------------------------

def chunks(items: list[str], limit: int) -> tuple[str, list[str]]:
    """As many of ``items`` as fit in ``limit`` characters, joined by line breaks."""
    taken: list[str] = []
    size = 0
    for item in items:
        if size + len(item) + (1 if taken else 0) > limit:
            break
        size += len(item) + (1 if taken else 0)
        taken.append(item)
    return "\n".join(taken), taken


def build(session, ps: list[str]) -> tuple[dict[str, User], list[Page], list[Page], object]:
    """Store the payloads; the staff pages, the public pages and the noticed application."""
    users = b.world(session)
    cfg = b.settings()
    staff: list[Page] = []
    public: list[Page] = []

    # display names: every user of the procedure gets one (headers and timelines)
    short = [p for p in ps if len(p.strip()) <= 80]
    for i, u in enumerate(sorted(users.values(), key=lambda u: u.username)):
        u.display_name = short[i].strip()

    # an application under notice with all 2,000 payloads as comments and dispositions
    noticed = b.draft(session, users)
    b.advance(session, noticed, users, cfg, State.IN_COMMENT)
    at = noticed.comment_opens + timedelta(minutes=1)
    comments = [steps.add_comment(session, noticed, body=p, author=p[:60], phone=None, now=at)
                for p in ps]
    for i, c in enumerate(comments):
        steps.dispose_comment(session, noticed, c.id, ps[(i + 1000) % len(ps)],
                              actor=users["clerk"], now=at)
    named = sorted({u.display_name for _e, u in apps.timeline(session, noticed) if u})
    public.append(Page(f"/notices/{noticed.id}", ps + ps, label="comments"))
    staff.append(Page(f"/committee/applications/{noticed.id}", ps + ps + named,
                      label="comments (staff)"))

    # drafts whose text fields hold the payloads end to end, until every payload is in one
    rest = list(ps)
    while rest:
        values, placed = {}, []
        for name, limit in APPLICATION_FIELDS.items():
            values[name], taken = chunks(rest, limit)
            rest = rest[len(taken):]
            placed += taken
        cands = []
        for name in NAMES:
            reason, taken = chunks(rest, 2000)
            rest = rest[len(taken):]
            placed += taken
            cands.append(apps.CandidateInput(name, reason or None))
        a = apps.create_application(session, apps.ApplicationInput(
            kind="new", cls="road", candidates=cands, jurisdiction_code="610112012",
            **values), actor=users["applicant"], now=b.NOW)
        staff.append(Page(f"/committee/applications/{a.id}", placed, label="application"))

    # the expert pool: names up to 60 characters, affiliations up to 120
    clerk = users["clerk"]
    shown = []
    for i, p in enumerate(ps):
        text = p.strip()
        name = text if len(text) <= 60 else f"专家{i}"
        expert_ops.add_expert(session, expert_ops.ExpertInput(
            name=name, affiliation=text if len(text) <= 120 else None, specialties="地名"),
            actor=clerk)
        shown.append(text) if len(text) <= 120 else None
    staff.append(Page("/committee/experts", shown, label="experts"))
    session.flush()
    return users, staff, public, noticed


def report_rounds(session, ps: list[str]):
    """Plate reports holding the payloads end to end, 200 reports at a time (the staff list
    shows the newest 200)."""
    plates = list(session.scalars(select(Plate.plate_id)))
    rest, notes = [p for p in ps if len(p.strip()) <= 500], []
    while rest:
        note, taken = chunks(rest, 500)
        rest = rest[len(taken):]
        notes.append((note, taken))
    for start in range(0, len(notes), 200):
        shown = []
        for i, (note, taken) in enumerate(notes[start:start + 200]):
            plate_scan.report_problem(session, plates[i % len(plates)], "damaged", note,
                                      now=b.NOW + timedelta(seconds=start + i))
            shown += taken
        yield shown


def echo_pages(ps: list[str]) -> list[Page]:
    """The new-application form posted with payloads in every field: refused (a payload is
    no place name), it comes back with everything typed. Every field gets every payload."""
    pages = []
    per = -(-len(ps) // ECHO_ROUNDS)
    for r in range(ECHO_ROUNDS):
        fields = {"kind": "new", "cls": "road", "jurisdiction": "610112012"}
        expect = []
        for j, name in enumerate(ECHO_FIELDS):
            rotated = ps[(r + j) % ECHO_ROUNDS * per:][:per]
            fields[name] = "\n".join(rotated)
            expect += rotated
        pages.append(Page("/committee/applications/new", expect, fields, label="form echo"))
    return pages


def query_pages(ps: list[str]) -> tuple[list[Page], list[Page]]:
    """Search strings echoed by the pages (both searches keep 40 characters)."""
    from urllib.parse import quote

    public, staff = [], []
    for p in ps[::URL_SAMPLE_STEP]:
        q = p.strip()[:40]
        public.append(Page(f"/?q={quote(p)}", [q], label="search"))
        staff.append(Page(f"/committee/applications?q={quote(p)}", [q], label="staff search"))
        staff.append(Page(f"/staff/roads/numbering?road={quote(p)}", [p.strip()],
                          label="numbering road"))
    return public, staff


# --- the test --------------------------------------------------------------------------------

@pytest.fixture
def servers(app, session):
    ps = payloads()
    stored = [p for p in ps if "\x00" not in p]
    users, staff, public, noticed = build(session, stored)
    viewer = ensure_user(session, "xss-viewer", stored[7].strip()[:80], "demo1234",
                         ["clerk", "committee"])
    staff = [Page(p.url, p.expect + [viewer.display_name], p.fields, p.label) for p in staff]
    session.commit()
    app.config.update(WTF_CSRF_ENABLED=False,
                      CLOCK=lambda: noticed.comment_opens + timedelta(minutes=2))
    app.extensions["placenames.limiter"].enabled = False
    with bb.served(Headers(app, strip_csp=False)) as with_csp, \
            bb.served(Headers(app, strip_csp=True)) as without_csp:
        yield {"ps": ps, "stored": stored, "staff": staff, "public": public, "session": session,
               "bases": (with_csp, without_csp)}


def test_two_thousand_payloads_never_run_and_show_as_text(servers):
    from playwright.sync_api import sync_playwright

    ps, stored = servers["ps"], servers["stored"]
    assert len(ps) == COUNT and len(stored) >= COUNT - 5, (len(ps), len(stored))
    echo = echo_pages(stored)
    public_q, staff_q = query_pages(stored)
    results = {True: Findings(), False: Findings()}
    args = [*bb.ARGS, "--proxy-server=http://127.0.0.1:9",  # nothing leaves the machine
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"]
    t0 = time.perf_counter()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=bb.CHROMIUM, headless=True, args=args)
        try:
            renderers = {}
            for csp, base in zip((True, False), servers["bases"], strict=True):
                anon = browser.new_context(locale="zh-CN")
                anon.add_init_script(HOOKS)
                staff = browser.new_context(locale="zh-CN")
                staff.add_init_script(HOOKS)
                login = staff.new_page()
                login.goto(f"{base}/login")
                login.fill("input[name=username]", "xss-viewer")
                login.fill("input[name=password]", "demo1234")
                login.click("button[type=submit]")
                login.wait_for_url(re.compile(r".*/committee/.*"))
                login.close()
                renderers[csp] = (Renderer(anon, base, results[csp], not csp),
                                  Renderer(staff, base, results[csp], not csp))
            for public, staff in renderers.values():
                public.render(servers["public"] + public_q)
                staff.render(servers["staff"] + echo + staff_q)
            session = servers["session"]
            for batch in report_rounds(session, stored):
                session.commit()
                for _public, staff in renderers.values():
                    staff.render([Page("/staff/plates/reports", batch, label="reports")])
        finally:
            browser.close()
    elapsed = time.perf_counter() - t0

    problems = []
    for csp, f in results.items():
        name = "with CSP" if csp else "without CSP"
        print(f"xss {name}: {f.frames} frames, {len(f.ran)} ran, {len(f.dialogs)} dialogs, "
              f"{len(f.outside)} outside requests, {f.csp_reports} CSP reports, "
              f"{len(f.missing)} payloads not shown as text; {elapsed:.0f} s for both")
        problems += [f"{name}: ran {r}" for r in f.ran[:10]]
        problems += [f"{name}: dialog {d!r}" for d in f.dialogs[:10]]
        problems += [f"{name}: request to {u}" for u in f.outside[:10]]
        problems += [f"{name}: {f.csp_reports} CSP violations reported"] if f.csp_reports else []
        problems += [f"{name}: not shown as text: {m}" for m in f.missing[:10]]
    assert problems == [], "\n".join(problems)
    assert results[False].frames == results[True].frames > 100
