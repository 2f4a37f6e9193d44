"""Generated files in an S3-compatible object store (moto's server as the stand-in that speaks
the S3 protocol over HTTP, with boto3 as the client, on both database backends): a plate
batch drawn by its job is stored in the bucket, not in the instance folder, and staff download
it through a signed URL that a plain HTTP client can fetch; the instance folder refuses keys
outside it."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import plate_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest
import redis_server  # free_port

from placenames.errors import BadInput
from placenames.jobs.handlers import batch_keys
from placenames.ops.plates import batches as plate_ops
from placenames.storage import FolderStorage, S3Storage, storage_for


@pytest.fixture
def s3(monkeypatch):
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "placenames-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "placenames-test-secret")
    port = redis_server.free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(
        Bucket="placenames")
    try:
        yield endpoint
    finally:
        server.stop()


def test_a_batch_is_stored_in_the_bucket_and_downloaded_through_a_signed_url(
        app, client, session, s3, tmp_path):
    app.config["WTF_CSRF_ENABLED"] = False
    store = storage_for({"STORAGE_URL": f"s3://placenames/xixian?endpoint={s3}"},
                        app.instance_path)
    assert isinstance(store, S3Storage)
    app.extensions["placenames.storage"] = store
    j, built = b.registry(session, per_road=3, roads=("建章路",))
    clerk = b.clerk(session)
    batch = plate_ops.create_batch(session, plate_ops.make_selection("road", "建章路"),
                                   size="small", sheet="A4", actor_id=clerk.id, now=b.NOW)
    session.commit()
    batch_id = batch.id
    b.login(client, clerk)
    session.rollback()
    assert client.post(f"/staff/plates/batches/{batch_id}/render").status_code == 302
    pdf_key, manifest_key = batch_keys(batch_id)
    keys = {o["Key"] for o in store.client.list_objects_v2(Bucket="placenames")["Contents"]}
    assert keys == {f"xixian/{pdf_key}", f"xixian/{manifest_key}"}
    assert not (Path(app.instance_path) / "batches").exists()  # nothing kept on this machine
    assert client.get(f"/staff/plates/batches/{batch_id}/progress").get_json()["ready"]
    answer = client.get(f"/staff/plates/batches/{batch_id}/pdf")
    assert answer.status_code == 302
    signed = answer.headers["Location"]
    assert signed.startswith(s3) and "Signature=" in signed
    with urllib.request.urlopen(signed, timeout=10) as r:  # what the browser does
        body = r.read()
        assert "attachment" in r.headers["Content-Disposition"]
    assert body.startswith(b"%PDF") and body == store.read(pdf_key)
    manifest = client.get(f"/staff/plates/batches/{batch_id}/manifest.csv")
    with urllib.request.urlopen(manifest.headers["Location"], timeout=10) as r:
        assert r.read().decode("utf-8").count("\n") == 4  # header and three plates
    ready = client.get("/readyz").get_json()["checks"]["storage"]
    assert ready["ok"] and ready["kind"] == "s3" and ready["bucket"] == "placenames"
    app.extensions["placenames.storage"] = storage_for(
        {"STORAGE_URL": f"s3://no-such-bucket?endpoint={s3}"}, app.instance_path)
    missing = client.get("/readyz")
    assert missing.status_code == 503 and not missing.get_json()["checks"]["storage"]["ok"]
    app.extensions["placenames.storage"] = store
    client.post("/logout")
    with client.session_transaction() as s:
        s.clear()
    assert client.get(f"/staff/plates/batches/{batch_id}/pdf").status_code in (302, 401)
    assert "Signature=" not in client.get(
        f"/staff/plates/batches/{batch_id}/pdf").headers.get("Location", "")


def test_the_instance_folder_keeps_keys_inside_it_and_bad_urls_are_refused(tmp_path):
    store = FolderStorage(tmp_path)
    with pytest.raises(BadInput):
        store.exists("../etc/passwd")
    source = tmp_path / "x.pdf"
    source.write_bytes(b"%PDF-1.4")
    store.put_file("batches/x.pdf", source)
    assert store.read("batches/x.pdf") == b"%PDF-1.4" and not source.exists()
    assert store.signed_url("batches/x.pdf", "x.pdf", "application/pdf") is None
    for bad in ("http://bucket/x", "s3:///nobucket"):
        with pytest.raises(BadInput):
            storage_for({"STORAGE_URL": bad}, str(tmp_path))


def test_an_import_is_kept_checked_and_imported_from_the_bucket(app, client, session, s3,
                                                                tmp_path):
    """A staff upload goes to the bucket with its manifest (nothing in the instance folder);
    its check and its import read it from there; the upload page lists it from the bucket."""
    from account_builders import csrf, sign_in
    from import_builders import NAME_HEADER, NEW_NAMES, counts, xlsx

    from placenames.ops.demo import loader as demo

    store = storage_for({"STORAGE_URL": f"s3://placenames/xixian?endpoint={s3}"},
                        app.instance_path)
    app.extensions["placenames.storage"] = store
    demo.load(session)
    session.commit()
    before = counts(session)
    session.close()
    sign_in(app, client, "clerk")
    path = xlsx(tmp_path / "新地名.xlsx", NAME_HEADER, NEW_NAMES)
    token = csrf(client.get("/staff/imports").get_data(True))
    r = client.post("/staff/imports", content_type="multipart/form-data",
                    data={"csrf_token": token, "kind": "names",
                          "file": (path.open("rb"), path.name)})
    location = r.headers["Location"]
    sha = location.rsplit("/", 1)[1]
    keys = {o["Key"] for o in store.client.list_objects_v2(
        Bucket="placenames", Prefix="xixian/imports/")["Contents"]}
    assert keys == {f"xixian/imports/{sha}.xlsx", f"xixian/imports/{sha}.manifest.json"}
    assert store.read(f"imports/{sha}.xlsx") == path.read_bytes()
    assert not (Path(app.instance_path) / "imports").exists()
    page = client.get(location).get_data(True)
    assert 'data-count="new">4<' in page and 'id="confirm-button"' in page
    assert client.post(f"{location}/confirm", data={"csrf_token": token}).status_code == 303
    assert 'data-imported="yes"' in client.get(location).get_data(True)
    session.expire_all()
    assert counts(session)["places"] == before["places"] + 4
    session.rollback()
    listed = client.get("/staff/imports").get_data(True)
    assert f"/staff/imports/{sha}" in listed and "新地名.xlsx" in listed


def test_open_data_is_published_to_the_bucket_and_downloaded_through_signed_urls(
        app, client, session, s3, cli_env):
    """With an object store every instance sees one release: the staff page's publish and
    the command's both put the files in the bucket; the public page lists them from there and
    a download is a redirect to a signed URL whose bytes have the manifest's hash; a release
    older than the previous one is deleted."""
    import hashlib
    import json

    from account_builders import csrf, sign_in
    from cli_builders import run_cli

    from placenames.ops.demo import loader as demo
    from placenames.ops.exchange import published

    url = f"s3://placenames/xixian?endpoint={s3}"
    store = storage_for({"STORAGE_URL": url}, app.instance_path)
    app.extensions["placenames.storage"] = store
    demo.load(session)
    session.commit()
    session.close()
    sign_in(app, client, "clerk")
    token = csrf(client.get("/staff/open-data").get_data(True))
    assert client.post("/staff/open-data", data={"csrf_token": token}).status_code == 303
    first, manifest = published.current(store)
    assert not (Path(app.instance_path) / "open-data").exists()
    page = client.get("/open-data").get_data(True)
    assert page.count('data-file="') == len(manifest.files) == 7
    entry = manifest.file("names.csv")
    answer = client.get("/open-data/files/names.csv")
    assert answer.status_code == 302 and "Signature=" in answer.headers["Location"]
    with urllib.request.urlopen(answer.headers["Location"], timeout=10) as r:
        body = r.read()
    assert hashlib.sha256(body).hexdigest() == entry.sha256 and len(body) == entry.bytes
    listed = client.get("/open-data/manifest.json")
    assert json.loads(listed.data)["generated_at"] == manifest.generated_at
    env = {**cli_env, "PLACENAMES_STORAGE_URL": url}
    for _ in range(2):  # the command publishes to the same bucket; two more releases
        done = run_cli(env, "export", "--publish", "--format", "csv")
        assert done.returncode == 0, done.stderr
        assert "published to the object store" in done.stdout
    latest, manifest = published.current(store)
    assert [f.name for f in manifest.files] == ["names.csv", "addresses.csv"]
    releases = {key.split("/")[1] for key, _ in store.listing(published.PREFIX)
                if key.count("/") == 2}
    assert first not in releases and latest in releases and len(releases) == 2
    assert client.get("/open-data").get_data(True).count('data-file="') == 2


def test_uploaded_photos_go_to_the_bucket_and_are_served_from_it(app, client, session, s3):
    """A sign's photo uploaded by a clerk is kept in the bucket under signs/, not in the
    instance folder, and the staff page shows it from there."""
    import io
    import re

    from PIL import Image

    from placenames.ops.signs import register

    store = storage_for({"STORAGE_URL": f"s3://placenames/xixian?endpoint={s3}"},
                        app.instance_path)
    app.extensions["placenames.storage"] = store
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["CLOCK"] = lambda: b.NOW
    _j, built = b.registry(session, per_road=1, roads=("建章路",))
    road = session.get(register.Place, built["建章路"][0].id)
    sign = register.add(session, road, register.NewSign(108.836, 34.26), unit=None, actor=None,
                        now=b.NOW, today=b.NOW.date())
    session.commit()
    sid = sign.sign_id
    b.signed_in_clerk(app, client, session)
    session.commit()
    raw = io.BytesIO()
    Image.new("RGB", (40, 30), (0, 51, 160)).save(raw, "JPEG")
    ok = client.post(f"/staff/signs/{sid}/photos", content_type="multipart/form-data",
                     data={"caption": "装好了", "photo": (io.BytesIO(raw.getvalue()), "a.jpg")})
    assert ok.status_code == 302
    keys = [o["Key"] for o in store.client.list_objects_v2(
        Bucket="placenames", Prefix=f"xixian/signs/{sid}/").get("Contents", [])]
    assert len(keys) == 1
    assert not (Path(app.instance_path) / "signs").exists()
    page = client.get(f"/staff/signs/{sid}").get_data(True)
    got = client.get(re.search(r'src="(/staff/signs/photos/[^"]+)"', page).group(1))
    assert got.status_code == 200 and Image.open(io.BytesIO(got.data)).size == (40, 30)
    assert got.data == store.read(keys[0].removeprefix("xixian/"))
