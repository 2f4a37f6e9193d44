"""The documents of the OGC API – Features service that are not features: landing page,
conformance, collection descriptions, feature collection pages and the OpenAPI 3.0 document.

Plain functions of plain values (the service's base URL, the collections and their extents);
:mod:`placenames.web.ogc` serves them. Links are absolute, built from the base URL the request
came by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .features import (
    COLLECTIONS,
    CRS84,
    DEFAULT_LIMIT,
    GREGORIAN,
    MAX_LIMIT,
    Collection,
    Extent,
    Page,
)

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
HTML = "text/html"

CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)
"""Part 1's Core, GeoJSON and OpenAPI 3.0 conformance classes (no HTML encoding)."""


def link(href: str, rel: str, type_: str, title: str) -> dict[str, str]:
    """One link object."""
    return {"href": href, "rel": rel, "type": type_, "title": title}


def landing(base: str, title: str, description: str, doc_url: str) -> dict[str, Any]:
    """The landing page at ``base`` (``…/ogc``); ``doc_url``: the page for people."""
    return {
        "title": title,
        "description": description,
        "links": [
            link(base, "self", JSON, "本页 / this document"),
            link(f"{base}/api", "service-desc", OPENAPI, "接口定义 / the API definition"),
            link(doc_url, "service-doc", HTML, "使用说明 / documentation"),
            link(f"{base}/conformance", "conformance", JSON,
                 "符合的标准类 / conformance classes"),
            link(f"{base}/collections", "data", JSON, "数据集 / the collections"),
        ],
    }


def conformance() -> dict[str, Any]:
    """The conformance declaration."""
    return {"conformsTo": list(CONFORMANCE)}


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def collection(base: str, coll: Collection, ext: Extent) -> dict[str, Any]:
    """One collection's description, its extent computed from the data."""
    url = f"{base}/collections/{coll.id}"
    extent: dict[str, Any] = {}
    if ext.bbox is not None:
        extent["spatial"] = {"bbox": [list(ext.bbox)], "crs": CRS84}
    if ext.interval is not None:
        extent["temporal"] = {"interval": [[_iso(m) for m in ext.interval]], "trs": GREGORIAN}
    body: dict[str, Any] = {
        "id": coll.id, "title": coll.title, "description": coll.description,
        "itemType": "feature", "crs": [CRS84],
        "links": [
            link(url, "self", JSON, coll.title),
            link(f"{url}/items", "items", GEOJSON, f"{coll.title}（GeoJSON）"),
        ],
    }
    if extent:
        body["extent"] = extent
    return body


def collections(base: str, described: Iterable[tuple[Collection, Extent]]) -> dict[str, Any]:
    """The list of collections."""
    return {
        "links": [link(f"{base}/collections", "self", JSON, "数据集 / the collections")],
        "collections": [collection(base, c, e) for c, e in described],
    }


def feature_collection(page: Page, links: list[dict[str, str]], now: datetime
                       ) -> dict[str, Any]:
    """A page of features as a GeoJSON FeatureCollection with the standard's members."""
    body: dict[str, Any] = {"type": "FeatureCollection", "features": page.features,
                            "timeStamp": _iso(now.replace(microsecond=0)),
                            "numberReturned": len(page.features), "links": links}
    if page.matched is not None:
        body["numberMatched"] = page.matched
    return body


def one_feature(feat: dict[str, Any], base: str, coll: Collection) -> dict[str, Any]:
    """A single feature with its links."""
    url = f"{base}/collections/{coll.id}"
    return {**feat, "links": [
        link(f"{url}/items/{feat['id']}", "self", GEOJSON, "本要素 / this feature"),
        link(url, "collection", JSON, coll.title),
    ]}


# --- the OpenAPI 3.0 document ----------------------------------------------------------------

def _param(name: str, description: str, schema: dict[str, Any], *,
           style: str = "form", explode: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema, "style": style, "explode": explode}


