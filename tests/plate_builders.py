"""Builders for the plate and numbering tests: a small New Area registry on demo geometry.

The ``test_plate_issue_*`` modules import it as ``plate_builders`` (tests/ is on sys.path).
"""

from datetime import UTC, datetime

from placenames.models import Jurisdiction, Level, ManagementMembership
from placenames.ops.accounts.users import ensure_user
from placenames.ops.addresses import AddressInput, create_address
from placenames.ops.demo import data as demo_data
from placenames.ops.demo.loader import demo_entrances
from placenames.ops.registry.places import PlaceInput, create_place

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
ROADS = {name: (cls, township, line, meaning)
         for name, cls, township, line, _w, meaning in demo_data.ROADS}



def frame(session):
    """Province → city → county → townships, a community, and 西咸新区 › 沣东新城 managing them."""
    def add(code, name, level, parent=None):
        j = Jurisdiction(code=code, name=name, level=level, parent=parent, source="test")
        session.add(j)
        return j

    sx = add("61", "陕西省", Level.PROVINCE)
    xa = add("6101", "西安市", Level.CITY, sx)
    wy = add("610112", "未央区", Level.COUNTY, xa)
    jz = add("610112012", "建章路街道", Level.TOWNSHIP, wy)
    sq = add("610112002", "三桥街道", Level.TOWNSHIP, wy)
    community = add("610112012001", "建章社区", Level.VILLAGE, jz)
    area = add("xixian", "西咸新区", Level.MANAGEMENT, sx)
    fd = add("xixian-fengdong", "沣东新城", Level.MANAGEMENT, area)
    session.flush()
    for manager in (fd, area):
        for township in (jz, sq):
            session.add(ManagementMembership(area_id=manager.id, member_id=township.id))
    session.flush()
    return {"township": jz, "sanqiao": sq, "community": community, "area": area, "fengdong": fd}


def road(session, jurisdictions, name="建章路"):
    """A road of the demo with its geometry and meaning."""
    cls, township, line, meaning = ROADS[name]
    j = jurisdictions["township"] if township.endswith("012") else jurisdictions["sanqiao"]
    wkt = "LINESTRING(" + ", ".join(f"{x} {y}" for x, y in line) + ")"
    return create_place(session, PlaceInput(name=name, cls=cls, jurisdiction=j, geom_wkt=wkt,
                                            meaning=meaning, history=f"{name}的来历"))


def addresses(session, place, count, *, jurisdiction=None, numbered=True):
    """``count`` addresses along ``place``, numbered 左单右双 from the start (or unnumbered:
    number 0 is not allowed by the model, so unnumbered ones get None)."""
    line = ROADS[place.name][2]
    out = []
    for e in demo_entrances(line, count):
        a = create_address(session, AddressInput(
            jurisdiction=jurisdiction or place.jurisdiction, road=place,
            number=e.number.number, lon=e.point[0], lat=e.point[1],
            road_point=e.road_point if numbered else None,
            side=e.side if numbered else None,
            distance_m=round(e.chainage_m, 1) if numbered else None))
        if not numbered:
            a.number = None
        out.append(a)
    session.flush()
    return out


def registry(session, per_road=12, roads=("建章路", "世纪大道")):
    """The frame, the roads and their addresses; returns (jurisdictions, {name: (road, [addr])})."""
    j = frame(session)
    built = {}
    for name in roads:
        place = road(session, j, name)
        built[name] = (place, addresses(session, place, per_road))
    return j, built


def clerk(session, username="clerk1", roles=("clerk",)):
    return ensure_user(session, username, "办事员", "pw-123456", list(roles))


def signed_in_clerk(app, client, session):
    """Sign a clerk in on ``client`` (CSRF off: the form posts are the subject, not CSRF)."""
    app.config["WTF_CSRF_ENABLED"] = False
    login(client, clerk(session))
    session.commit()


def login(client, user):
    """Sign ``user`` in on ``client`` with a real server-side session (written and committed
    through a session of its own, so ``user`` may be detached)."""
    from sqlalchemy.orm import object_session

    from placenames.ops.accounts import sessions

    own = object_session(user)
    if own is not None:
        own.commit()  # the user must be stored before a session can name it
    db_session = client.application.extensions["placenames.sessionmaker"]()
    try:
        token = sessions.open_session(db_session, user)
        db_session.commit()
    finally:
        db_session.close()
    with client.session_transaction() as sess:
        sess["_user_id"] = token
        sess["_fresh"] = True
