"""The tamper-evident audit log on both backends: every committed event has its place in one
gapless hash chain, opinions and comments carry digests, the database refuses UPDATE and
DELETE on the audit tables, and ``audit verify`` names the first row that was edited, deleted
or slipped in behind the application's back."""

import threading
import uuid
from datetime import UTC, datetime

import audit_builders as ab  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b
import pytest
from cli_builders import run_cli  # tests/ is on sys.path (pyproject.toml)
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.exc import DBAPIError

from placenames import migrate
from placenames.auditlog import GENESIS, event_hash
from placenames.models import AuditChain, AuditEvent, Expert
from placenames.models.workflow import PanelMember
from placenames.ops.audit import verify as ops
from placenames.ops.procedure import steps
from placenames.workflow import State


def first_problem(engine, **kw):
    report = ops.verify(engine, **kw)
    assert not report.ok
    return report.problems[0], report


# --- a normal run ------------------------------------------------------------------------------

def test_a_procedure_run_gets_a_gapless_chain_that_verifies(session, engine):
    ab.procedure_run(session)
    rows = ab.chain_rows(session)
    n_events = session.scalar(select(func.count()).select_from(AuditEvent))
    assert [r.seq for r in rows] == list(range(1, n_events + 1))
    assert len({r.event_id for r in rows}) == n_events
    assert rows[0].prev_hash == GENESIS
    assert all(rows[i].prev_hash == rows[i - 1].hash for i in range(1, len(rows)))
    # the stored hash is the hash of the event as stored
    ev = session.execute(select(AuditEvent.__table__).where(
        AuditEvent.id == rows[5].event_id)).mappings().one()
    assert rows[5].hash == event_hash(6, rows[4].hash, ev)
    report = ops.verify(engine)
    assert report.ok, [p.text() for p in report.problems]
    assert report.entries == report.events == n_events
    assert report.head == (n_events, rows[-1].hash)


def test_draws_opinions_and_comments_are_audited_with_digests(session):
    ab.procedure_run(session)
    seats = ab.seats(session)
    draws = ab.events_of(session, "panel_member", "draw")
    opinions = ab.events_of(session, "panel_member", "record_opinion")
    assert sorted(e.entity_id for e in draws) == sorted(str(s.id) for s in seats)
    assert sorted(e.entity_id for e in opinions) == sorted(str(s.id) for s in seats)
    assert all(e.digest and len(e.digest) == 64 for e in draws + opinions)
    assert {e.note for e in opinions} == {"agree"}
    assert len({e.digest for e in draws + opinions}) == 6  # the opinion changed each seat
    received = ab.events_of(session, "public_comment", "receive")
    disposed = ab.events_of(session, "public_comment", "dispose")
    assert len(received) == len(disposed) == 2 and all(e.digest for e in received + disposed)
    assert received[0].actor_id is None and disposed[0].note == "已电话答复"


def test_a_redraw_removes_the_old_seats_in_the_log_and_still_verifies(session, engine):
    users = b.world(session)
    cfg = b.settings()
    app = b.draft(session, users)
    clock = b.advance(session, app, users, cfg, State.ASSESSED)
    old = {str(s.id) for s in app.panel}
    steps.decide_against(session, app, "return_for_changes", steps.DecisionInput(
        approving_body=None, doc_no=None, decided_on=None, note="请补充踏勘资料"),
        actor=users["approver"], now=clock, settings=cfg, expected_version=app.version)
    b.advance(session, app, users, cfg, State.REVIEWED, now=clock, panel_seed=11)
    session.commit()
    removed = ab.events_of(session, "panel_member", "remove")
    assert {e.entity_id for e in removed} == old and all(e.digest is None for e in removed)
    assert not old & {str(s.id) for s in ab.seats(session)}
    assert ops.verify(engine).ok


def test_events_of_one_transaction_stay_together_in_commit_order(session):
    users = b.world(session)
    session.commit()
    first = b.draft(session, users, name="丰邑路")
    session.commit()
    second = b.draft(session, users, name="镐京路")
    session.commit()
    seq_first = ab.seq_of(session, session.scalar(select(AuditEvent.id).where(
        AuditEvent.entity_id == str(first.id))))
    seq_second = ab.seq_of(session, session.scalar(select(AuditEvent.id).where(
        AuditEvent.entity_id == str(second.id))))
    assert seq_second == seq_first + 1