PARAMETERS: dict[str, dict[str, Any]] = {
    "bbox": _param("bbox", "只返回与此范围相交的要素："
                   "最小经度,最小纬度,最大经度,最大纬度（CRS84）。 / Only features that meet this "
                   "box: minLon,minLat,maxLon,maxLat (CRS84).",
                   {"type": "array", "oneOf": [{"minItems": 4, "maxItems": 4},
                                               {"minItems": 6, "maxItems": 6}],
                    "items": {"type": "number"}}),
    "limit": _param("limit", f"每页要素数，最多 {MAX_LIMIT}（更大的按 {MAX_LIMIT}）。 / Features "
                    f"per page, at most {MAX_LIMIT} (a larger value is served as {MAX_LIMIT}).",
                    {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                     "default": DEFAULT_LIMIT}),
    "offset": _param("offset", "跳过的要素数。 / How many features to skip.",
                     {"type": "integer", "minimum": 0, "default": 0}),
    "datetime": _param("datetime", "记录最后修改时间（updated_at）：时刻或区间，如 "
                       "2025-01-01T00:00:00Z/..。 / The time a record last changed "
                       "(updated_at): an instant or an interval, e.g. 2025-01-01T00:00:00Z/..",
                       {"type": "string"}),
    "after": _param("after", "翻页游标（next 链接自带）：上一页最后一个要素的 id。 / Paging "
                    "cursor (next links carry it): the id of the previous page's last feature.",
                    {"type": "string", "format": "uuid"}),
    "f": _param("f", "编码：json（默认）。 / Encoding: json (the default).",
                {"type": "string", "enum": ["json", "geojson"]}),
    "crs": _param("crs", "输出坐标系：仅 CRS84。 / Output CRS: CRS84 only.",
                  {"type": "string", "format": "uri", "enum": [CRS84]}),
    "bbox-crs": _param("bbox-crs", "bbox 的坐标系：仅 CRS84。 / The bbox's CRS: CRS84 only.",
                       {"type": "string", "format": "uri", "enum": [CRS84]}),
}

_ERROR = {"description": "错误 / error", "content": {JSON: {"schema": {
    "$ref": "#/components/schemas/exception"}}}}

SCHEMAS: dict[str, Any] = {
    "exception": {"type": "object", "required": ["status", "error"], "properties": {
        "status": {"type": "integer"}, "error": {"type": "string"}}},
    "link": {"type": "object", "required": ["href"], "properties": {
        "href": {"type": "string"}, "rel": {"type": "string"}, "type": {"type": "string"},
        "title": {"type": "string"}}},
    "landingPage": {"type": "object", "required": ["links"], "properties": {
        "title": {"type": "string"}, "description": {"type": "string"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}}}},
    "confClasses": {"type": "object", "required": ["conformsTo"], "properties": {
        "conformsTo": {"type": "array", "items": {"type": "string"}}}},
    "collection": {"type": "object", "required": ["id", "links"], "properties": {
        "id": {"type": "string"}, "title": {"type": "string"},
        "description": {"type": "string"}, "itemType": {"type": "string"},
        "crs": {"type": "array", "items": {"type": "string"}},
        "extent": {"type": "object"},
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}}}},
    "collections": {"type": "object", "required": ["links", "collections"], "properties": {
        "links": {"type": "array", "items": {"$ref": "#/components/schemas/link"}},
        "collections": {"type": "array",
                        "items": {"$ref": "#/components/schemas/collection"}}}},
    "featureGeoJSON": {"type": "object", "required": ["type", "geometry", "properties"],
                       "properties": {
                           "type": {"type": "string", "enum": ["Feature"]},
                           "id": {"type": "string", "format": "uuid"},
                           "geometry": {"type": "object", "nullable": True},
                           "properties": {"type": "object", "nullable": True}}},
    "featureCollectionGeoJSON": {"type": "object", "required": ["type", "features"],
                                 "properties": {
                                     "type": {"type": "string", "enum": ["FeatureCollection"]},
                                     "features": {"type": "array", "items": {
                                         "$ref": "#/components/schemas/featureGeoJSON"}},
                                     "links": {"type": "array", "items": {
                                         "$ref": "#/components/schemas/link"}},
                                     "timeStamp": {"type": "string", "format": "date-time"},
                                     "numberMatched": {"type": "integer", "minimum": 0},
                                     "numberReturned": {"type": "integer", "minimum": 0}}},
}


