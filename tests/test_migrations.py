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


def test_0012_fills_the_keys_of_the_divisions_stored_before_it(engine):
    import uuid

    from placenames.models.name_keys import jurisdiction_derived

    migrate.downgrade(engine, "0011")
    rows = [("61", "陕西省", "province"), ("610102", "新城区", "county"),
            ("610102007", "太华路街道", "township"), ("1101", "市辖区", "city")]
    with engine.begin() as conn:
        for code, name, level in rows:
            conn.execute(text("INSERT INTO jurisdictions (id, version, created_at, updated_at, "
                              "code, name, level, status) VALUES (:id, 1, CURRENT_TIMESTAMP, "
                              "CURRENT_TIMESTAMP, :code, :name, :level, 'active')"),
                         {"id": uuid.uuid4().hex if engine.dialect.name == "sqlite"
                          else str(uuid.uuid4()), "code": code, "name": name, "level": level})
    migrate.upgrade(engine)
    with engine.connect() as conn:
        stored = {r.code: r for r in conn.execute(text(
            "SELECT code, name, level, specific, generic, romanization, key_pinyin, "
            "key_specific_pinyin, key_fuzzy, key_specific, key_initials, key_core "
            "FROM jurisdictions"))}
    for code, name, level in rows:
        want = jurisdiction_derived(name, level, None)
        assert {k: getattr(stored[code], k) for k in want} == want, code
    assert stored["610102007"].key_specific == "太华路"
    assert stored["1101"].key_specific is None  # a statistical grouping: no name, no keys
