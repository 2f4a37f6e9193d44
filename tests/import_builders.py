"""Files an office would bring (XLSX with Chinese headers, GBK CSV, GeoJSON, GeoPackage), and
counts of everything an import may write, for the import tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from placenames.models import Address, HistoryRow, Place
from placenames.models.changes import Change
from placenames.models.places import PlaceSyllable
from placenames.models.search import SearchEntry

NAME_HEADER = ["标准名称", "罗马字母拼写", "地名类别", "行政区划代码", "经度", "纬度", "含义",
               "批准机关", "批准时间", "状态"]
# names of the demo's townships that no demo record uses
NEW_NAMES = [
    ["凤鸣路", "Fengming Lu", "路", "610112002", "108.8401", "34.2712", "取凤鸣岐山之意",
     "西咸新区管委会", "2021-05-01", "已生效"],
    ["槐荫巷", "", "巷", "610112008", "108.8455", "34.3050", "巷内多古槐", "", "", ""],
    ["翠微苑", "Cuiwei Yuan", "居民区", "610402009", "108.7170", "34.3180", "", "", "", "现行"],
    ["鼎盛大厦", "", "building", "610404005", "108.8010", "34.3760", "", "", "2020/3/15",
     "in_force"],
]
ADDRESS_HEADER = ["标准地址", "地址代码", "行政区划代码", "道路名称", "门牌号", "楼栋", "单元",
                  "户室", "经度", "纬度", "状态"]
NEW_ADDRESSES = [
    ["", "610112002190001", "610112002", "世纪大道", "901", "", "", "", "108.8300", "34.2830",
     "使用中"],
    ["", "610112002190002", "610112002", "世纪大道", "903号", "3号楼", "2单元", "501室",
     "108.8302", "34.2831", ""],
    ["", "610112012190001", "610112012", "建章路", "88-1", "", "", "", "108.8362",
     "34.2700", ""],
]


def counts(session) -> dict[str, int]:
    """Rows of every table an import writes (and the feed's last number)."""
    def n(model) -> int:
        return session.scalar(select(func.count()).select_from(model))

    return {"places": n(Place), "addresses": n(Address), "history": n(HistoryRow),
            "changes": n(Change), "syllables": n(PlaceSyllable), "search": n(SearchEntry),
            "last_seq": session.scalar(select(func.coalesce(func.max(Change.seq), 0)))}


def xlsx(path: Path, header: list[str], rows: list[list[str]], sheet: str = "地名") -> Path:
    """A real workbook, as Excel saves it (numbers as numbers)."""
    from openpyxl import Workbook

    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(header)
    for row in rows:
        ws.append([_typed(v) for v in row])
    book.save(path)
    return path


def _typed(value: str) -> object:
    try:
        return float(value) if "." in value else value
    except ValueError:
        return value


def csv_file(path: Path, header: list[str], rows: list[list[str]],
             encoding: str = "utf-8-sig") -> Path:
    """A CSV in ``encoding`` (Chinese Excel's "CSV" is GBK)."""
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def geojson(path: Path, features: list[tuple[dict[str, object], dict[str, object] | None]],
            crs: str | None = None) -> Path:
    """A GeoJSON FeatureCollection; ``crs`` as the old-style named CRS member GDAL reads."""
    doc: dict[str, object] = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props, "geometry": geom} for props, geom in features]}
    if crs:
        doc["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def geopackage(path: Path, fields: list[str], rows: list[list[str]], wkts: list[str],
               crs: str, layer: str = "names", geometry_type: str = "Point") -> Path:
    """A GeoPackage written by GDAL (pyogrio), its layer in ``crs``."""
    import pyogrio.raw
    import shapely

    geometry = np.array([shapely.to_wkb(shapely.from_wkt(w)) for w in wkts], dtype=object)
    data = [np.array([r[i] for r in rows], dtype=object) for i in range(len(fields))]
    pyogrio.raw.write(path, geometry, data, fields, layer=layer, driver="GPKG",
                      geometry_type=geometry_type, crs=crs)
    return path
