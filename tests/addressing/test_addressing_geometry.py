import pytest
from pyproj import Geod

from placenames.addressing.geometry import haversine_m, local_projection_for


def test_local_projection_distances_match_ellipsoid_within_30km():
    geod = Geod(ellps="GRS80")
    a, b = (108.70, 34.20), (109.00, 34.40)  # ~36 km apart, corners of the Xi'an box
    proj = local_projection_for([a, b])
    (xa, ya), (xb, yb) = proj.to_xy([a, b])
    planar = ((xb - xa) ** 2 + (yb - ya) ** 2) ** 0.5
    _, _, true = geod.inv(*a, *b)
    assert abs(planar - true) < 0.05


def test_local_projection_round_trip():
    proj = local_projection_for([(108.8, 34.3), (108.9, 34.35)])
    points = [(108.81, 34.31), (108.89, 34.34)]
    for p, q in zip(points, proj.to_lonlat(proj.to_xy(points)), strict=True):
        assert haversine_m(p, q) < 1e-3


def test_local_projection_needs_points():
    with pytest.raises(ValueError):
        local_projection_for([])
