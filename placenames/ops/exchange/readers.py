"""Reading names and addresses from an office's files: CSV, XLSX, GeoJSON, GeoPackage (and a
shapefile, plain or zipped).

Columns are found by the national place-name database's headers (:data:`records.NAME_FIELDS`,
:data:`records.ADDRESS_FIELDS`: 标准名称, 行政区划代码, 经度 …), their English labels and record
keys, and the common synonyms of :data:`SYNONYMS` (名称, 地名, name …); a header's spaces, case
and a trailing bracket (``几何(WKT)``, ``经度（CGCS2000）``) do not matter. A file without a
required column is refused whole, with the columns found and those expected.

Spreadsheets go through :mod:`placenames.tables` (UTF-8 with or without a byte-order mark,
GBK/GB18030, UTF-16; an encoding that cannot be told is refused with the encodings tried).
Layers go through pyogrio (GDAL); their geometry is kept with the layer's declared CRS
(:func:`placenames.ops.exchange.coords.layer_crs`). Rows are read as they are consumed, so a
million-row CSV is never held whole. Nothing here touches a database.
"""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from shapely.geometry.base import BaseGeometry

from ... import tables
from ...errors import PlacenamesError
from .coords import CoordinateError, LayerCrs, layer_crs
from .records import ADDRESS_FIELDS, NAME_FIELDS, Field
from .report import Problem

TABLE_SUFFIXES = tables.CSV_SUFFIXES + tables.EXCEL_SUFFIXES
LAYER_SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
SUFFIXES = TABLE_SUFFIXES + LAYER_SUFFIXES

EXTRA_FIELDS: dict[str, tuple[Field, ...]] = {
    "names": (Field("起点", "start", "starts at"), Field("止点", "end", "ends at"),
              Field("长度", "length_m", "length (m)"), Field("宽度", "width_m", "width (m)")),
    "addresses": (Field("所在侧", "side", "side of the road"),),
}
"""Columns the record keeps beyond the national database's (the API's and the GeoPackage's
record keys), read when a file has them."""
FIELDS: dict[str, tuple[Field, ...]] = {"names": NAME_FIELDS + EXTRA_FIELDS["names"],
                                        "addresses": ADDRESS_FIELDS + EXTRA_FIELDS["addresses"]}
REQUIRED: dict[str, tuple[str, ...]] = {
    "names": ("name", "division_code"),
    "addresses": ("code", "jurisdiction_code", "number"),
}
"""Keys of the columns a file must have (a layer's geometry stands for the coordinates)."""

SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "names": {
        "name": ("名称", "地名", "地名名称", "标准地名", "标准名", "name"),
        "romanization": ("汉语拼音", "拼音", "罗马字母拼写形式", "pinyin"),
        "class_code": ("地名类别代码", "类别码", "分类代码"),
        "class": ("类别", "地名类型", "类型", "地名分类", "cls", "type"),
        "division_code": ("区划代码", "行政区代码", "所在行政区划代码", "所在政区代码",
                          "政区代码", "adcode"),
        "lon": ("东经", "lng", "long", "longitude", "x"),
        "lat": ("北纬", "latitude", "y"),
        "meaning": ("地名含义", "含意", "地名含意"),
        "history": ("沿革", "来历", "地名来历", "历史", "地名来历与沿革"),
        "approving_body": ("命名机关", "审批机关", "批准单位"),
        "approval_doc_no": ("文号", "命名文号", "批准文件"),
        "approval_date": ("批准日期", "命名时间", "命名日期", "审批时间"),
        "location": ("位置", "位置描述", "地理位置描述"),
        "status": ("地名状态", "使用状态"),
        "id": ("地名标识码", "唯一标识码", "uuid"),
        "wkt": ("wkt", "geometry", "geom", "几何wkt", "空间数据"),
        "start": ("起点位置", "起止点起点"), "end": ("止点位置", "终点"),
        "length_m": ("长度米", "长度（米）"), "width_m": ("宽度米", "宽度（米）"),
    },
    "addresses": {
        "full_text": ("地址", "详细地址", "地址全称", "address"),
        "code": ("地址编码", "门牌编码", "门牌代码"),
        "jurisdiction_code": ("区划代码", "行政区代码", "所在行政区划代码", "adcode",
                              "division_code"),
        "road_name": ("道路", "街路巷", "街路巷名称", "路名", "road"),
        "number": ("门牌号码", "门牌", "号", "门牌号码（号）"),
        "suffix": ("附号", "支号"),
        "building": ("楼栋号", "楼号", "楼", "幢", "栋"),
        "unit": ("单元号",),
        "room": ("户室号", "房号", "室", "户号"),
        "village_group": ("组", "村组", "村民组"),
        "lon": ("东经", "lng", "long", "longitude", "x"),
        "lat": ("北纬", "latitude", "y"),
        "status": ("地址状态", "门牌状态"),
        "id": ("地址标识码", "uuid"),
        "side": ("侧", "门牌侧"),
    },
}
"""Other headers offices use, per record key (the national header, its English label and the
key itself are always accepted)."""