def test_a_rolled_back_transaction_leaves_no_chain_entry(session, engine):
    users = b.world(session)
    session.commit()
    before = session.scalar(select(func.count()).select_from(AuditChain))
    b.draft(session, users)
    session.flush()
    session.rollback()
    b.draft(session, users, name="镐京路")
    session.commit()
    assert session.scalar(select(func.count()).select_from(AuditChain)) == before + 1
    assert ops.verify(engine).ok


# --- the database refuses changes --------------------------------------------------------------

@pytest.mark.parametrize("sql", [
    "UPDATE audit_events SET note = 'changed'", "DELETE FROM audit_events",
    "UPDATE audit_chain SET hash = prev_hash", "DELETE FROM audit_chain"])
def test_the_database_refuses_update_and_delete_on_the_audit_tables(session, engine, sql):
    ab.procedure_run(session, until=State.ACCEPTED)
    session.close()
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(sql))
    assert ops.verify(engine).ok


def test_the_session_refuses_bulk_statements_on_the_audit_tables(session):
    ab.procedure_run(session, until=State.SUBMITTED)
    for stmt in (update(AuditEvent).values(note="x"), delete(AuditChain)):
        with pytest.raises(RuntimeError, match="never changed"):
            session.execute(stmt)
        session.rollback()


# --- tampering is found, naming the row ---------------------------------------------------------

def test_an_edited_event_is_found_by_its_seq_and_id(session, engine):
    app, _users = ab.procedure_run(session)
    target = ab.events_of(session, "application", "approve")[0]
    seq = ab.seq_of(session, target.id)
    session.close()
    ab.tamper(engine, ("UPDATE audit_events SET note = :note WHERE id = :id",
                       {"note": "不予批准", "id": target.id}))
    problem, report = first_problem(engine)
    assert (problem.code, problem.seq, problem.event_id) == ("event_altered", seq,
                                                              str(target.id))
    assert str(target.id) in problem.text() and "被改动" in problem.message_zh
    assert len(report.problems) == 1  # one edit, one problem


def test_an_edited_event_whose_hash_is_recomputed_breaks_the_next_link(session, engine):
    ab.procedure_run(session, until=State.ACCEPTED)
    rows = ab.chain_rows(session)
    victim = rows[3]
    ev = dict(session.execute(select(AuditEvent.__table__).where(
        AuditEvent.id == victim.event_id)).mappings().one())
    ev["note"] = "forged"
    forged = event_hash(victim.seq, victim.prev_hash, ev)
    session.close()
    ab.tamper(engine, ("UPDATE audit_events SET note = 'forged' WHERE id = :id",
                       {"id": victim.event_id}),
              ("UPDATE audit_chain SET hash = :h WHERE seq = :s", {"h": forged, "s": victim.seq}))
    problem, _ = first_problem(engine)
    assert (problem.code, problem.seq) == ("broken_link", victim.seq + 1)


def test_a_deleted_event_with_its_chain_entry_leaves_a_gap(session, engine):
    ab.procedure_run(session)
    rows = ab.chain_rows(session)
    victim = rows[10]
    session.close()
    ab.tamper(engine, ("DELETE FROM audit_chain WHERE seq = :s", {"s": victim.seq}),
              ("DELETE FROM audit_events WHERE id = :id", {"id": victim.event_id}))
    problem, _ = first_problem(engine)
    assert (problem.code, problem.seq) == ("gap", victim.seq)
    assert f"第 {victim.seq} 条" in problem.message_zh


def test_a_deleted_event_whose_chain_entry_stays_is_named(session, engine):
    ab.procedure_run(session)
    victim = ab.events_of(session, "public_comment", "dispose")[0]
    seq = ab.seq_of(session, victim.id)
    session.close()
    ab.tamper(engine, ("DELETE FROM audit_events WHERE id = :id", {"id": victim.id}))
    problem, _ = first_problem(engine)
    assert (problem.code, problem.seq, problem.event_id) == ("event_missing", seq,
                                                              str(victim.id))


