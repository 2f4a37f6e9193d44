"""OGC API – Features at ``/ogc``: the register's public names, addresses and plates for GIS
clients (QGIS: Layer → Add Layer → WFS / OGC API – Features; GDAL: ``OAPIF:…/ogc``).

Thin: each route parses, calls :mod:`placenames.ops.exchange.features` and answers JSON
(``application/geo+json`` for features). Errors take the app's one JSON shape
(:func:`placenames.web.errors.render_error`). No token: the data are public. Responses allow
any origin (web maps of other departments) and carry a weak ``ETag`` of the map version, so a
client revalidating an unchanged page gets a 304 without a query.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request, url_for
from werkzeug.exceptions import NotAcceptable

from .. import db
from ..models.versions import map_version
from ..ops.exchange import features as ops
from ..ops.exchange import ogc_documents as docs

bp = Blueprint("ogc", __name__, url_prefix="/ogc")

_EXTENTS = "placenames.ogc_extents"


def _base() -> str:
    return url_for("ogc.landing", _external=True).rstrip("/")


def _title() -> str:
    office = current_app.config.get("OFFICE_NAME", "")
    return f"{office}标准地名地址 / Standard place names and addresses"


DESCRIPTION = ("标准地名、标准地址和门牌的公开数据，坐标为 CGCS2000 经纬度。 / Public data of the "
               "register: standard names, addresses and door plates, CGCS2000 longitude/latitude.")


def _only_f() -> None:
    """Resources other than items take ``f`` only (the standard: 400 for a parameter the API
    does not define)."""
    ops.check_parameters(request.args.to_dict(flat=False), ("f",))


JSON_TYPES = (docs.GEOJSON, docs.JSON, docs.OPENAPI, "application/vnd.oai.openapi+json",
              "application/openapi+json")


@bp.before_request
def _negotiate() -> None:
    """406 before any work when the client's Accept excludes every JSON type (no Accept, or
    ``*/*``, takes JSON: the one encoding served, besides the page for people)."""
    accept = request.accept_mimetypes
    if request.endpoint != "ogc.doc" and accept and accept.best_match(JSON_TYPES) is None:
        raise NotAcceptable("只提供 JSON / only JSON is served (f=json)")


def _answer(body: dict[str, Any], media: str) -> Response:
    """``body`` as compact UTF-8 JSON of type ``media``, readable from any origin."""
    response = Response(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                        content_type=media)
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _extents(coll: ops.Collection) -> ops.Extent:
    cache = current_app.extensions.setdefault(_EXTENTS, {})
    return ops.cached_extent(db.session(), coll, cache)


@bp.get("/", strict_slashes=False)
def landing() -> Response:
    """The landing page."""
    _only_f()
    doc = url_for("ogc.doc", _external=True)
    return _answer(docs.landing(_base(), _title(), DESCRIPTION, doc), docs.JSON)


@bp.get("/api")
def api() -> Response:
    """The OpenAPI 3.0 document of this service."""
    _only_f()
    return _answer(docs.openapi(_base(), _title(), DESCRIPTION), docs.OPENAPI)


@bp.get("/conformance")
def conformance() -> Response:
    """The conformance classes."""
    _only_f()
    return _answer(docs.conformance(), docs.JSON)


@bp.get("/collections")
def collections() -> Response:
    """The three collections with their extents."""
    _only_f()
    described = [(c, _extents(c)) for c in ops.COLLECTIONS.values()]
    return _answer(docs.collections(_base(), described), docs.JSON)


@bp.get("/collections/<collection_id>")
def collection(collection_id: str) -> Response:
    """One collection."""
    _only_f()
    coll = ops.collection(collection_id)
    return _answer(docs.collection(_base(), coll, _extents(coll)), docs.JSON)


def _not_modified() -> tuple[str, Response | None]:
    etag = f"ogc-{map_version(db.session())}"
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
        response.set_etag(etag, weak=True)
        return etag, response
    return etag, None


def _items_url(collection_id: str, **changes: Any) -> str:
    args = {k: v for k, v in request.args.items() if k not in ("offset", "after")}
    args.update({k: v for k, v in changes.items() if v is not None})
    return url_for("ogc.items", collection_id=collection_id, _external=True, **args)


@bp.get("/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    """A page of features: ``bbox``, ``datetime``, property filters, ``limit``/``offset``."""
    coll = ops.collection(collection_id)
    query = ops.parse_query(coll, request.args.to_dict(flat=False))
    etag, unchanged = _not_modified()
    if unchanged is not None:
        return unchanged
    page = ops.page(db.session(), coll, query)
    links = [docs.link(request.url, "self", docs.GEOJSON, "本页 / this page"),
             docs.link(f"{_base()}/collections/{coll.id}", "collection", docs.JSON, coll.title)]
    if page.more:
        links.append(docs.link(_items_url(coll.id, offset=query.offset + len(page.features),
                                          after=page.last_id),
                               "next", docs.GEOJSON, "下一页 / next page"))
    if 0 < query.offset <= ops.MAX_OFFSET + query.limit:  # a link that is served
        links.append(docs.link(_items_url(coll.id, offset=max(0, query.offset - query.limit)),
                               "prev", docs.GEOJSON, "上一页 / previous page"))
    response = _answer(docs.feature_collection(page, links, datetime.now(UTC)), docs.GEOJSON)
    response.set_etag(etag, weak=True)
    return response


@bp.get("/collections/<collection_id>/items/<feature_id>")
def item(collection_id: str, feature_id: str) -> Response:
    """One feature; 404 for an id the collection does not hold."""
    _only_f()
    coll = ops.collection(collection_id)
    etag, unchanged = _not_modified()
    if unchanged is not None:
        return unchanged
    found = ops.one(db.session(), coll, feature_id)
    response = _answer(docs.one_feature(found, _base(), coll), docs.GEOJSON)
    response.set_etag(etag, weak=True)
    return response


@bp.get("/doc")
def doc() -> str:
    """How to use the service, for people (the landing page's ``service-doc``)."""
    return render_template("ogc/doc.html", base=_base(), collections=ops.COLLECTIONS.values())
