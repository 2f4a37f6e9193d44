"""Commenters' personal data on the real database (both backends): encrypted at rest, bound to
the row, found by blind index, masked in every page, document and JSON, erased after the
retention period, a clear start-up error for a wrong or malformed key, and migration 0008
encrypting the clear phones of a database at revision 0005."""

import base64
import re
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import account_builders
import cli_builders  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
import sqlalchemy as sa
from sqlalchemy import select, text

from placenames import create_app, migrate, pii
from placenames.models import AuditEvent
from placenames.models.base import utcnow
from placenames.models.workflow import Application, PublicComment
from placenames.ops.privacy import contacts
from placenames.ops.procedure import documents, steps
from placenames.workflow import State

NOW = b.NOW
PHONE, PHONE_SPELLED, MASKED = "13912348765", "+86 139-1234-8765", "139****8765"
OTHER_PHONE, OTHER_MASKED = "13700001111", "137****1111"
LANDLINE, LANDLINE_MASKED = "029-8888 4321", "029-****4321"
NAME, NAME_MASKED = "欧阳娜娜", "欧阳**"
KEY_B = base64.b64encode(bytes(range(7, 39))).decode()


def _token(html):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def login(client, username, password="demo1234"):
    r = account_builders.sign_in(client.application, client, username, password)
    assert r.status_code in (200, 302), r.get_data(True)


def run_cli(env, *args, **extra):
    return cli_builders.run_cli({**env, **extra}, *args)


def raw_comments(engine):
    """Every column of every comment as stored, read with plain SQL."""
    with engine.connect() as conn:
        result = conn.execute(text("SELECT * FROM public_comments"))
        return [dict(zip(result.keys(), row, strict=True)) for row in result]


def comment(session, app, phone=PHONE, author=NAME, body="建议保留原名", days=1):
    return steps.add_comment(session, app, body=body, author=author, phone=phone,
                             now=NOW + timedelta(days=days))


@pytest.fixture
def world(app, session):
    users = b.world(session)
    app.config["CLOCK"] = lambda: NOW
    session.commit()
    return users


@pytest.fixture
def noticed(session, world):
    a = b.draft(session, world)
    b.advance(session, a, world, b.settings(), State.IN_COMMENT)
    session.commit()
    return a


def second_notice(session, world):
    a = b.draft(session, world, name="镐京路")
    b.advance(session, a, world, b.settings(), State.IN_COMMENT)
    return a


# --- at rest -----------------------------------------------------------------------------------

def test_the_database_holds_no_clear_name_or_phone(app, client, engine, session, noticed):
    session.close()
    html = client.get(f"/notices/{noticed.id}").get_data(True)
    r = client.post(f"/notices/{noticed.id}/comments", data={
        "body": "赞成", "author": NAME, "phone": "139 1234 8765", "csrf_token": _token(html)})
    assert r.status_code == 302
    [row] = raw_comments(engine)
    assert row["phone_enc"].startswith("pn1:") and row["author_enc"].startswith("pn1:")
    assert len(row["phone_index"]) == 64 and "author" not in row and "phone" not in row
    stored = " ".join(str(v) for v in row.values())
    for clear in (PHONE, "1234 8765", NAME, "娜娜"):
        assert clear not in stored
    # the last four digits alone: not in any value but the ids and the phone's digest, whose
    # hex holds four given digits about once in a thousand rows by chance
    hex_values = re.compile(r"[0-9a-f]{64}|[0-9a-f]{32}|[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}")
    assert not [k for k, v in row.items() if "8765" in str(v)
                and not hex_values.fullmatch(str(v))]
    with engine.connect() as conn:  # nor in the audit trail or history
        notes = " ".join(str(n) for n in conn.execute(text("SELECT note FROM audit_events")))
        snaps = " ".join(str(n) for n in conn.execute(text("SELECT snapshot FROM record_history")))
    assert PHONE not in notes + snaps and NAME not in notes + snaps
    if engine.dialect.name == "sqlite":  # not a byte of them anywhere in the database files
        engine.dispose()
        path = Path(app.config["DATABASE_URL"].split("///", 1)[1])
        for f in (path, Path(f"{path}-wal")):
            data = f.read_bytes() if f.exists() else b""
            assert PHONE.encode() not in data and NAME.encode() not in data


