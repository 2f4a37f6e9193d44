"""The printed plan's map as drawing values (pure): projection and scale, the scale bar's round
length, labels along lines kept upright and inside the frame, road labels giving way."""

import math

import pyproj
import pytest

from placenames.maps.printed import (
    MIN_SPAN_M,
    Label,
    MapFeature,
    distance_text,
    fit_frame,
    layout_map,
    line_anchor,
    nice_length,
    place_labels,
    scale_bar,
)


def _geodesic_m(lon1, lat1, lon2, lat2):
    """The distance on the CGCS2000 ellipsoid (GRS80 differs from it by 0.1 mm), by PROJ."""
    return pyproj.Geod(ellps="GRS80").inv(lon1, lat1, lon2, lat2)[2]


def test_the_frame_keeps_one_true_scale_in_both_directions():
    frame = fit_frame((108.82, 34.25, 108.86, 34.30), 480, 560)
    for (lon1, lat1), (lon2, lat2) in [((108.83, 34.26), (108.85, 34.26)),
                                       ((108.84, 34.255), (108.84, 34.295)),
                                       ((108.825, 34.26), (108.855, 34.29))]:
        a, b = frame.project(lon1, lat1), frame.project(lon2, lat2)
        on_paper_m = math.dist(a, b) / frame.pt_per_m
        assert on_paper_m == pytest.approx(_geodesic_m(lon1, lat1, lon2, lat2), rel=1e-3)
    west, south, east, north = frame.extent()
    for lon, lat in [(108.82, 34.25), (108.86, 34.30)]:  # the box is inside the frame
        x, y = frame.project(lon, lat)
        assert 0 < x < 480 and 0 < y < 560
        assert west < lon < east and south < lat < north
    assert frame.project(frame.lon0, frame.lat0) == pytest.approx((240, 280))


def test_a_single_point_still_gets_its_surroundings():
    frame = fit_frame((108.84, 34.27, 108.84, 34.27), 400, 400)
    assert 400 / frame.pt_per_m == pytest.approx(MIN_SPAN_M)


@pytest.mark.parametrize(("max_m", "nice"), [(1234, 1000), (480, 200), (999, 500), (5.5, 5),
                                             (0.4, 1), (20000, 20000), (73000, 50000)])
def test_the_scale_bar_has_a_round_length(max_m, nice):
    assert nice_length(max_m) == nice


def test_the_scale_bar_matches_the_frame_and_says_its_length():
    frame = fit_frame((108.82, 34.25, 108.86, 34.30), 480, 560)
    bar = scale_bar(frame)
    assert bar.length_pt == pytest.approx(bar.length_m * frame.pt_per_m)
    assert bar.length_pt <= 0.28 * 480 and bar.length_m in (500, 1000, 2000)
    assert bar.ticks()[0] == (0.0, "0") and bar.ticks()[-1][1] == distance_text(bar.length_m)
    assert distance_text(500) == "500 米" and distance_text(2000) == "2 千米"
    assert distance_text(2500) == "2.5 千米"


@pytest.mark.parametrize("points", [[(0, 0), (100, 0)], [(100, 0), (0, 0)],
                                    [(0, 100), (0, 0)], [(0, 0), (50, 50), (100, 50)]])
def test_line_labels_sit_midway_and_read_upright(points):
    x, y, angle = line_anchor(points)
    assert -90 < angle <= 90
    if len(points) == 2:
        assert (x, y) == pytest.approx(((points[0][0] + points[1][0]) / 2,
                                        (points[0][1] + points[1][1]) / 2))


def test_a_road_label_gives_way_and_a_planned_name_never_does():
    planned = MapFeature("章台路", "planned", lines=[[(100, 50), (100, 150)]])
    crossing = MapFeature("世纪大道", "road", lines=[[(60, 100), (140, 100)]])
    far = MapFeature("建章路", "road", lines=[[(10, 10), (10, 190)]])
    outside = MapFeature("远路", "road", lines=[[(300, 10), (400, 10)]])
    labels = place_labels([crossing, far, planned, outside], 200, 200)
    assert [lb.text for lb in labels] == ["章台路", "建章路"]
    assert labels[0] == Label("章台路", 100, 100, 90.0, "planned")


def test_a_long_road_is_labelled_where_it_crosses_the_frame():
    road = MapFeature("世纪大道", "road", lines=[[(-1000, 20), (150, 20)]])
    (label,) = place_labels([road], 200, 200)
    assert label.x == pytest.approx(75) and label.y == pytest.approx(20)


def test_layout_map_projects_every_kind_of_geometry_and_none_without_any():
    planned = [("章台路", "planned", {"type": "LineString",
                                      "coordinates": [[108.842, 34.262], [108.842, 34.295]]},
                "1"),
               ("丰京广场", "planned", {"type": "Polygon", "coordinates": [[
                   [108.846, 34.27], [108.85, 34.27], [108.85, 34.273], [108.846, 34.27]]]},
                "2"),
               ("灵台桥", "used", {"type": "Point", "coordinates": [108.8395, 34.2705]}, "3")]
    roads = [("建章路", {"type": "MultiLineString",
                         "coordinates": [[[108.836, 34.255], [108.837, 34.300]]]})]
    drawing = layout_map(planned, roads, 480, 560)
    assert drawing is not None
    kinds = {f.name: (len(f.lines), len(f.rings), len(f.points), f.style)
             for f in drawing.features}
    assert kinds == {"章台路": (1, 0, 0, "planned"), "丰京广场": (0, 1, 0, "planned"),
                     "灵台桥": (0, 0, 1, "used"), "建章路": (1, 0, 0, "road")}
    assert {lb.text for lb in drawing.labels} >= {"章台路", "丰京广场", "灵台桥"}
    assert not drawing.numbered  # room enough for every name
    for f in drawing.features:
        if f.style != "road":
            for x, y in [*(p for ln in f.lines for p in ln), *f.points,
                         *(p for r in f.rings for p in r)]:
                assert 0 <= x <= 480 and 0 <= y <= 560
    assert 1000 < drawing.scale_denominator < 100000
    assert layout_map([], roads, 480, 560) is None


def test_no_road_label_under_the_scale_bar_or_the_north_arrow():
    roads = [("底部路", {"type": "LineString", "coordinates": [[108.80, 34.2505], [108.85,
                                                                                 34.2505]]})]
    planned = [("章台路", "planned", {"type": "LineString",
                                      "coordinates": [[108.80, 34.25], [108.90, 34.35]]}, "1")]
    drawing = layout_map(planned, roads, 480, 560)
    assert [lb.text for lb in drawing.labels] == ["章台路"]
    assert [lb.text for lb in place_labels(drawing.features, 480, 560)] == ["章台路", "底部路"]
    assert drawing.north_at == pytest.approx((480 - 14 * 72 / 25.4, 560 - 22 * 72 / 25.4))


def test_crowded_reserved_names_are_labelled_by_their_number():
    crowd = [(f"第{i}号规划路", "planned", {"type": "LineString", "coordinates": [
        [108.84, 34.27 + i * 0.0001], [108.85, 34.27 + i * 0.0001]]}, str(i + 1))
        for i in range(6)]
    drawing = layout_map(crowd, [], 480, 560)
    assert drawing.numbered
    texts = [lb.text for lb in drawing.labels]
    assert len(texts) == 6 and texts[0] == "第0号规划路"  # every name labelled, once
    assert {lb.text for lb in drawing.labels if lb.numbered} <= {"2", "3", "4", "5", "6"}