_BRACKET = re.compile(r"[（(][^）)]*[）)]$")


class FileProblem(PlacenamesError):
    """The file as a whole cannot be read (row 0 of the report)."""

    exit_code = 65  # EX_DATAERR

    def __init__(self, problem: Problem) -> None:
        super().__init__(f"{problem.zh} / {problem.en}")
        self.problem = problem


def file_problem(code: str, zh: str, en: str) -> FileProblem:
    """A :class:`FileProblem` about the whole file."""
    return FileProblem(Problem(0, "", code, zh, en))


def from_error(exc: PlacenamesError, code: str) -> FileProblem:
    """A :class:`FileProblem` from a bilingual ``zh / en`` error of the tables reader."""
    zh, _sep, en = exc.user_msg.partition(" / ")
    return file_problem(code, zh, en or zh)


def normalize_header(header: str) -> str:
    """A header as compared: NFKC, no spaces, case-folded, without a trailing bracket."""
    text = unicodedata.normalize("NFKC", header).strip()
    text = _BRACKET.sub("", text) if _BRACKET.sub("", text) else text
    return re.sub(r"\s+", "", text).casefold()


def _accepted(kind: str) -> dict[str, list[str]]:
    """Normalized header → keys it may mean, best first (the national header first)."""
    out: dict[str, list[str]] = {}
    for f in FIELDS[kind]:
        for rank, header in enumerate((f.header, f.en, f.key,
                                       *SYNONYMS[kind].get(f.key, ()))):
            out.setdefault(normalize_header(header), []).append(f"{rank:02d}{f.key}")
    return {h: [k[2:] for k in sorted(keys)] for h, keys in out.items()}


@dataclass
class Columns:
    """Which column of the file holds each record key, and warnings about the header."""

    index: dict[str, int]
    header: list[str]
    warnings: list[Problem] = field(default_factory=list)

    def name(self, key: str) -> str:
        """The file's header of ``key`` (what the report names the field by)."""
        return self.header[self.index[key]] if key in self.index else header_of(key)


def header_of(key: str, kind: str = "names") -> str:
    """The national header of a record key."""
    for fields in (FIELDS[kind], *FIELDS.values()):
        for f in fields:
            if f.key == key:
                return f.header
    return key