def test_the_same_phone_encrypts_differently_with_one_index(session, noticed):
    first = comment(session, noticed)
    second = comment(session, noticed, phone=PHONE_SPELLED, days=2)
    third = comment(session, noticed, phone=OTHER_PHONE, days=3)
    session.commit()
    assert first.phone_enc != second.phone_enc and first.author_enc != second.author_enc
    assert first.phone_index == second.phone_index != third.phone_index
    views = contacts.comments_of(session, noticed.id)
    assert [(v.name, v.phone) for v in views] == [(NAME_MASKED, MASKED)] * 2 + [
        (NAME_MASKED, OTHER_MASKED)]


def test_a_ciphertext_moved_to_another_row_does_not_decrypt_and_pages_still_show(
        client, engine, session, noticed):
    mine, theirs = comment(session, noticed), comment(session, noticed, phone=OTHER_PHONE)
    session.commit()
    mine_id, theirs_id = mine.id, theirs.id
    session.close()
    with engine.begin() as conn:  # someone copies my ciphertext into their row
        conn.execute(sa.update(PublicComment).where(PublicComment.id == theirs_id)
                     .values(phone_enc=mine.phone_enc))
    moved = session.get(PublicComment, theirs_id)
    with pytest.raises(pii.UnreadableCiphertext) as err:
        contacts.reveal(contacts.keyring(session), moved)
    assert "moved" in err.value.user_msg and str(theirs_id) in err.value.user_msg
    assert contacts.reveal(contacts.keyring(session), session.get(PublicComment, mine_id)).phone \
        == PHONE
    session.close()
    r = client.get(f"/notices/{noticed.id}")
    html = r.get_data(True)
    assert r.status_code == 200 and html.count("联系方式无法解密") == 1 and MASKED in html
    assert PHONE not in html
    login(client, "clerk")
    r = client.get(f"/committee/applications/{noticed.id}")
    assert r.status_code == 200 and "联系方式无法解密" in r.get_data(True)


# --- lookup by blind index ---------------------------------------------------------------------

def test_a_clerk_finds_the_comments_of_one_phone_masked_and_audited(client, session, world,
                                                                     noticed):
    comment(session, noticed, body="意见一")
    comment(session, noticed, phone="0086 139 1234 8765", author=None, body="意见二")
    comment(session, noticed, phone=OTHER_PHONE, body="别人的意见")
    other = second_notice(session, world)
    comment(session, other, body="另一条路的意见")
    session.commit()
    other_id = other.id
    session.close()
    login(client, "clerk")
    page = client.get(f"/committee/applications/{noticed.id}").get_data(True)
    assert 'id="phone-filter"' in page
    html = client.get("/committee/comments/lookup").get_data(True)
    r = client.post("/committee/comments/lookup",
                    data={"phone": PHONE_SPELLED, "csrf_token": _token(html)})
    found = r.get_data(True)
    assert r.status_code == 200
    assert all(t in found for t in ("意见一", "意见二", "另一条路的意见"))
    assert "别人的意见" not in found and PHONE not in found and MASKED in found
    r = client.post("/committee/comments/lookup", data={
        "phone": PHONE, "application": str(noticed.id), "csrf_token": _token(html)})
    scoped = r.get_data(True)
    assert "意见一" in scoped and "意见二" in scoped and "另一条路的意见" not in scoped
    r = client.post("/committee/comments/lookup", headers={"Accept": "application/json"},
                    data={"phone": "139-1234-8765", "csrf_token": _token(html)})
    data = r.get_json()
    assert r.status_code == 200 and data["phone"] == MASKED and len(data["comments"]) == 3
    assert {c["phone"] for c in data["comments"]} == {MASKED}
    assert {c["application"] for c in data["comments"]} == {str(noticed.id), str(other_id)}
    assert PHONE not in r.get_data(True) and NAME not in r.get_data(True)
    r = client.post("/committee/comments/lookup", data={"phone": "abc",
                                                         "csrf_token": _token(html)})
    assert r.status_code == 400 and "电话号码格式无效" in r.get_data(True)
    audits = session.scalars(select(AuditEvent.note).where(
        AuditEvent.action == "lookup_phone").order_by(AuditEvent.at)).all()
    assert audits == [f"{MASKED}: 3", f"{MASKED}: 2", f"{MASKED}: 3"]
    session.close()
    login(client, "applicant")
    assert client.get("/committee/comments/lookup").status_code == 403
    page = client.get(f"/committee/applications/{noticed.id}").get_data(True)
    assert 'id="phone-filter"' not in page


