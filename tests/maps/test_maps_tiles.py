"""Tile geometry and layer rules (pure)."""

import math
import uuid

import pytest

from placenames.maps.layers import (
    classes_at,
    feature_id,
    levels_at,
    number_label,
    status_group,
)
from placenames.maps.tiles import (
    HALF_WORLD_M,
    Tile,
    TileError,
    lonlat_to_mercator,
    mercator_to_lonlat,
    tile_for,
)


def test_zoom_zero_is_the_whole_mercator_square():
    assert Tile.parse(0, 0, 0).bounds_m() == pytest.approx(
        (-HALF_WORLD_M, -HALF_WORLD_M, HALF_WORLD_M, HALF_WORLD_M))


@pytest.mark.parametrize("zxy", [(-1, 0, 0), (23, 0, 0), (3, 8, 0), (3, 0, 8), (2, -1, 0)])
def test_out_of_range_tiles_are_refused(zxy):
    with pytest.raises(TileError):
        Tile.parse(*zxy)


def _slippy(lon, lat, z):
    """The OpenStreetMap wiki's slippy-map tile formula, written independently of the code."""
    n = 2**z
    lat_r = math.radians(lat)
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(lat_r)) / math.pi) / 2 * n)


@pytest.mark.parametrize("z", [0, 5, 12, 16, 22])
def test_tile_for_xian_matches_the_xyz_scheme(z):
    t = tile_for(108.9423, 34.2610, z)  # the Bell Tower of Xi'an
    assert (t.x, t.y) == _slippy(108.9423, 34.2610, z)
    west, south, east, north = t.bounds_lonlat()
    assert west <= 108.9423 <= east and south <= 34.2610 <= north


def test_buffered_bounds_grow_by_buffer_units():
    t = Tile.parse(14, 13145, 6529)
    plain = t.bounds_m()
    grown = t.bounds_m(64)
    pad = t.width_m() * 64 / 4096
    assert grown[0] == pytest.approx(plain[0] - pad) and grown[3] == pytest.approx(plain[3] + pad)


def test_mercator_round_trip():
    x, y = lonlat_to_mercator(108.8, 34.3)
    assert mercator_to_lonlat(x, y) == pytest.approx((108.8, 34.3))


def test_feature_id_is_the_top_52_bits_and_fits_javascript_numbers():
    u = uuid.UUID("493d8bac-abbd-4a22-bca2-56cb68c71bce")
    assert feature_id(u) == int("493d8bacabbd4", 16)
    assert feature_id(uuid.UUID(int=(1 << 128) - 1)) < 2**53


def test_classes_appear_from_their_zoom():
    assert "avenue" in classes_at(10) and "lane" not in classes_at(10)
    assert "building" in classes_at(14) and "building" not in classes_at(13)
    assert levels_at(6) == ["city", "province"]


def test_status_groups_and_door_labels():
    assert status_group("renamed") == "historical" and status_group("reserved") == "reserved"
    assert status_group("approved") == "in_force"
    assert number_label(12, "1") == "12-1号" and number_label(7, None) == "7号"
    assert number_label(None, None) == ""
