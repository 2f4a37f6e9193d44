"""WGS84/CGCS2000 ↔ GCJ-02 ↔ BD-09 conversions checked against pairs published by other libraries.

Every expected value below is copied from another project's published tests or README, never
produced by running ``placenames.maps.coords``. Coordinates are written (lon, lat) here even
where the source writes (lat, lon).
"""

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from placenames.maps.coords import (
    amap_navigation_url,
    baidu_navigation_url,
    bd09_to_gcj02,
    bd09_to_wgs84,
    cgcs2000_to_bd09,
    cgcs2000_to_gcj02,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    validate_lonlat,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

Pair = tuple[tuple[float, float], tuple[float, float]]

# WGS84 -> GCJ-02, published to full double precision (their own tests assert 5-6 decimals).
WGS84_TO_GCJ02: list[Pair] = [
    # wandergis/coordtransform, README.md ("wgs84togcj02"); the same pair is asserted exactly
    # in wyxloading/coordtransform-rs, tests/tests.rs (test_wgs84_to_gcj02).
    ((116.404, 39.915), (116.41024449916938, 39.91640428150164)),
    # googollee/eviltransform, python/test.py, TESTS "shanghai" (source order: lat, lng).
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    # googollee/eviltransform, python/test.py, TESTS "shenzhen".
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    # googollee/eviltransform, python/test.py, TESTS "beijing".
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    # hujiulong/gcoord, test/unit/crs/WGS84.spec.ts at commit 42ea29d ("WGS84 to GCJ02").
    ((123.0, 45.0), (123.00607541, 45.00197815)),
]

# GCJ-02 -> BD-09.
GCJ02_TO_BD09: list[Pair] = [
    # wandergis/coordtransform, README.md ("gcj02tobd09"); also wyxloading/coordtransform-rs,
    # tests/tests.rs (test_gcj02_to_bd09).
    ((116.404, 39.915), (116.41036949371029, 39.92133699351021)),
    # hujiulong/gcoord, test/unit/crs/GCJ02.spec.ts at commit 42ea29d ("GCJ02 to BD09").
    ((123.0, 45.0), (123.00636499, 45.00636899)),
    # hujiulong/gcoord, test/fixtures/china-cities.json, 西安市 (未央区); gcoord asserts its
    # GCJ02 -> BD09 fixture pairs to 6 decimals (test/unit/crs/GCJ02.spec.ts).
    ((108.9397792, 34.3415801), (108.946246, 34.3477457)),
    # hujiulong/gcoord, test/fixtures/china-cities.json, 咸阳市 (秦都区).
    ((108.7089974, 34.3296094), (108.7154202, 34.3358858)),
    # hujiulong/gcoord, test/fixtures/china-cities.json, 铜川市 (耀州区).
    ((108.9452414, 34.8967592), (108.9516486, 34.9029875)),
]

# BD-09 -> GCJ-02: wandergis/coordtransform, README.md ("bd09togcj02"); also
# wyxloading/coordtransform-rs, tests/tests.rs (test_bd09_to_gcj02).
BD09_TO_GCJ02: Pair = ((116.404, 39.915), (116.39762729119315, 39.90865673957631))

# WGS84 -> BD-09: wyxloading/coordtransform-rs, tests/tests.rs (test_wgs84_to_bd09).
WGS84_TO_BD09: Pair = ((116.404, 39.915), (116.41662724378733, 39.922699552216216))

# hujiulong/gcoord, test/fixtures/china-cities.json: WGS84 -> GCJ-02 for the home region. gcoord
# asserts these fixture pairs only to 4 decimals (test/unit/crs/WGS84.spec.ts), so they are
# checked at that published precision, not at 1e-6.
GCOORD_CITY_WGS84_TO_GCJ02: list[Pair] = [
    ((108.9351301, 34.3431382), (108.9397792, 34.3415801)),  # 西安市
    ((108.7043292, 34.3310535), (108.7089974, 34.3296094)),  # 咸阳市
    ((108.9405327, 34.8978469), (108.9452414, 34.8967592)),  # 铜川市
]

TOL = 1e-6
GCOORD_4_DECIMALS = 5e-5  # Jest toBeCloseTo(x, 4): |diff| < 0.5e-4

Converter = Callable[[float, float], tuple[float, float]]

CONVERTERS: list[Converter] = [
    wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09,
    bd09_to_wgs84, cgcs2000_to_gcj02, cgcs2000_to_bd09,
]  # fmt: skip


def close(got: tuple[float, float], want: tuple[float, float], tol: float = TOL) -> bool:
    return abs(got[0] - want[0]) <= tol and abs(got[1] - want[1]) <= tol


@pytest.mark.parametrize(("wgs", "gcj"), WGS84_TO_GCJ02)
def test_wgs84_to_gcj02_published(wgs: tuple[float, float], gcj: tuple[float, float]) -> None:
    got = wgs84_to_gcj02(*wgs)
    assert close(got, gcj), (got, gcj)
    assert close(cgcs2000_to_gcj02(*wgs), gcj)


@pytest.mark.parametrize(("wgs", "gcj"), WGS84_TO_GCJ02)
def test_gcj02_to_wgs84_recovers_published_source(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    got = gcj02_to_wgs84(*gcj)
    assert close(got, wgs), (got, wgs)


@pytest.mark.parametrize(("gcj", "bd"), GCJ02_TO_BD09)
def test_gcj02_to_bd09_published(gcj: tuple[float, float], bd: tuple[float, float]) -> None:
    got = gcj02_to_bd09(*gcj)
    assert close(got, bd), (got, bd)


def test_bd09_to_gcj02_published() -> None:
    bd, gcj = BD09_TO_GCJ02
    got = bd09_to_gcj02(*bd)
    assert close(got, gcj), (got, gcj)


def test_wgs84_to_bd09_published() -> None:
    wgs, bd = WGS84_TO_BD09
    assert close(wgs84_to_bd09(*wgs), bd)
    assert close(cgcs2000_to_bd09(*wgs), bd)
    # BD-09 -> GCJ-02 is an approximate inverse (about 1e-6 deg), so allow a decimetre or two.
    assert close(bd09_to_wgs84(*bd), wgs, tol=5e-6)


@pytest.mark.parametrize(("wgs", "gcj"), GCOORD_CITY_WGS84_TO_GCJ02)
def test_home_region_cities_at_gcoord_precision(
    wgs: tuple[float, float], gcj: tuple[float, float]
) -> None:
    assert close(wgs84_to_gcj02(*wgs), gcj, tol=GCOORD_4_DECIMALS)


# Xi'an / Xianyang, where the register's points live.
home_lon = st.floats(min_value=108.7, max_value=109.0)
home_lat = st.floats(min_value=34.2, max_value=34.4)


@settings(max_examples=200)
@given(lon=home_lon, lat=home_lat)
def test_gcj02_round_trip_home_region(lon: float, lat: float) -> None:
    gcj = wgs84_to_gcj02(lon, lat)
    # The offset here is hundreds of metres: the forward transform really moved the point.
    assert abs(gcj[0] - lon) > 1e-3 or abs(gcj[1] - lat) > 1e-3
    assert close(gcj02_to_wgs84(*gcj), (lon, lat), tol=1e-7)


@settings(max_examples=100)
@given(lon=home_lon, lat=home_lat)
def test_bd09_round_trip_home_region(lon: float, lat: float) -> None:
    assert close(bd09_to_wgs84(*wgs84_to_bd09(lon, lat)), (lon, lat), tol=5e-6)


@pytest.mark.parametrize(
    ("lon", "lat"),
    [
        (-0.1276, 51.5072),  # London
        (-74.006, 40.7128),  # New York
        (139.6917, 35.6895),  # Tokyo: east of the box (lon > 137.8347)
        (151.2093, -33.8688),  # Sydney
        (37.6173, 55.9),  # north of the box
        (180.0, 90.0),
        (-180.0, -90.0),
    ],
)
def test_outside_china_unchanged(lon: float, lat: float) -> None:
    assert out_of_china(lon, lat)
    assert wgs84_to_gcj02(lon, lat) == (lon, lat)
    assert gcj02_to_wgs84(lon, lat) == (lon, lat)
    assert cgcs2000_to_gcj02(lon, lat) == (lon, lat)


def test_box_edges() -> None:
    assert not out_of_china(108.94, 34.26)
    assert not out_of_china(72.004, 0.8293) and not out_of_china(137.8347, 55.8271)
    assert out_of_china(72.0039, 30.0) and out_of_china(137.8348, 30.0)
    assert out_of_china(100.0, 0.8292) and out_of_china(100.0, 55.8272)


BAD_INPUTS = [
    (float("nan"), 34.0, "finite"),
    (108.9, float("nan"), "finite"),
    (float("inf"), 34.0, "finite"),
    (108.9, float("-inf"), "finite"),
    (180.000001, 34.0, "longitude"),
    (-181.0, 34.0, "longitude"),
    (108.9, 90.5, "latitude"),
    (108.9, -91.0, "latitude"),
]


@pytest.mark.parametrize("convert", CONVERTERS, ids=lambda f: f.__name__)
@pytest.mark.parametrize(("lon", "lat", "word"), BAD_INPUTS)
def test_bad_input_raises(convert: Converter, lon: float, lat: float, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        convert(lon, lat)


@pytest.mark.parametrize(("lon", "lat", "word"), BAD_INPUTS)
def test_bad_input_raises_for_urls(lon: float, lat: float, word: str) -> None:
    with pytest.raises(ValueError, match=word):
        validate_lonlat(lon, lat)
    with pytest.raises(ValueError, match=word):
        amap_navigation_url(lon, lat, "x")
    with pytest.raises(ValueError, match=word):
        baidu_navigation_url(lon, lat, "x")


# UTF-8 percent-encoding of the name, spaces, "&" and "/" included.
NAME = "钟楼 & 鼓楼/1号"
QUOTED = "%E9%92%9F%E6%A5%BC%20%26%20%E9%BC%93%E6%A5%BC%2F1%E5%8F%B7"


def test_amap_url_uses_gcj02_lon_first() -> None:
    # Published GCJ-02 for (116.404, 39.915): (116.41024449916938, 39.91640428150164).
    url = amap_navigation_url(116.404, 39.915, NAME)
    assert url == (
        "https://uri.amap.com/marker?position=116.410244,39.916404"
        f"&name={QUOTED}&coordinate=gaode&callnative=1"
    )


def test_baidu_url_uses_bd09_lat_first() -> None:
    # Published BD-09 for (116.404, 39.915): (116.41662724378733, 39.922699552216216).
    url = baidu_navigation_url(116.404, 39.915, NAME)
    assert url == (
        "https://api.map.baidu.com/marker?location=39.922700,116.416627"
        f"&title={QUOTED}&content={QUOTED}&output=html&coord_type=bd09ll&src=placenames"
    )


def test_urls_home_region() -> None:
    lon, lat = 108.9471, 34.2610  # Bell Tower, Xi'an (CGCS2000)
    glon, glat = wgs84_to_gcj02(lon, lat)
    blon, blat = wgs84_to_bd09(lon, lat)
    amap = amap_navigation_url(lon, lat, "钟楼")
    baidu = baidu_navigation_url(lon, lat, "钟楼")
    assert amap.startswith("https://") and baidu.startswith("https://")
    assert f"position={glon:.6f},{glat:.6f}&" in amap
    assert f"location={blat:.6f},{blon:.6f}&" in baidu
    assert "name=%E9%92%9F%E6%A5%BC&" in amap
    assert "title=%E9%92%9F%E6%A5%BC&content=%E9%92%9F%E6%A5%BC&" in baidu
    # Converted, not raw: the raw coordinates do not appear.
    assert f"{lon:.6f}" not in amap and f"{lat:.6f}" not in baidu