def test_a_forged_event_without_chain_entry_is_found(session, engine):
    app, users = ab.procedure_run(session)
    forged = uuid.uuid4()
    clerk_id = users["clerk"].id
    session.close()
    ab.tamper(engine, (
        "INSERT INTO audit_events (id, at, actor_id, entity_type, entity_id, action, "
        "from_state, to_state, note) VALUES (:id, :at, :actor, 'application', :app, "
        "'record_opinion', 'under_review', 'under_review', 'disagree')",
        {"id": forged, "at": datetime(2026, 3, 2, 3, 0, tzinfo=UTC), "actor": clerk_id,
         "app": str(app.id)}))
    problem, _ = first_problem(engine)
    assert (problem.code, problem.event_id) == ("event_inserted", str(forged))
    assert "不在审计链中" in problem.message_zh


def test_an_edited_opinion_and_a_deleted_one_are_each_named(session, engine):
    app, _users = ab.procedure_run(session)
    edited, deleted = ab.seats(session)[:2]
    session.close()
    ab.tamper(engine,
              ("UPDATE panel_members SET opinion = 'disagree', reasons = :r WHERE id = :id",
               {"r": "名称不妥", "id": edited.id}),
              ("DELETE FROM panel_members WHERE id = :id", {"id": deleted.id}))
    report = ops.verify(engine)
    found = {(p.code, p.record_id) for p in report.problems}
    assert found == {("record_altered", str(edited.id)), ("record_deleted", str(deleted.id))}
    altered = next(p for p in report.problems if p.code == "record_altered")
    assert str(app.id) in altered.text() and "专家评审席位" in altered.message_zh


def test_an_opinion_given_behind_the_applications_back_is_found(session, engine):
    app, _users = ab.procedure_run(session, until=State.UNDER_REVIEW)  # no opinion yet
    silent = next(s for s in ab.seats(session) if s.opinion is None)
    session.close()
    ab.tamper(engine, ("UPDATE panel_members SET opinion = 'agree', reasons = '同意' "
                       "WHERE id = :id", {"id": silent.id}))
    problem, _ = first_problem(engine)
    assert (problem.code, problem.record_id) == ("record_altered", str(silent.id))


def test_an_edited_disposition_and_an_inserted_seat_are_found(session, engine):
    app, _users = ab.procedure_run(session)
    comment = ab.comments(session)[0]
    drawn = {s.expert_id for s in ab.seats(session)}
    outsider = session.scalar(select(Expert.id).where(Expert.id.not_in(drawn)).limit(1))
    forged = uuid.uuid4()
    session.close()
    ab.tamper(engine,
              ("UPDATE public_comments SET disposition = '不予采纳' WHERE id = :id",
               {"id": comment.id}),
              ("INSERT INTO panel_members (id, application_id, expert_id, position, opinion, "
               "reasons) VALUES (:id, :app, :expert, 9, 'disagree', '反对')",
               {"id": forged, "app": app.id, "expert": outsider}))
    found = {(p.code, p.record_id) for p in ops.verify(engine).problems}
    assert found == {("record_altered", str(comment.id)), ("record_inserted", str(forged))}


def test_the_anchor_finds_events_deleted_from_the_end(session, engine):
    ab.procedure_run(session, until=State.ACCEPTED)
    report = ops.verify(engine)
    assert ops.verify(engine, anchor=report.head).ok
    last = ab.chain_rows(session)[-1]
    session.close()
    ab.tamper(engine, ("DELETE FROM audit_chain WHERE seq = :s", {"s": last.seq}),
              ("DELETE FROM audit_events WHERE id = :id", {"id": last.event_id}))
    assert ops.verify(engine).ok  # the chain alone cannot tell
    problem, _ = first_problem(engine, anchor=report.head)
    assert (problem.code, problem.seq) == ("anchor_truncated", last.seq)


# --- the command --------------------------------------------------------------------------------