def match_columns(header: list[str], kind: str, *, has_geometry: bool = False) -> Columns:
    """Map the file's ``header`` to record keys; :class:`FileProblem` when a required column
    is missing (the message lists the columns found and those expected)."""
    accepted = _accepted(kind)
    found: dict[str, list[tuple[int, int]]] = {}  # key → (rank, column index)
    for i, h in enumerate(header):
        keys = accepted.get(normalize_header(h))
        if keys:
            found.setdefault(keys[0], []).append((_rank(kind, keys[0], h), i))
    index = {key: min(cols)[1] for key, cols in found.items()}
    warnings: list[Problem] = []
    for key, cols in found.items():
        used = header[index[key]]
        for _r, i in sorted(cols):
            if i != index[key]:
                warnings.append(Problem(1, header[i], "duplicate_column",
                                        f"列“{header[i]}”与列“{used}”含义相同，使用后者",
                                        f"column {header[i]!r} means the same as {used!r}, "
                                        "which is used", "warning"))
    required = [k for k in REQUIRED[kind] if k not in index]
    if required:
        raise _missing(kind, header, required)
    if not has_geometry and "wkt" not in index and not {"lon", "lat"} <= set(index):
        warnings.append(Problem(1, "", "no_geometry", "文件没有几何或经纬度列，记录将没有位置",
                                "the file has no geometry or longitude/latitude columns: the "
                                "records will have no location", "warning"))
    return Columns(index, header, warnings)


def _rank(kind: str, key: str, header: str) -> int:
    f = next(f for f in FIELDS[kind] if f.key == key)
    return 0 if normalize_header(header) == normalize_header(f.header) else 1


def _missing(kind: str, header: list[str], missing: list[str]) -> FileProblem:
    found = "、".join(h or "（空）" for h in header) or "（无）"
    found_en = ", ".join(h or "(empty)" for h in header) or "(none)"
    wanted = [f"{f.header}{'*' if f.key in REQUIRED[kind] else ''}" for f in FIELDS[kind]]
    lacking = "、".join(header_of(k, kind) for k in missing)
    return file_problem(
        "missing_column",
        f"缺少必需的列：{lacking}。文件中的列：{found}。应有的列（*为必需）：{'、'.join(wanted)}",
        f"missing required column(s): {', '.join(header_of(k, kind) for k in missing)}. "
        f"Columns found: {found_en}. Columns expected (* required): {', '.join(wanted)}")


@dataclass(slots=True)
class SourceRow:
    """One row (or feature) of a file: its number, its cells by record key, and a layer's
    geometry (in the layer's CRS; None for a spreadsheet or a feature without one)."""

    row: int
    values: dict[str, str]
    geom: BaseGeometry | None = None
    geom_unreadable: bool = False


@dataclass
class Source:
    """A file opened for import: its columns and its rows, read as they are consumed."""

    kind: str
    format: str
    columns: Columns
    rows: Iterator[SourceRow]
    total: int | None = None
    encoding: str | None = None
    sheet: str | None = None
    layer: str | None = None
    crs: LayerCrs | None = None
    geometry_field: str = "几何"

    def describe(self) -> dict[str, str]:
        """What was read, for the report: format, encoding, sheet or layer, CRS."""
        out = {"format": self.format}
        for key in ("encoding", "sheet", "layer"):
            if getattr(self, key):
                out[key] = str(getattr(self, key))
        if self.crs is not None:
            out["crs"] = self.crs.label or "none"
        return out


