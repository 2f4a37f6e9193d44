import json
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from placenames.models import HistoryRow, Place


def _place(**kw):
    fields = {"name": "建章路", "specific": "建章", "generic": "路", "cls": "road",
              "status": "in_force"}
    fields.update(kw)
    return Place(**fields)


def test_every_change_to_a_place_writes_a_history_row_in_the_same_transaction(session):
    place = _place(geom="SRID=4490;LINESTRING(108.83 34.25, 108.83 34.30)")
    session.add(place)
    session.commit()
    place.meaning = "因汉建章宫得名"
    session.commit()
    rows = session.scalars(select(HistoryRow).where(HistoryRow.entity_id == place.id)
                           .order_by(HistoryRow.version)).all()
    assert [(r.action, r.version) for r in rows] == [("create", 1), ("update", 2)]
    assert json.loads(rows[1].snapshot)["meaning"] == "因汉建章宫得名"
    # a rolled-back change leaves neither the change nor its history
    place.meaning = "临时"
    session.flush()
    session.rollback()
    assert session.scalar(select(func.count()).select_from(HistoryRow)) == 2


def test_ids_are_uuids_and_versions_lock_optimistically(app, session):
    place = _place()
    session.add(place)
    session.commit()
    assert isinstance(place.id, uuid.UUID) and place.version == 1
    other = app.extensions["placenames.sessionmaker"]()
    stale = other.get(Place, place.id)
    other.commit()  # a form was rendered from version 1; its transaction is over
    place.meaning = "first writer"
    session.commit()
    stale.meaning = "second writer"
    with pytest.raises(StaleDataError):
        other.commit()
    other.rollback()
    other.close()
    assert session.get(Place, place.id).meaning == "first writer"
