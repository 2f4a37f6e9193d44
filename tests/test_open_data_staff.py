"""The staff page that publishes open data as a job: a clerk publishes the register, the
public page lists the new release at once, the publish is in the audit log; a publish waiting
for a worker shows its job and can be stopped, the previous release staying published; other
roles cannot publish."""

from __future__ import annotations

import pytest
from account_builders import csrf, sign_in
from sqlalchemy import func, select

from placenames.jobs.handlers import OPEN_DATA
from placenames.models import AuditEvent, Job, Place, PlaceStatus
from placenames.ops.demo import loader as demo


@pytest.fixture
def clerk(demo_clerk):
    return demo_clerk


def _publish(client, **extra):
    token = csrf(client.get("/staff/open-data").get_data(True))
    return client.post("/staff/open-data", data={"csrf_token": token, **extra})


def _published_at(client):
    with client.get("/open-data/manifest.json") as r:
        return r.get_json()["generated_at"]


def test_a_clerk_publishes_and_the_public_page_lists_the_release(clerk, session):
    first = clerk.get("/staff/open-data").get_data(True)
    assert 'id="nothing-published"' in first and 'id="publish-button"' in first
    assert clerk.get("/open-data").get_data(True).count('data-file="') == 0
    in_force = session.scalar(select(func.count()).select_from(Place)
                              .where(Place.status == PlaceStatus.IN_FORCE))
    session.rollback()
    r = _publish(clerk)
    assert r.status_code == 303 and r.headers["Location"].endswith("/staff/open-data")
    page = clerk.get("/staff/open-data").get_data(True)
    assert 'id="release-files"' in page and "names.csv" in page
    assert f"<td data-label=\"记录数\">{in_force:,}</td>" in page or f">{in_force:,}<" in page
    public = clerk.get("/open-data").get_data(True)
    assert public.count('data-file="') == 7 and 'data-file="names.gpkg"' not in public
    with clerk.get("/open-data/files/names.csv") as names:
        assert names.status_code == 200
        assert names.data.decode("utf-8-sig").count("\n") == in_force + 1
    job = session.scalar(select(Job).where(Job.kind == OPEN_DATA))
    assert job.status == "done" and job.message.startswith("已发布 7 个文件 / 7 files published")
    event = session.scalar(select(AuditEvent).where(AuditEvent.action == "publish_open_data"))
    assert event is not None and event.actor_id == job.created_by_id and "names.csv" in event.note
    session.rollback()
    audit_page = clerk.get("/staff/open-data?lang=en").get_data(True)
    assert 'data-status="done"' in audit_page and "Latest publishes" in audit_page


def test_a_queued_publish_shows_its_job_and_stopping_it_keeps_the_release(clerk, app,
                                                                         session):
    _publish(clerk)  # the first release, made at once (the tests' queue runs jobs in place)
    before = _published_at(clerk)
    app.config["JOBS_QUEUE"] = "sqlite"
    app.extensions.pop("placenames.huey", None)  # the queue is built again from the setting
    _publish(clerk, historical="1")
    page = clerk.get("/staff/open-data").get_data(True)
    assert 'id="job" data-status="queued"' in page and 'id="cancel-publish"' in page
    assert 'http-equiv="refresh"' in page and 'id="publish-button"' not in page
    token = csrf(page)
    assert clerk.post("/staff/open-data/cancel", data={"csrf_token": token}).status_code == 303
    queued = session.scalar(select(Job).where(Job.kind == OPEN_DATA, Job.status == "queued"))
    assert queued.cancel_requested and "historical" in queued.params
    session.rollback()
    assert _published_at(clerk) == before


def test_only_clerks_publish(app, client, session):
    demo.load(session)
    session.commit()
    session.close()
    assert client.get("/staff/open-data").status_code == 302  # to the sign-in page
    sign_in(app, client, "expert")
    assert client.get("/staff/open-data").status_code == 403
    token = csrf(client.get("/open-data").get_data(True))
    assert client.post("/staff/open-data", data={"csrf_token": token}).status_code == 403
    assert session.scalar(select(func.count()).select_from(Job)) == 0
