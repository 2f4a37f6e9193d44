"""The public gazetteer on both backends: anyone downloads today's edition of the New Area or a
new city; an edition is made once and kept, and a change of a name makes a new one; an unknown
area is a 404 with a message."""

import subprocess

from sqlalchemy import select

from placenames.models import Place, PlaceStatus
from placenames.ops.demo import loader as demo


def test_anyone_downloads_todays_edition_made_once_and_anew_after_a_change(app, client,
                                                                          session, tmp_path):
    app.instance_path = str(tmp_path)
    demo.load(session)
    session.commit()
    session.close()
    page = client.get("/gazetteer?lang=zh")
    assert page.status_code == 200 and "/gazetteer/xixian-fengdong.pdf" in page.get_data(True)
    first = client.get("/gazetteer/xixian-fengdong.pdf")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    (path,) = (tmp_path / "gazetteer-cache").glob("xixian-fengdong-*.pdf")
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
    (newer,) = (tmp_path / "gazetteer-cache").glob("xixian-fengdong-*.pdf")
    assert newer != path  # the old edition's file is gone
    missing = client.get("/gazetteer/nowhere.pdf?lang=en")
    assert missing.status_code == 404 and "nowhere" in missing.get_data(True)
