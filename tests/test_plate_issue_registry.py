"""The plate tests' registry builder makes what they rely on."""

import plate_builders as b
from sqlalchemy import func, select

from placenames.models import Address, User


def test_registry_builder_makes_numbered_addresses_on_demo_roads(session):
    j, built = b.registry(session, per_road=6)
    session.commit()
    place, addrs = built["建章路"]
    assert [a.number for a in addrs] == [1, 2, 3, 4, 5, 6]
    assert addrs[0].full_text.startswith("陕西省西咸新区沣东新城建章路街道建章路")
    assert session.scalar(select(func.count()).select_from(Address)) == 12
    assert session.scalar(select(func.count()).select_from(User)) == 0