# --- masked everywhere -------------------------------------------------------------------------

def test_pages_documents_and_json_show_only_masked_contacts(client, session, world, noticed,
                                                            tmp_path):
    comment(session, noticed)
    comment(session, noticed, phone=LANDLINE, author="John Smith", body="Landline comment")
    session.commit()
    public = client.get(f"/notices/{noticed.id}").get_data(True)
    english = client.get(f"/notices/{noticed.id}?lang=en").get_data(True)
    client.get("/?lang=zh")
    b.advance(session, noticed, world, b.settings(), State.COMMENT_CLOSED)
    session.commit()
    session.close()
    login(client, "clerk")
    staff = client.get(f"/committee/applications/{noticed.id}").get_data(True)
    pdf = client.get(f"/committee/applications/{noticed.id}/documents/comments.pdf")
    assert pdf.status_code == 200
    path = tmp_path / "comments.pdf"
    path.write_bytes(pdf.data)
    report = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                            capture_output=True, text=True, check=True).stdout
    assert "****" in report and "报告" in report
    pdf_text = re.sub(r"\s+", "", report)  # the PDF wraps cells: look for clear values only
    doc = documents.build(session, session.get(Application, noticed.id), "comments")
    report = "\n".join(f"{label} {value}" for sec in doc.sections for label, value in sec.rows)
    session.rollback()
    html = client.get("/committee/comments/lookup").get_data(True)
    lookup = client.post("/committee/comments/lookup", headers={"Accept": "application/json"},
                         data={"phone": LANDLINE, "csrf_token": _token(html)}).get_data(True)
    for shown in (public, english, staff, report):
        assert MASKED in shown and NAME_MASKED in shown and "J*** *****" in shown
        assert LANDLINE_MASKED in shown
    assert LANDLINE_MASKED in lookup and "J*** *****" in lookup
    for shown in (public, english, staff, report, lookup, pdf_text):
        for clear in (PHONE, "88884321", "8888 4321", NAME, "John Smith", "JohnSmith", "pn1:"):
            assert clear not in shown


# --- retention ---------------------------------------------------------------------------------

def test_erasure_counts_from_the_end_of_the_notice_period(session, world, noticed):
    comment(session, noticed)
    comment(session, noticed, phone=None, author=None, body="匿名意见", days=2)
    session.commit()
    closes = noticed.comment_closes
    just_before = contacts.erase_expired(session, now=closes + timedelta(days=180, seconds=-1),
                                         retention_days=180)
    assert just_before.count == 0
    after = contacts.erase_expired(session, now=closes + timedelta(days=180, seconds=1),
                                   retention_days=180)
    assert after.count == 1  # the anonymous comment held no contact
    again = contacts.erase_expired(session, now=closes + timedelta(days=181), retention_days=180)
    assert again.count == 0
    session.commit()
    views = contacts.comments_of(session, noticed.id)
    assert [(v.status, v.name, v.phone) for v in views] == [("erased", "", ""), ("ok", "", "")]
    notes = session.scalars(select(AuditEvent.note).where(AuditEvent.action == "erase_contacts")
                            .order_by(AuditEvent.at)).all()
    assert [re.search(r"erased the contacts of (\d+) comments", n).group(1)
            for n in notes] == ["0", "1", "0"]