@contextmanager
def open_source(path: Path, kind: str, *, sheet: str | None = None,
                layer: str | None = None) -> Iterator[Source]:
    """Open ``path`` for an import of ``kind`` (``names`` or ``addresses``); raises
    :class:`FileProblem` when the file as a whole cannot be read (rows are checked later)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise file_problem("bad_format",
                           f"不支持的文件类型 {suffix or '（无扩展名）'}：可用 CSV、XLSX、GeoJSON、"
                           "GeoPackage 或 Shapefile",
                           f"unsupported file type {suffix or '(none)'}: use CSV, XLSX, "
                           "GeoJSON, GeoPackage or a shapefile")
    if suffix in LAYER_SUFFIXES:
        if sheet is not None:
            raise file_problem("bad_option", "--sheet 只用于 Excel 文件",
                               "--sheet applies to Excel files only")
        yield _open_layer(path, kind, layer)
        return
    if layer is not None:
        raise file_problem("bad_option", "--layer 只用于 GeoJSON、GeoPackage 或 Shapefile",
                           "--layer applies to GeoJSON, GeoPackage and shapefiles only")
    with ExitStack() as stack:
        try:
            table = stack.enter_context(tables.open_table(path, sheet=sheet))
        except PlacenamesError as exc:
            raise from_error(exc, "unreadable") from None
        columns = match_columns(table.header, kind)
        yield Source(kind, suffix.lstrip(".").replace("xlsm", "xlsx"), columns,
                     _table_rows(table.rows, columns), table.total, table.encoding, table.sheet)


def _table_rows(rows: Iterator[tuple[int, list[str]]], columns: Columns) -> Iterator[SourceRow]:
    pairs = list(columns.index.items())
    try:
        for number, cells in rows:
            yield SourceRow(number, {k: cells[i].strip() for k, i in pairs})
    except tables.UnreadableFile as exc:
        raise from_error(exc, "malformed") from None


def _open_layer(path: Path, kind: str, layer: str | None) -> Source:
    import pyogrio
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        with warnings.catch_warnings():  # GDAL's warnings about a damaged file: its error follows
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = [str(name) for name, _geom in pyogrio.list_layers(path)]
            chosen = _choose_layer(layers, kind, layer)
            info = pyogrio.read_info(path, layer=chosen)
            meta, _fids, wkb, data = pyogrio.raw.read(path, layer=chosen,
                                                      datetime_as_string=True)
    except (DataSourceError, DataLayerError, OSError, RuntimeError, ValueError) as exc:
        raise file_problem("unreadable", f"无法读取文件 {path.name}：文件损坏或格式不符",
                           f"cannot read {path.name}: damaged or not of its format "
                           f"({str(exc)[:200]})") from None
    try:
        crs = layer_crs(info.get("crs"))
    except CoordinateError as exc:
        raise file_problem(exc.code, exc.zh, exc.en) from None
    names = [str(n) for n in meta["fields"]]
    columns = match_columns(names, kind, has_geometry=wkb is not None)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore") if wkb is not None else None
    count = len(data[0]) if len(data) else len(geoms) if geoms is not None else 0
    return Source(kind, _layer_format(path), columns,
                  _layer_rows(columns, data, wkb, geoms, count),
                  total=count, layer=chosen, crs=crs,  # (GDAL decodes the text: .cpg, GBK…)
                  geometry_field=str(meta.get("geometry_name") or "geometry"))


def _layer_format(path: Path) -> str:
    return {".json": "geojson", ".zip": "shp"}.get(path.suffix.lower(),
                                                    path.suffix.lower().lstrip("."))


def _choose_layer(layers: list[str], kind: str, layer: str | None) -> str:
    if layer is not None:
        if layer not in layers:
            raise file_problem("bad_option",
                               f"没有图层“{layer}”，文件中的图层：{'、'.join(layers)}",
                               f"no layer {layer!r}; the layers are: {', '.join(layers)}")
        return layer
    if len(layers) == 1:
        return layers[0]
    wanted = {"names": ("names", "地名"), "addresses": ("addresses", "地址")}[kind]
    for name in layers:
        if name.casefold() in wanted:
            return name
    raise file_problem("bad_option", f"文件有多个图层，请用 --layer 指定：{'、'.join(layers)}",
                       f"the file has several layers, give --layer: {', '.join(layers)}")


def _layer_rows(columns: Columns, data: Any, wkb: Any, geoms: Any, count: int
                ) -> Iterator[SourceRow]:
    pairs = list(columns.index.items())
    for i in range(count):
        values = {k: value_text(data[j][i]) for k, j in pairs}
        geom = geoms[i] if geoms is not None else None
        yield SourceRow(i + 1, values, geom, geom is None and wkb is not None and
                        wkb[i] is not None)


def value_text(value: Any) -> str:
    """An attribute of a layer as text: empty for none/NaN, ``7`` for 7.0, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item"):  # a numpy scalar
        return value_text(value.item())
    return tables.cell_text(value).strip()
