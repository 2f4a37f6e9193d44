"""What the ``/api/v1`` blueprints share: query schemas, a few argument types, and the
answers of lists and single records (cursor pages with ``Link``, ``ETag`` and 304).

Lists answer ``{"items": [...], "next_cursor": "…" | null}`` with ``Link: <…>; rel="next"``
while there is more; each answer carries an ``ETag`` and ``If-None-Match`` with it is
answered 304. Register lists (names, addresses, plates, jurisdictions) are validated by the
map version before any query (:func:`placenames.ops.exchange.listing.register_etag`); other
answers by a hash of their body.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, jsonify, request
from sqlalchemy.orm import Session
from webargs.multidictproxy import MultiDictProxy
from werkzeug.datastructures import MultiDict

from .. import db
from ..errors import NotFound
from ..ops.exchange import listing
from .api import Blueprint

F = TypeVar("F", bound=Callable[..., Any])


class Arguments(ma.Schema):
    """A request's arguments (query or JSON body); an empty value (``?status=``, as a form
    sends it) counts as absent."""

    @ma.pre_load
    def _drop_empty(self, data: Any, **_kwargs: Any) -> Any:
        if isinstance(data, MultiDictProxy):
            kept = MultiDict([(k, v) for k, v in data.data.items(multi=True) if v != ""])
            return MultiDictProxy(kept, self)
        if isinstance(data, Mapping):
            return {k: v for k, v in data.items() if v != ""}
        return data


NUMBER = r"[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?"
"""A decimal number as clients write it (``108.8``, ``-3``, ``1.2e-05``)."""


class Numbers(ma.fields.String):
    """Comma-separated finite numbers, as many as :attr:`COUNT` (documented by a pattern,
    checked before they are read); :meth:`accept` adds a subclass's own rule."""

    COUNT = 2
    default_error_messages = {"numbers": "数字格式有误 / bad numbers"}  # noqa: RUF012

    def __init__(self, **kwargs: Any) -> None:
        kwargs["metadata"] = {"pattern": self.pattern(), **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    @classmethod
    def pattern(cls) -> str:
        """The regular expression of the text."""
        return r"^\s*" + r"\s*,\s*".join([NUMBER] * cls.COUNT) + r"\s*$"

    def accept(self, values: tuple[float, ...]) -> bool:
        """True when the values make sense together (any finite ones here)."""
        return True

    def _deserialize(self, value: Any, attr: str | None, data: Any,
                     **kwargs: Any) -> tuple[float, ...]:
        text = super()._deserialize(value, attr, data, **kwargs)
        if not re.match(self.pattern(), text):
            raise self.make_error("numbers")
        values = tuple(float(v) for v in text.split(","))  # the pattern says they parse
        if not all(math.isfinite(v) for v in values) or not self.accept(values):
            raise self.make_error("numbers")
        return values


class LonLat(Numbers):
    """``LON,LAT`` (CGCS2000 degrees), a pair of finite numbers (the ranges are the
    operation's to check)."""

    default_error_messages = {"numbers": "应为 经度,纬度 / must be LON,LAT"}  # noqa: RUF012


class BBox(Numbers):
    """``minLon,minLat,maxLon,maxLat`` (CGCS2000 degrees), inside lon/lat ranges, min ≤ max."""

    COUNT = 4
    default_error_messages = {  # noqa: RUF012
        "numbers": "应为 minLon,minLat,maxLon,maxLat（经纬度，最小值不大于最大值）/ must be "
                   "minLon,minLat,maxLon,maxLat in degrees, each min not above its max"}

    def accept(self, values: tuple[float, ...]) -> bool:
        """Inside lon/lat ranges, each minimum not above its maximum."""
        minx, miny, maxx, maxy = values
        return -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90


def code_field(description: str, *, max_digits: int = 12) -> ma.fields.String:
    """A division-code argument (digits only)."""
    return ma.fields.String(validate=ma.validate.Regexp(rf"^[0-9]{{1,{max_digits}}}$"),
                            metadata={"description": description})


class ListArgs(Arguments):
    """``limit`` and ``cursor`` of every list."""

    limit = ma.fields.Integer(
        load_default=listing.DEFAULT_LIMIT,
        validate=ma.validate.Range(min=1, max=listing.MAX_LIMIT),
        metadata={"description": f"每页条数 / records per page (1–{listing.MAX_LIMIT})"})
    cursor = ma.fields.String(
        validate=ma.validate.Length(max=400),
        metadata={"description": "上一页返回的 next_cursor（不透明，原样传回）/ the "
                                 "next_cursor of the previous page, passed back unchanged"})


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The schema of a page of ``item`` records."""
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "next_cursor": ma.fields.String(
            required=True, allow_none=True,
            metadata={"description": "下一页的 cursor，最后一页为 null / cursor of the next "
                                     "page; null on the last"}),
    }, name=name)


ETAG_HEADER = {"description": "本答复的校验值（用于 If-None-Match）/ validator of this answer",
               "schema": {"type": "string"}}
LINK_HEADER = {"description": '下一页：<URL>; rel="next"（最后一页没有）/ the next page '
                              '(absent on the last)', "schema": {"type": "string"}}


def documented_list(blp: Blueprint, schema: type[ma.Schema], *errors: int) -> Callable[[F], F]:
    """Document a list operation: its page schema with ``ETag`` and ``Link``, 304, and
    ``errors`` (400 for bad arguments always)."""

    def wrap(fn: F) -> F:
        fn = blp.response(200, schema, headers={"ETag": ETAG_HEADER, "Link": LINK_HEADER})(fn)
        return blp.conditional(blp.errors(400, *errors)(fn))

    return wrap


def documented_item(blp: Blueprint, schema: type[ma.Schema] | dict[str, Any],
                    *errors: int) -> Callable[[F], F]:
    """Document a single-record operation: its schema with ``ETag``, 304, 404 and
    ``errors``."""

    def wrap(fn: F) -> F:
        fn = blp.response(200, schema, headers={"ETag": ETAG_HEADER})(fn)
        return blp.conditional(blp.errors(400, 404, *errors)(fn))

    return wrap


def register_list(kind: str, listing_of: Callable[[Session], listing.Listing], *,
                  args: Mapping[str, Any], limit: int, cursor: str | None,
                  private: bool = True) -> Response:
    """A page of a register list (names, addresses, plates, jurisdictions): 304 if the
    client's validator still holds (checked before any query), else the page."""
    s = db.session()
    etag = listing.register_etag(s, kind, {**args, "limit": limit, "cursor": cursor}, secret())
    cached = not_modified(etag, private=private)
    if cached is not None:
        return cached
    page = listing.page(s, listing_of(s), secret=secret(), cursor=cursor, limit=limit)
    return page_answer(page, etag=etag, private=private)


def secret() -> bytes:
    """The key cursors are signed with (the app's secret)."""
    return str(current_app.config["SECRET_KEY"]).encode()


def _cache(response: Response, private: bool) -> Response:
    response.headers["Cache-Control"] = "private, no-cache" if private else "no-cache"
    if private:
        response.vary.add("Authorization")
    return response


def not_modified(etag: str, *, private: bool) -> Response | None:
    """A 304 if the client holds ``etag`` (weak comparison), else None."""
    if request.if_none_match.contains_weak(etag):
        response = Response(status=304)
        response.set_etag(etag, weak=True)
        return _cache(response, private)
    return None


def _next_link(cursor: str) -> str:
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "cursor"]
    return f'<{request.base_url}?{urlencode([*args, ("cursor", cursor)])}>; rel="next"'


def page_answer(page: listing.Page, *, etag: str | None = None,
                private: bool = True) -> Response:
    """A page as JSON with ``Link`` to the next one and an ``ETag`` (``etag``, weak, when the
    page was validated before it was read; else a strong hash of the body), 304 if unchanged
    for the client."""
    response = jsonify({"items": page.items, "next_cursor": page.next_cursor})
    if page.next_cursor:
        response.headers["Link"] = _next_link(page.next_cursor)
    return _validated(response, etag, private)


def record_answer(record: dict[str, Any] | None, *, private: bool = True,
                  missing: str = "未找到该记录 / no such record") -> Response:
    """One record as JSON with a strong ``ETag``, 304 if unchanged; 404 if None."""
    if record is None:
        raise NotFound(missing)
    return _validated(jsonify(record), None, private)


def _validated(response: Response, etag: str | None, private: bool) -> Response:
    if etag is None:
        tag = listing.body_etag(response.get_data())
        if request.if_none_match.contains_weak(tag):
            response = Response(status=304)
        response.set_etag(tag)
    else:
        response.set_etag(etag, weak=True)
    return _cache(response, private)