def test_erase_expired_command_is_a_dry_run_then_erases_only_past_retention_once(
        cli_env, client, engine, session, world, noticed):
    old_one = comment(session, noticed, body="旧意见一")
    comment(session, noticed, phone=OTHER_PHONE, body="旧意见二")
    recent = second_notice(session, world)
    comment(session, recent, body="新意见")
    steps.dispose_comment(session, noticed, old_one.id, "已采纳", actor=world["clerk"],
                          now=NOW + timedelta(days=2))
    noticed.comment_closes = utcnow() - timedelta(days=200)
    recent.comment_closes = utcnow() - timedelta(days=10)
    session.commit()
    before = raw_comments(engine)
    recent_id = recent.id
    session.close()

    dry = run_cli(cli_env, "privacy", "erase-expired", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would erase the contacts of 2 comments" in dry.stdout and "180 days" in dry.stdout
    assert raw_comments(engine) == before
    shorter = run_cli(cli_env, "privacy", "erase-expired", "--dry-run",
                      PLACENAMES_CONTACT_RETENTION_DAYS="5")
    assert "would erase the contacts of 3 comments" in shorter.stdout

    done = run_cli(cli_env, "privacy", "erase-expired")
    assert done.returncode == 0 and "erased the contacts of 2 comments" in done.stdout
    rows = {r["body"]: r for r in raw_comments(engine)}
    for body in ("旧意见一", "旧意见二"):
        assert rows[body]["author_enc"] is None and rows[body]["phone_enc"] is None
        assert rows[body]["phone_index"] is None and rows[body]["contact_erased_at"] is not None
    assert rows["旧意见一"]["disposition"] == "已采纳"
    assert rows["新意见"]["phone_enc"] and rows["新意见"]["contact_erased_at"] is None
    again = run_cli(cli_env, "privacy", "erase-expired")
    assert again.returncode == 0 and "erased the contacts of 0 comments" in again.stdout
    assert {r["body"]: r for r in raw_comments(engine)} == rows
    notes = session.scalars(select(AuditEvent.note).where(AuditEvent.action == "erase_contacts")
                            .order_by(AuditEvent.at)).all()
    assert len(notes) == 2 and "of 2 comments" in notes[0] and "of 0 comments" in notes[1]
    assert "180 days" in notes[0]
    [mine] = contacts.comments_of(session, recent_id)
    assert mine.phone == MASKED
    session.close()
    html = client.get(f"/notices/{noticed.id}").get_data(True)
    assert html.count("联系方式已过保存期限并删除") == 2 and "已采纳" in html and "旧意见二" in html


# --- keys --------------------------------------------------------------------------------------

def test_a_malformed_key_stops_the_start_with_a_clear_message(cli_env, tmp_path):
    for bad in ("not-a-key", "00" * 31, KEY_B + ",broken"):
        r = run_cli(cli_env, "privacy", "check-keys", PLACENAMES_PII_KEY=bad)
        assert r.returncode == 78 and "PLACENAMES_PII_KEY" in r.stderr
        assert "Traceback" not in r.stderr and "not-a-key" not in r.stderr
    r = run_cli(cli_env, "serve", "--port", "1", PLACENAMES_PII_KEY="not-a-key")
    assert r.returncode == 78 and "base64" in r.stderr and "Traceback" not in r.stderr
    with pytest.raises(pii.PiiKeyError):
        create_app({"DATABASE_URL": "sqlite://", "INSTANCE_PATH": str(tmp_path / "x"),
                    "PII_KEY": "00" * 31})


def test_a_wrong_key_is_refused_at_start_and_rotation_moves_rows_to_a_new_key(
        app, cli_env, client, session, world, noticed, tmp_path):
    comment(session, noticed)
    comment(session, noticed, phone=OTHER_PHONE, author=None, days=2)
    session.commit()
    session.close()
    instance_key = (Path(cli_env["PLACENAMES_INSTANCE_PATH"]) / "pii_key").read_text().strip()
    old_id = pii.keyring_from_text(instance_key).current.key_id
    new_id = pii.keyring_from_text(KEY_B).current.key_id
    assert run_cli(cli_env, "privacy", "check-keys").returncode == 0

    wrong = run_cli(cli_env, "privacy", "check-keys", PLACENAMES_PII_KEY=KEY_B)
    assert wrong.returncode == 75 and old_id in wrong.stderr and new_id in wrong.stderr
    assert "Traceback" not in wrong.stderr
    serve = run_cli(cli_env, "serve", "--port", "1", PLACENAMES_PII_KEY=KEY_B)
    assert serve.returncode == 75 and old_id in serve.stderr  # before gunicorn starts

    both = f"{KEY_B},{instance_key}"
    assert run_cli(cli_env, "privacy", "check-keys", PLACENAMES_PII_KEY=both).returncode == 0
    rotated = run_cli(cli_env, "privacy", "rotate-key", PLACENAMES_PII_KEY=both)
    assert rotated.returncode == 0 and f"2 comments re-encrypted under key {new_id}" \
        in rotated.stdout
    assert run_cli(cli_env, "privacy", "check-keys", PLACENAMES_PII_KEY=KEY_B).returncode == 0
    assert "0 comments" in run_cli(cli_env, "privacy", "rotate-key",
                                   PLACENAMES_PII_KEY=KEY_B).stdout
    new_app = create_app({"DATABASE_URL": app.config["DATABASE_URL"], "SECRET_KEY": "t",
                          "TESTING": True, "INSTANCE_PATH": str(tmp_path / "other"),
                          "PII_KEY": KEY_B})
    try:
        s = new_app.extensions["placenames.sessionmaker"]()
        assert [v.phone for v in contacts.comments_of(s, noticed.id)] == [MASKED, OTHER_MASKED]
        clerk = b.user(s, "clerk")
        found = contacts.find_by_phone(s, PHONE_SPELLED, actor=clerk, now=NOW)
        assert [m.comment.phone for m in found] == [MASKED]
        s.rollback()
        s.close()
    finally:
        new_app.extensions["placenames.engine"].dispose()
    # the old key alone no longer opens them: the page says so and does not fail
    html = client.get(f"/notices/{noticed.id}").get_data(True)
    assert html.count("联系方式无法解密") == 2


# --- the notice at the point of collection -----------------------------------------------------

def test_the_comment_form_says_who_collects_why_how_long_and_whom_to_ask(app, client, noticed):
    html = client.get(f"/notices/{noticed.id}").get_data(True)
    start = html.index('id="comment-form"')
    form = html[start:html.index("</form>", start)]
    assert 'id="privacy-notice"' in form
    for said in ("收集者：西咸新区地名委员会办公室", "仅用于必要时就您的意见与您联系", "加密存储",
                 "王* 186****0000", "公示期结束后 180 天删除", "请联系西咸新区地名委员会办公室"):
        assert said in form
    app.config.update(CONTACT_RETENTION_DAYS=90, PRIVACY_CONTACT="电话 029-33330000")
    english = client.get(f"/notices/{noticed.id}?lang=en").get_data(True)
    for said in ("Who collects them", "only to reach you about your comment", "encrypted",
                 "erased 90 days after the notice period ends", "correct or delete your data",
                 "电话 029-33330000"):
        assert said in english


def test_the_plate_report_form_collects_no_contact_data():
    form = (Path(__file__).resolve().parents[1] / "placenames/templates/scan/report.html")
    fields = set(re.findall(r'name="(\w+)"', form.read_text()))
    assert fields == {"csrf_token"}  # the rest comes from ReportForm: a kind and a note
    from placenames.web.scan import ReportForm

    assert {f for f in ReportForm.__dict__ if not f.startswith("_")} >= {"kind", "note"}
    assert not {"name", "phone", "author", "contact"} & set(ReportForm.__dict__)


# --- migration 0008 ----------------------------------------------------------------------------

def test_migration_0008_encrypts_the_clear_contacts_of_revision_0005(
        app, cli_env, engine, session, world, noticed, monkeypatch):
    comment(session, noticed, body="升级前的意见")
    session.commit()
    app_id = noticed.id
    session.close()
    keys = app.extensions["placenames.pii_keys"]
    migrate.downgrade(engine, "0005", attributes={"pii_keys": keys})
    assert migrate.current_revision(engine) == "0005"
    [row] = raw_comments(engine)
    assert row["phone"] == PHONE and row["author"] == NAME  # downgrade decrypted it
    seeded = uuid.uuid4()
    at_0005 = sa.table("public_comments", sa.column("id", sa.Uuid()),
                       sa.column("application_id", sa.Uuid()), sa.column("author", sa.String),
                       sa.column("phone", sa.String), sa.column("body", sa.Text),
                       sa.column("received_at", sa.DateTime(timezone=True)))
    with engine.begin() as conn:
        conn.execute(sa.insert(at_0005).values(
            id=seeded, application_id=app_id, author="李四", phone="+86 137 0000 1111",
            body="旧库里的意见", received_at=datetime(2026, 3, 3, 1, 0, tzinfo=UTC)))

    up = run_cli(cli_env, "init")  # the app's own key, from the same instance folder
    assert up.returncode == 0, up.stderr
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert migrate.drift(engine) == []
    rows = {r["body"]: r for r in raw_comments(engine)}
    stored = " ".join(str(v) for r in rows.values() for v in r.values())
    for clear in (PHONE, "0000 1111", "13700001111", NAME, "李四"):
        assert clear not in stored
    for r in rows.values():
        assert r["phone_enc"].startswith(f"pn1:{keys.current.key_id}:") and r["phone_index"]
    views = {v.body: v for v in contacts.comments_of(session, app_id)}
    assert (views["旧库里的意见"].name, views["旧库里的意见"].phone) == ("李*", OTHER_MASKED)
    assert (views["升级前的意见"].name, views["升级前的意见"].phone) == (NAME_MASKED, MASKED)
    found = contacts.find_by_phone(session, "13700001111", actor=b.user(session, "clerk"),
                                   now=NOW)
    assert [m.comment.id for m in found] == [seeded]
    session.rollback()
    session.close()

    # a downgrade under another key changes nothing
    with pytest.raises(pii.UnreadableCiphertext):
        migrate.downgrade(engine, "0005", attributes={"pii_keys": pii.keyring_from_text(KEY_B)})
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert {r["body"]: r for r in raw_comments(engine)} == rows

    # run outside the app (plain migrate.upgrade), the key is found as the app finds it
    migrate.downgrade(engine, "0005", attributes={"pii_keys": keys})
    assert {r["phone"] for r in raw_comments(engine)} == {PHONE, "+86 137 0000 1111"}
    monkeypatch.delenv("PLACENAMES_PII_KEY", raising=False)
    monkeypatch.setenv("PLACENAMES_INSTANCE_PATH", cli_env["PLACENAMES_INSTANCE_PATH"])
    migrate.upgrade(engine)
    again = raw_comments(engine)
    assert all(r["phone_enc"].startswith(f"pn1:{keys.current.key_id}:") for r in again)
    assert {r["phone_index"] for r in again} == {r["phone_index"] for r in rows.values()}
    assert {v.phone for v in contacts.comments_of(session, app_id)} == {MASKED, OTHER_MASKED}