def test_audit_verify_exits_0_then_1_naming_the_altered_event(session, engine, cli_env,
                                                               tmp_path):
    ab.procedure_run(session)
    n = session.scalar(select(func.count()).select_from(AuditEvent))
    target = ab.events_of(session, "application", "submit")[0]
    seq = ab.seq_of(session, target.id)
    session.close()
    anchor = tmp_path / "audit.anchor"
    ok = run_cli(cli_env, "audit", "verify", "--anchor", str(anchor))
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout.startswith(f"ok: {n} events\n")
    assert anchor.read_text().split()[:1] == [str(n)]
    ab.tamper(engine, ("UPDATE audit_events SET to_state = 'approved' WHERE id = :id",
                       {"id": target.id}))
    bad = run_cli(cli_env, "audit", "verify", "--anchor", str(anchor))
    assert bad.returncode == 1
    assert str(target.id) in bad.stderr and f"chain entry {seq}" in bad.stderr
    assert "被改动" in bad.stderr and "Traceback" not in bad.stderr
    assert len(anchor.read_text().splitlines()) == 1  # a failed run anchors nothing


def test_audit_verify_refuses_a_malformed_anchor_file(session, cli_env, tmp_path):
    anchor = tmp_path / "audit.anchor"
    anchor.write_text("not an anchor\n")
    r = run_cli(cli_env, "audit", "verify", "--anchor", str(anchor))
    assert r.returncode == 64 and "anchor" in r.stderr and "Traceback" not in r.stderr


# --- concurrency and migration ------------------------------------------------------------------

def test_concurrent_writers_keep_one_gapless_valid_chain(app, session, engine):
    users = b.world(session)
    session.commit()
    actor = users["clerk"].id
    session.close()
    threads_n, rounds = 8, 4
    barrier = threading.Barrier(threads_n)
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            for r in range(rounds):
                with app.extensions["placenames.sessionmaker"]() as s:
                    for k in range(2):  # two events a transaction
                        s.add(AuditEvent(at=datetime.now(UTC), actor_id=actor,
                                         entity_type="test", entity_id=f"{i}-{r}-{k}",
                                         action="create"))
                        s.flush()
                    s.commit()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    with app.extensions["placenames.sessionmaker"]() as s:
        rows = ab.chain_rows(s)
        total = s.scalar(select(func.count()).select_from(AuditEvent))
        assert [r.seq for r in rows] == list(range(1, total + 1))
        # the two events of each transaction are neighbours in the chain
        ids = {e.id: e.entity_id for e in s.scalars(select(AuditEvent))}
        pos = {ids[r.event_id]: r.seq for r in rows}
        assert all(pos[f"{i}-{r}-1"] == pos[f"{i}-{r}-0"] + 1
                   for i in range(threads_n) for r in range(rounds))
    assert ops.verify(engine).ok


def test_the_migration_chains_an_existing_log_and_baselines_the_records(app, session, engine):
    ab.procedure_run(session)
    events = session.scalar(select(func.count()).select_from(AuditEvent))
    seats = len(ab.seats(session))
    session.close()
    keys = {"pii_keys": app.extensions["placenames.pii_keys"]}  # as placenames init passes them
    migrate.downgrade(engine, "0005", attributes=keys)
    with engine.connect() as conn:
        assert "audit_chain" not in {r[0] for r in conn.execute(text(
            "SELECT table_name FROM information_schema.tables") if engine.dialect.name ==
            "postgresql" else text("SELECT name FROM sqlite_master WHERE type = 'table'"))}
    migrate.upgrade(engine, attributes=keys)
    report = ops.verify(engine)
    assert report.ok, [p.text() for p in report.problems]
    assert report.entries == events + seats + 2  # a baseline for each seat and comment
    with engine.connect() as conn:
        baseline = conn.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "baseline", AuditEvent.digest.is_not(None)))
    assert baseline == seats + 2
    # the migrated log is as tamper-evident as a new one
    seat = session.scalar(select(PanelMember).limit(1))
    session.close()
    ab.tamper(engine, ("UPDATE panel_members SET reasons = '改过' WHERE id = :id",
                       {"id": seat.id}))
    problem, _ = first_problem(engine)
    assert (problem.code, problem.record_id) == ("record_altered", str(seat.id))
