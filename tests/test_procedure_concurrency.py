"""Twenty simultaneous "approve" requests on one application: exactly one transition.

Each thread has its own test client, so its own request, app context and database session
(connection) against the test's file database or PostGIS; the bearer-token API is used so no
thread shares a cookie. On SQLite writers queue on BEGIN IMMEDIATE; on PostgreSQL the
application row is locked (SELECT … FOR UPDATE) and the version checked, so the losers see
the first approval and answer 409.
"""

import threading

import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import func, select

from placenames.models import AuditEvent
from placenames.models.workflow import Application, StepRecord
from placenames.ops.accounts import tokens
from placenames.workflow import State

N = 20


def test_twenty_simultaneous_approvals_make_exactly_one_transition(app, session):
    users = b.world(session)
    application = b.draft(session, users)
    clock = b.advance(session, application, users, b.settings(), State.ASSESSED)
    token = tokens.issue(session, "approver")
    app_id, version = application.id, application.version
    session.commit()
    session.close()
    app.config["CLOCK"] = lambda: clock
    body = {"version": version, "approving_body": "西咸新区管委会",
            "doc_no": "陕西咸发〔2026〕12号", "decided_on": clock.date().isoformat()}
    barrier = threading.Barrier(N)
    codes: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def approve() -> None:
        client = app.test_client()
        try:
            barrier.wait(timeout=30)
            r = client.post(f"/api/v1/applications/{app_id}/actions/approve", json=body,
                            headers={"Authorization": f"Bearer {token}"})
            with lock:
                codes.append(r.status_code)
        except BaseException as exc:  # noqa: BLE001 - reported below
            with lock:
                errors.append(exc)

    threads = [threading.Thread(target=approve) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert sorted(codes) == [200] + [409] * (N - 1), codes
    with app.extensions["placenames.sessionmaker"]() as s:
        stored = s.get(Application, app_id)
        assert stored.state == State.APPROVED and stored.version == version + 1
        approvals = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.entity_id == str(app_id), AuditEvent.action == "approve"))
        decisions = s.scalar(select(func.count()).select_from(StepRecord).where(
            StepRecord.application_id == app_id, StepRecord.step == "decision"))
        assert approvals == 1 and decisions == 1
