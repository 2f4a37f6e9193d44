"""The public gazetteer on both backends: anyone downloads today's edition of the New Area or a
new city; an edition is made once by a job and kept in the store, and a change of a name makes a
new one; while an edition is being made the download says so (202) and asks again; an unknown
area is a 404 with a message."""

import subprocess

from sqlalchemy import select

from placenames.models import Job, Place, PlaceStatus
from placenames.ops.demo import loader as demo


def test_anyone_downloads_todays_edition_made_once_and_anew_after_a_change(app, client,
                                                                          session, tmp_path):
    store = app.extensions["placenames.storage"]
    demo.load(session)
    session.commit()
    session.close()
    page = client.get("/gazetteer?lang=zh")
    assert page.status_code == 200 and "/gazetteer/xixian-fengdong.pdf" in page.get_data(True)
    first = client.get("/gazetteer/xixian-fengdong.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    (path,) = [k for k, _t in store.listing("gazetteer-public") if "xixian-fengdong-" in k]
    assert client.get("/gazetteer/xixian-fengdong.pdf").data == first.data  # the same file
    pdf = tmp_path / "g.pdf"
    pdf.write_bytes(first.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "世纪大道" in "".join(text.split())
    road = session.scalar(select(Place).where(Place.name == "红光大道",
                                              Place.status == PlaceStatus.IN_FORCE))
    road.meaning = "因红光村得名，沿用旧称。"
    session.commit()
    session.close()
    second = client.get("/gazetteer/xixian-fengdong.pdf")
    assert second.status_code == 200 and second.data != first.data
    pdf.write_bytes(second.data)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "因红光村得名" in "".join(text.split())
    (newer,) = [k for k, _t in store.listing("gazetteer-public") if "xixian-fengdong-" in k]
    assert newer != path  # the old edition's file is gone
    jobs = session.scalars(select(Job.message).where(Job.kind == "gazetteer_edition")).all()
    session.rollback()
    assert len(jobs) == 2  # one job an edition; the second download took the stored one
    missing = client.get("/gazetteer/nowhere.pdf?lang=en")
    assert missing.status_code == 404 and "nowhere" in missing.get_data(True)


def test_while_the_edition_is_made_the_download_says_so_and_asks_again(app, client, session):
    """With a real queue and no worker yet, the job waits: the answer is a page (202) that
    refreshes itself, and asking again does not queue a second job."""
    demo.load(session)
    session.commit()
    session.close()
    app.config["JOBS_QUEUE"] = "sqlite"
    app.extensions.pop("placenames.huey", None)
    for _ in range(2):
        waiting = client.get("/gazetteer/xixian-fengdong.pdf?lang=en")
        assert waiting.status_code == 202 and waiting.headers["Refresh"] == "3"
        assert "is being made" in waiting.get_data(True) and waiting.mimetype == "text/html"
    queued = session.scalars(select(Job).where(Job.kind == "gazetteer_edition")).all()
    assert len(queued) == 1 and queued[0].status == "queued"