def _get(summary: str, schema: str, media: str, parameters: list[Any] | None = None,
         not_found: bool = False, paged: bool = False) -> dict[str, Any]:
    responses: dict[str, Any] = {
        "200": {"description": summary, "content": {media: {"schema": {
            "$ref": f"#/components/schemas/{schema}"}}}},
        "400": _ERROR, "406": _ERROR, "500": _ERROR, "503": _ERROR}
    if not_found:
        responses["404"] = _ERROR
    if paged:  # revalidated by the weak ETag of the map version; their own rate limit
        responses["304"] = {"description": "未改变 / not modified"}
        responses["429"] = _ERROR
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if parameters:
        op["parameters"] = parameters
    return {"get": op}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/parameters/{name}"}


def _items_path(coll: Collection) -> dict[str, Any]:
    filters = [_param(key, coll.filter_help.get(key, key), {"type": "string"})
               for key in coll.columns.filters]
    common = [_ref(p) for p in PARAMETERS]
    return _get(f"{coll.title}：要素 / features", "featureCollectionGeoJSON", GEOJSON,
                common + filters, not_found=True, paged=True)


def openapi(base: str, title: str, description: str) -> dict[str, Any]:
    """The OpenAPI 3.0 document of the service at ``base``: one items path per collection, so
    each lists the properties it can be filtered on (GDAL passes ``-where`` clauses on them
    to the server)."""
    paths: dict[str, Any] = {
        "/": _get("首页 / landing page", "landingPage", JSON, [_ref("f")]),
        "/conformance": _get("符合的标准类 / conformance", "confClasses", JSON, [_ref("f")]),
        "/api": {"get": {"summary": "本文档 / this document", "responses": {
            "200": {"description": "OpenAPI 3.0", "content": {OPENAPI: {}}}}}},
        "/collections": _get("数据集 / collections", "collections", JSON, [_ref("f")]),
    }
    feature_id = {"name": "featureId", "in": "path", "required": True,
                  "schema": {"type": "string", "format": "uuid"}}
    for coll in COLLECTIONS.values():
        url = f"/collections/{coll.id}"
        paths[url] = _get(coll.title, "collection", JSON, [_ref("f")], not_found=True)
        paths[f"{url}/items"] = _items_path(coll)
        paths[f"{url}/items/{{featureId}}"] = _get(
            f"{coll.title}：单个要素 / one feature", "featureGeoJSON", GEOJSON,
            [feature_id, _ref("f")], not_found=True, paged=True)
    # the standard's templated paths too, for clients that look for them (concrete paths
    # match first, as OpenAPI says)
    collection_id = {"name": "collectionId", "in": "path", "required": True,
                     "schema": {"type": "string", "enum": list(COLLECTIONS)}}
    paths["/collections/{collectionId}"] = _get(
        "数据集 / a collection", "collection", JSON, [collection_id, _ref("f")], not_found=True)
    paths["/collections/{collectionId}/items"] = _get(
        "要素 / features", "featureCollectionGeoJSON", GEOJSON,
        [collection_id, *(_ref(p) for p in PARAMETERS)], not_found=True, paged=True)
    paths["/collections/{collectionId}/items/{featureId}"] = _get(
        "单个要素 / one feature", "featureGeoJSON", GEOJSON,
        [collection_id, feature_id, _ref("f")], not_found=True, paged=True)
    return {
        "openapi": "3.0.3",
        "info": {"title": title, "description": description, "version": "1.0.0",
                 "license": {"name": "Apache-2.0"}},
        "servers": [{"url": base}],
        "paths": paths,
        "components": {"parameters": PARAMETERS, "schemas": SCHEMAS},
    }
