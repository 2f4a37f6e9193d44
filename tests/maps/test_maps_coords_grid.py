"""GCJ-02/BD-09 round trips over a grid of China and their size in Xi'an (moved from the
addressing tests when the conversions moved to placenames.maps.coords)."""

import itertools

import pytest

from placenames.addressing.geometry import haversine_m
from placenames.maps.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    out_of_china,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

XIAN_BELL_TOWER = (108.9423, 34.2610)
CHINA_GRID = [
    (lon, lat)
    for lon, lat in itertools.product(range(75, 135, 6), range(20, 54, 4))
    if not out_of_china(lon, lat)
] + [XIAN_BELL_TOWER, (108.72, 34.33), (116.397, 39.909)]
OUTSIDE = [(139.69, 35.69), (-0.1276, 51.5072), (151.2, -33.87), (60.0, 40.0)]


@pytest.mark.parametrize("point", CHINA_GRID)
def test_gcj02_round_trip_within_1m(point):
    back = gcj02_to_wgs84(*wgs84_to_gcj02(*point))
    assert haversine_m(point, back) < 1.0


@pytest.mark.parametrize("point", CHINA_GRID)
def test_bd09_round_trip_within_1m(point):
    assert haversine_m(point, bd09_to_wgs84(*wgs84_to_bd09(*point))) < 1.0
    gcj = wgs84_to_gcj02(*point)
    assert haversine_m(gcj, bd09_to_gcj02(*gcj02_to_bd09(*gcj))) < 1.0


def test_gcj02_offset_in_xian_is_hundreds_of_metres():
    shift = haversine_m(XIAN_BELL_TOWER, wgs84_to_gcj02(*XIAN_BELL_TOWER))
    assert 100 < shift < 800


def test_bd09_is_further_offset_from_gcj02():
    gcj = wgs84_to_gcj02(*XIAN_BELL_TOWER)
    assert 300 < haversine_m(gcj, gcj02_to_bd09(*gcj)) < 1500


@pytest.mark.parametrize("point", OUTSIDE)
def test_points_outside_china_unchanged(point):
    assert out_of_china(*point)
    assert wgs84_to_gcj02(*point) == point
    assert gcj02_to_wgs84(*point) == point
