"""The audit administrator's page: auditors only, filters, pages, Chinese labels, the chain's
status and the full check."""

import audit_builders as ab  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b
from plate_builders import login
from sqlalchemy import select

from placenames.models import AuditEvent
from placenames.workflow import State


def _auditor(session):
    return b.user(session, "auditor")


def _rows(html):
    body = html.split('id="audit-events"', 1)[1].split("</table>", 1)[0]
    return body.count('<tr class="event">')


def test_only_the_auditor_reads_the_audit_log(app, client, session):
    ab.procedure_run(session, until=State.SUBMITTED)
    clerk = b.user(session, "clerk")
    session.close()
    assert client.get("/staff/audit/").status_code == 302  # sign in first
    login(client, clerk)
    assert client.get("/staff/audit/").status_code == 403
    assert client.get("/staff/audit/verify").status_code == 403
    assert 'id="nav-audit' not in client.get("/committee/").get_data(True)


def test_the_page_shows_events_newest_first_in_chinese_with_the_chain_status(
        app, client, session):
    application, _users = ab.procedure_run(session)
    auditor = _auditor(session)
    session.close()
    login(client, auditor)
    r = client.get("/staff/audit/?n=200")
    assert r.status_code == 200
    html = r.get_data(True)
    assert "审计日志" in html and "审计链完好" in html
    assert 'id="nav-audit"' in html and 'id="nav-audit-log"' in html
    # codes in words: actions, record types, states, opinions
    table = html.split('id="audit-events"', 1)[1]
    for words in ("生效", "地名申请", "抽取为评审专家", "提交专家意见", "专家评审席位", "同意",
                  "公示意见", "收到公示意见", "已受理"):
        assert words in table, words
    assert table.index("生效") < table.index("提交申请")  # newest first
    english = client.get("/staff/audit/?lang=en").get_data(True)
    assert "The audit chain is intact" in english and "put in force" in english


def test_filters_narrow_the_events(app, client, session):
    application, users = ab.procedure_run(session)
    auditor = _auditor(session)
    session.close()
    login(client, auditor)
    by_clerk = client.get("/staff/audit/?actor=clerk&n=200").get_data(True)
    with app.extensions["placenames.sessionmaker"]() as s:
        n_clerk = len(s.scalars(select(AuditEvent).where(
            AuditEvent.actor_id == users["clerk"].id)).all())
        n_seats = len(s.scalars(select(AuditEvent).where(
            AuditEvent.entity_type == "panel_member")).all())
    assert _rows(by_clerk) == n_clerk > 0
    seats = client.get("/staff/audit/?entity_type=panel_member&n=200").get_data(True)
    assert _rows(seats) == n_seats == 6
    # (the demo's naming plan was approved too)
    approve = client.get("/staff/audit/?action=approve&entity_type=application").get_data(True)
    assert _rows(approve) == 1 and "已批准" in approve
    one = client.get(f"/staff/audit/?entity_id={application.id}&action=submit").get_data(True)
    assert _rows(one) == 1
    assert _rows(client.get("/staff/audit/?actor=nobody").get_data(True)) == 0
    # dates are China dates: the run happened on 2026-03-02 … 2026-03-13
    assert _rows(client.get("/staff/audit/?to=2026-03-01").get_data(True)) == 0
    assert _rows(client.get("/staff/audit/?from=2026-03-02&to=2026-03-02&n=200")
                 .get_data(True)) > 0
    bad = client.get("/staff/audit/?from=yesterday")
    assert bad.status_code == 400 and "年-月-日" in bad.get_data(True)
    assert client.get("/staff/audit/?before=junk").status_code == 400


def test_pages_are_bounded_and_follow_each_other(app, client, session):
    ab.procedure_run(session)
    auditor = _auditor(session)
    total = len(session.scalars(select(AuditEvent)).all())
    session.close()
    login(client, auditor)
    seen, url, pages = 0, "/staff/audit/?n=10", 0
    while url:
        html = client.get(url).get_data(True)
        seen += _rows(html)
        pages += 1
        marker = 'id="page-older"'
        if marker not in html:
            break
        href = html.split(marker, 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
        url = href.replace("&amp;", "&")
        assert "n=10" in url
    assert seen == total and pages == -(-total // 10)
    assert _rows(client.get("/staff/audit/?n=100000").get_data(True)) == min(total, 200)


def test_a_tampered_log_shows_on_the_page_and_in_the_full_check(app, client, session, engine):
    ab.procedure_run(session)
    auditor = _auditor(session)
    seat = ab.seats(session)[0]
    target = ab.events_of(session, "application", "approve")[0]
    session.close()
    ab.tamper(engine, ("UPDATE audit_events SET note = 'x' WHERE id = :id", {"id": target.id}),
              ("UPDATE panel_members SET opinion = 'disagree' WHERE id = :id", {"id": seat.id}))
    login(client, auditor)
    html = client.get("/staff/audit/").get_data(True)
    assert "审计链发现问题" in html and str(target.id) in html
    full = client.get("/staff/audit/verify").get_data(True)
    assert "审计日志已被篡改" in full and str(target.id) in full and str(seat.id) in full
    assert "被改动" in full


def test_the_full_check_of_an_intact_log(app, client, session):
    ab.procedure_run(session, until=State.ACCEPTED)
    auditor = _auditor(session)
    session.close()
    login(client, auditor)
    html = client.get("/staff/audit/verify").get_data(True)
    assert "审计日志完好" in html
