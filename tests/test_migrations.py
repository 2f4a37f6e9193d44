from sqlalchemy import inspect, text

from placenames import migrate, spatial


def test_upgrade_downgrade_upgrade_leaves_no_drift(engine):
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert migrate.drift(engine) == []
    migrate.downgrade(engine, "base")
    assert migrate.current_revision(engine) is None
    assert "places" not in inspect(engine).get_table_names()
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    assert migrate.drift(engine) == []


def _spatial_indexes(engine):
    with engine.connect() as conn:
        if spatial.backend_name(conn) == "postgis":
            rows = conn.execute(text(
                "SELECT tablename || '.' || substring(indexdef from '\\((\\w+)\\)') "
                "FROM pg_indexes "
                "WHERE indexdef LIKE '%USING gist%'"))
        else:
            rows = conn.execute(text(
                "SELECT f_table_name || '.' || f_geometry_column FROM geometry_columns "
                "WHERE spatial_index_enabled = 1"))
        return {r[0] for r in rows}


def test_spatial_columns_have_spatial_indexes_on_both_backends(engine):
    expected = {"places.geom", "addresses.entrance", "addresses.road_point",
                "jurisdictions.geom", "scopes.geom", "applications.geom"}
    assert expected <= _spatial_indexes(engine)


def test_geometry_is_stored_in_cgcs2000(engine):
    with engine.connect() as conn:
        if spatial.backend_name(conn) == "postgis":
            srid = conn.execute(text("SELECT Find_SRID('public', 'places', 'geom')")).scalar()
        else:
            srid = conn.execute(text(
                "SELECT srid FROM geometry_columns WHERE f_table_name = 'places'")).scalar()
    assert srid == 4490
