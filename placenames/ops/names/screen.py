"""The duplicate and homophone screen (重名/同音) against the register.

Candidates are fetched by index on both backends and scored by the pure names engine:
- key matches (same name, same 专名, same 专名 pinyin, same fuzzy key, directional variants)
  through composite (key, division code) indexes, restricted to the legal scope;
- similar-sounding names through the syllable index (a name shares a folded syllable of its
  专名 with the names it is similar to), restricted to the scope, pre-scored on the stored
  pinyin with rapidfuzz before any full row is loaded;
- every name within a radius of the proposed location, across the scope's border;
- for a division class (township, village/community, county and above), the names of the
  divisions (``jurisdictions``) of the matching levels in the same legal scope, by the same
  keys through their (key, code) indexes, and the merely similar ones by scoring the 专名
  pinyin of every division of those levels in the scope (a few thousand at most: ~1,300
  townships in a province, ~3,300 divisions of county level and above nationwide). A name of
  any other class runs no division query.

The legal scope (条例 art. 9; DOMAIN.md): streets, lanes, residential areas, buildings (and
bridges, squares, parks) within the built-up area (a ``Scope`` of kind ``built_up_area``, a set
of jurisdictions and/or a polygon; without one, the city); townships within the province;
villages and communities within the county; county level and above nationwide.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, and_, bindparam, false, or_, select
from sqlalchemy.orm import Session, aliased, joinedload

from ... import spatial
from ...errors import BadInput, NotFound
from ...models import (
    Jurisdiction,
    Level,
    ManagementMembership,
    Place,
    PlaceKeys,
    PlaceSyllable,
    Scope,
)
from ...models.jurisdictions import scope_members
from ...naming import duplicates, rules
from ...naming.errors import NamingError
from ...naming.generics import ADMIN_CLASSES, CLASSES, GENERICS, division_class
from ...naming.keys import NameKeys, name_keys, probe_terms
from ...naming.normalize import clean_name
from ...naming.romanize import romanize

BUILT_UP_CLASSES = frozenset(CLASSES - ADMIN_CLASSES - {"village", "community", "island"})
PREFIX_LEN_BY_CLASS = {"township": 2, "village": 6, "community": 6}  # province, county
DEFAULT_RADIUS_M = 2000.0
ONE_CHARACTER_GENERICS = tuple(g for g, c in GENERICS.items()
                               if len(g) == 1 and c in BUILT_UP_CLASSES)
SIMILARITY_THRESHOLD = 85.0
_ABOVE_COUNTY = ("county", "city", "province", "management")
DIVISION_LEVELS: dict[str, tuple[str, ...]] = {
    "township": ("township",), "village": ("village",), "community": ("village",),
    "county": _ABOVE_COUNTY, "prefecture": _ABOVE_COUNTY, "city": _ABOVE_COUNTY,
    "province": _ABOVE_COUNTY,
}
"""Division levels a proposal of each class is screened against (条例 art. 9): townships
against the townships of the province, villages and communities against the villages of the
county, county level and above against every county, city, province and management area."""
UNBOUNDED_LEVELS = frozenset({"township", "village"})
"""Levels too numerous nationwide (41,352 townships) to score every 专名 for similarity."""


@dataclass(frozen=True)
class ScreenScope:
    """Where the screen looks: division code prefixes (empty: nationwide) and a polygon."""

    label_zh: str
    label_en: str
    prefixes: tuple[str, ...] = ()
    nationwide: bool = False
    polygon_scope_id: uuid.UUID | None = None
    radius_m: float = DEFAULT_RADIUS_M


@dataclass
class ScreenResult:
    """Everything the office needs to judge a proposed name."""

    name: str
    cls: str
    romanization: str
    keys: NameKeys
    scope: ScreenScope
    findings: list[rules.Finding]
    hits: list[duplicates.Hit]
    jurisdiction_names: dict[str, str] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        """``block``, ``warn`` or ``clear`` (info findings and hits do not count)."""
        severities = {f.severity for f in self.findings} | {h.severity for h in self.hits}
        return "block" if "block" in severities else "warn" if "warn" in severities else "clear"


def screen(session: Session, name: str, cls: str, *, area_code: str | None = None,
           near: tuple[float, float] | None = None, exclude_id: str | None = None,
           exclude_ids: Collection[str] = (), lexicons: rules.Lexicons | None = None,
           similarity_threshold: float = SIMILARITY_THRESHOLD) -> ScreenResult:
    """Screen ``name`` of class ``cls`` proposed in ``area_code`` (and/or ``near`` a point).

    ``exclude_id`` and ``exclude_ids`` are places never reported: the record itself (a
    rename's target, the reserved name an application took).
    """
    if cls not in CLASSES:
        raise BadInput(f"未知的地名类别 / unknown class: {cls!r} "
                       f"(one of {', '.join(sorted(CLASSES))})")
    try:
        cleaned = clean_name(name)
        keys = name_keys(cleaned, cls)
        spelled = romanize(cleaned, cls)
    except NamingError as exc:
        raise BadInput(f"{exc.message_zh} / {exc.message_en}") from exc
    if near is not None:
        _check_point(near)
    area = _jurisdiction(session, area_code) if area_code else None
    scope = resolve_scope(session, cls, area)
    rows = fetch_candidates(session, cleaned, keys, scope, near, similarity_threshold,
                            classes=ADMIN_CLASSES if cls in ADMIN_CLASSES else None)
    skip = {str(i) for i in exclude_ids}
    candidates = [_candidate(row, dist) for row, dist in rows if str(row.id) not in skip]
    if cls in DIVISION_LEVELS:
        candidates += division_candidates(session, cleaned, keys, scope, DIVISION_LEVELS[cls],
                                          similarity_threshold)
    hits = duplicates.score(cleaned, cls, keys, candidates, proposed_id=exclude_id,
                            similarity_threshold=similarity_threshold)
    codes = {h.jurisdiction_code for h in hits if h.jurisdiction_code}
    names = dict(session.execute(select(Jurisdiction.code, Jurisdiction.name)
                                 .where(Jurisdiction.code.in_(codes))).all())
    if lexicons is None:  # the office's lists, put on the session by the app (db.init_app)
        lexicons = session.info.get("lexicons")
    return ScreenResult(cleaned, cls, spelled, keys, scope,
                        rules.check_name(cleaned, cls, lexicons), hits, names)


def _check_point(p: tuple[float, float]) -> None:
    lon, lat = p
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise BadInput(f"坐标超出范围 / coordinates out of range: {lon},{lat}")


def _jurisdiction(session: Session, code: str) -> Jurisdiction:
    j = session.scalar(select(Jurisdiction).where(Jurisdiction.code == code.strip()))
    if j is None:
        raise NotFound(f"未找到行政区划代码 / unknown division code: {code!r}")
    return j


def resolve_scope(session: Session, cls: str, area: Jurisdiction | None) -> ScreenScope:
    """The legal scope of a name of class ``cls`` proposed in ``area``."""
    if area is None or cls in ADMIN_CLASSES - {"township"}:
        return ScreenScope("全国", "nationwide", nationwide=True)
    legal = _legal_codes(session, area)
    if cls in PREFIX_LEN_BY_CLASS:
        n = PREFIX_LEN_BY_CLASS[cls]
        prefixes = tuple(sorted({c[:n] for c in legal if len(c) >= n}))
        label = ("省内", "within the province") if n == 2 else ("县内", "within the county")
        return ScreenScope(*label, prefixes=prefixes or tuple(legal))
    built_up = _built_up_scope(session, cls, area)
    if built_up is not None:
        members = _legal_codes_of(session, list(built_up.members))
        return ScreenScope(built_up.name, f"built-up area {built_up.name}",
                           prefixes=tuple(sorted(members)),
                           polygon_scope_id=built_up.id if built_up.geom is not None else None,
                           radius_m=float(built_up.radius_m or DEFAULT_RADIUS_M))
    prefixes = tuple(sorted({c[:4] for c in legal if len(c) >= 4})) or tuple(legal)
    return ScreenScope("所在城市", "the city", prefixes=prefixes)


def _ancestors(j: Jurisdiction) -> list[Jurisdiction]:
    chain, node = [], j
    while node is not None:
        chain.append(node)
        node = node.parent
    return chain


def _legal_codes(session: Session, area: Jurisdiction) -> set[str]:
    """The legal division codes of ``area`` (a management area stands for what it manages)."""
    return _legal_codes_of(session, [area])


def _legal_codes_of(session: Session, areas: Sequence[Jurisdiction]) -> set[str]:
    codes: set[str] = set()
    managers = []
    for a in areas:
        if a.level == Level.MANAGEMENT:
            managers.append(a.id)
        else:
            codes.add(a.code)
    if managers:
        codes |= set(session.scalars(
            select(Jurisdiction.code).join(ManagementMembership,
                                           ManagementMembership.member_id == Jurisdiction.id)
            .where(ManagementMembership.area_id.in_(managers))))
    return codes


def _built_up_scope(session: Session, cls: str, area: Jurisdiction) -> Scope | None:
    """The built-up area scope that contains ``area`` (or one of its ancestors or managers)."""
    if cls not in BUILT_UP_CLASSES:
        return None
    ids = {j.id for j in _ancestors(area)}
    ids |= set(session.scalars(select(ManagementMembership.area_id)
                               .where(ManagementMembership.member_id.in_(ids))))
    scopes = session.scalars(
        select(Scope).join(scope_members, scope_members.c.scope_id == Scope.id)
        .where(Scope.kind == "built_up_area", scope_members.c.jurisdiction_id.in_(ids))
        .distinct().order_by(Scope.name))
    for scope in scopes:
        classes = {c for c in scope.classes.split(",") if c}
        if not classes or cls in classes:
            return scope
    return None


ScopeShape = tuple[bool, tuple[bool, ...]]
"""A scope as SQL sees it: nationwide?, and per prefix whether it is a code range."""


def _shape(scope: ScreenScope) -> ScopeShape:
    return scope.nationwide, tuple(p.isdigit() for p in scope.prefixes)


def _scope_condition(column: Any, shape: ScopeShape,
                     values: dict[str, str] | None = None) -> ColumnElement[bool]:
    """The scope condition with its codes as parameters ``scope_lo<i>``/``scope_hi<i>``:
    bound to ``values`` when given, else left for the execution (:func:`scope_params`)."""
    def param(key: str) -> Any:
        return bindparam(key) if values is None else bindparam(key, values[key])

    nationwide, ranges = shape
    if nationwide:
        return column.is_not(None) | column.is_(None)
    terms = [and_(column >= param(f"scope_lo{i}"), column < param(f"scope_hi{i}"))
             if is_range else column == param(f"scope_lo{i}")
             for i, is_range in enumerate(ranges)]
    return or_(*terms) if terms else false()


def scope_params(scope: ScreenScope) -> dict[str, str]:
    """Values of the parameters of :func:`_scope_condition`."""
    values = {}
    for i, prefix in enumerate(scope.prefixes):
        values[f"scope_lo{i}"] = prefix
        if prefix.isdigit():  # every code that starts with the prefix: [prefix, next prefix)
            values[f"scope_hi{i}"] = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return values


def in_scope(column: Any, scope: ScreenScope) -> ColumnElement[bool]:
    """SQL condition: the division code ``column`` lies in one of the scope's code ranges
    (at most once in a statement: its parameter names are fixed)."""
    return _scope_condition(column, _shape(scope), scope_params(scope))


@lru_cache(maxsize=256)
def _duplicate_statement(with_pinyin: bool, shape: ScopeShape) -> Any:
    k = PlaceKeys
    terms = [k.key_specific == bindparam("specific")]
    if with_pinyin:
        terms.append(k.key_specific_pinyin == bindparam("specific_pinyin"))
    by_name = select(Place.id).where(Place.name == bindparam("name"),
                                     _scope_condition(Place.division_code, shape))
    # UNION ALL: an id found both ways comes twice (the callers keep a set), with no sort
    return by_name.union_all(select(k.place_id).where(or_(*terms),
                                                      _scope_condition(k.division_code, shape)))


def duplicate_ids(session: Session, name: str, keys: NameKeys,
                  scope: ScreenScope) -> list[uuid.UUID]:
    """The fast path, duplicates and homophones: ids of the same name, the same 专名 or the same
    专名 pinyin, in scope (an id may come twice); each term is served by its (key, division
    code) index.

    The statement is built once per shape of scope and run on the session's connection with
    bound values: at a p99 of about 1 ms, building and ORM-compiling a select each time was a
    third of the cost.
    """
    stmt = _duplicate_statement(bool(keys.specific_pinyin), _shape(scope))
    values = {"name": name, "specific": keys.specific, **scope_params(scope)}
    if keys.specific_pinyin:
        values["specific_pinyin"] = keys.specific_pinyin
    return list(session.connection().execute(stmt, values).scalars())


def variant_ids(session: Session, name: str, keys: NameKeys,
                scope: ScreenScope) -> list[uuid.UUID]:
    """Near-homophones (same fuzzy key), directional variants (新长安/长安/长安西: the same
    core 专名) and ambiguous splits (庆大街 = 庆+大街 against 庆大路), in scope, by index (an
    id may come twice). Like :func:`duplicate_ids`, one statement per shape, run with bound
    values."""
    core = duplicates.core_specific(keys.specific)
    stem = duplicates.stem(name)
    stmt = _variant_statement(bool(keys.fuzzy), bool(stem), bool(keys.specific), _shape(scope))
    values: dict[str, Any] = {"core": core, "specific": keys.specific, **scope_params(scope)}
    if keys.fuzzy:
        values["fuzzy"] = keys.fuzzy
    if stem:
        values["stem"] = stem
    if keys.specific:
        values["splits"] = sorted({keys.specific + g for g in ONE_CHARACTER_GENERICS})
    return list(session.connection().execute(stmt, values).scalars())


@lru_cache(maxsize=256)
def _variant_statement(with_fuzzy: bool, with_stem: bool, with_splits: bool,
                       shape: ScopeShape) -> Any:
    k = PlaceKeys
    terms = [k.key_core == bindparam("core"), k.key_specific == bindparam("core"),
             k.key_core == bindparam("specific")]
    if with_fuzzy:
        terms.append(k.key_fuzzy == bindparam("fuzzy"))
    if with_stem:
        terms.append(k.key_specific == bindparam("stem"))
    by_keys = select(k.place_id).where(or_(*terms), _scope_condition(k.division_code, shape))
    if not with_splits:
        return by_keys
    # the scope's parameters are bound once: both parts share the same values
    return by_keys.union_all(select(Place.id).where(
        Place.name.in_(bindparam("splits", expanding=True)),
        _scope_condition(Place.division_code, shape)))


def _similar_ids(session: Session, keys: NameKeys, scope: ScreenScope,
                 threshold: float, classes: frozenset[str] | None = None) -> set[uuid.UUID]:
    """Ids of in-scope names whose 专名 pinyin is similar enough, among those sharing a folded
    syllable of the 专名 or its first letter at a possible length (read from the covering
    syllable index alone), scored by rapidfuzz. With ``classes`` (few names: the division
    classes), every in-scope name of those classes is scored instead."""
    if not keys.specific_pinyin:
        return set()
    values: dict[str, Any] = scope_params(scope)
    if classes is not None:
        values["classes"] = sorted(classes)
    else:
        values["terms"] = list(probe_terms(keys, threshold))
    stmt = _similar_statement(classes is not None, _shape(scope))
    rows = session.connection().execute(stmt, values).all()
    if not rows:
        return set()
    ids, pinyins = zip(*rows, strict=True)
    found = process.extract(keys.specific_pinyin, pinyins, scorer=fuzz.ratio,
                            score_cutoff=threshold, limit=None)
    return {ids[i] for _choice, _score, i in found}


@lru_cache(maxsize=256)
def _similar_statement(by_class: bool, shape: ScopeShape) -> Any:
    if by_class:
        return (select(Place.id, PlaceKeys.key_specific_pinyin)
                .join(PlaceKeys, PlaceKeys.place_id == Place.id)
                .where(Place.cls.in_(bindparam("classes", expanding=True)),
                       PlaceKeys.key_specific_pinyin.is_not(None),
                       _scope_condition(PlaceKeys.division_code, shape)))
    return (select(PlaceSyllable.place_id, PlaceSyllable.specific_pinyin).distinct()
            .where(PlaceSyllable.syllable.in_(bindparam("terms", expanding=True)),
                   _scope_condition(PlaceSyllable.division_code, shape)))


def fetch_candidates(session: Session, name: str, keys: NameKeys, scope: ScreenScope,
                     near: tuple[float, float] | None, threshold: float, *,
                     classes: frozenset[str] | None = None
                     ) -> list[tuple[Place, float | None]]:
    """Places that may conflict, each with its distance in metres from ``near`` (or None).

    ``classes``: only places of these classes. A proposed division name (township and above,
    screened province- or nationwide) is compared with the names of divisions kept as places
    (reserved township or county names of a plan…), not with every road that shares its
    专名: 建章路街道 is named after 建章路, and a county's name is not a road's duplicate."""
    ids = set(duplicate_ids(session, name, keys, scope))
    ids |= set(variant_ids(session, name, keys, scope))
    ids |= _similar_ids(session, keys, scope, threshold, classes)
    bind = session.get_bind()
    if near is not None and scope.radius_m > 0:
        ids |= set(session.scalars(select(Place.id).where(
            spatial.within_m(Place.geom, near[0], near[1], scope.radius_m, bind))))
    if not ids:
        return []
    wanted = [Place.id.in_(ids)] if classes is None else \
        [Place.id.in_(ids), Place.cls.in_(sorted(classes))]
    eager = joinedload(Place.match_keys)  # _candidate reads them: one query, not one a place
    if near is None:
        return [(p, None) for p in session.scalars(select(Place).options(eager).where(*wanted))]
    here = spatial.point(*near)
    rows = session.execute(select(Place, spatial.distance_m(Place.geom, here, bind))
                           .options(eager).where(*wanted)).all()
    return [(p, float(d) if d is not None else None) for p, d in rows]


def _candidate(place: Place, distance: float | None) -> duplicates.Candidate:
    k = place.match_keys or PlaceKeys()
    keys = NameKeys(pinyin=k.key_pinyin or "", specific_pinyin=k.key_specific_pinyin or "",
                    fuzzy=k.key_fuzzy or "", specific=k.key_specific or "",
                    initials=k.key_initials or "")
    return duplicates.Candidate(id=str(place.id), name=place.name, cls=place.cls,
                                status=place.status, jurisdiction_code=place.division_code,
                                distance_m=round(distance, 1) if distance is not None else None,
                                keys=keys)


# --- division names ----------------------------------------------------------------------------

_Parent = aliased(Jurisdiction, name="parent")
_DIVISION_COLUMNS = (Jurisdiction.id, Jurisdiction.name, Jurisdiction.level, Jurisdiction.status,
                     Jurisdiction.code, _Parent.code.label("parent_code"),
                     Jurisdiction.key_pinyin, Jurisdiction.key_specific_pinyin,
                     Jurisdiction.key_fuzzy, Jurisdiction.key_specific, Jurisdiction.key_initials,
                     Jurisdiction.key_core)


def divisions_select() -> Any:
    """Select the columns of a division candidate (:func:`division_candidate`)."""
    return (select(*_DIVISION_COLUMNS)
            .outerjoin(_Parent, _Parent.id == Jurisdiction.parent_id))


def division_candidates(session: Session, name: str, keys: NameKeys, scope: ScreenScope,
                        levels: Sequence[str], threshold: float) -> list[duplicates.Candidate]:
    """Divisions of ``levels`` in ``scope`` that may conflict with the proposal: the same keys
    as :func:`duplicate_ids` and :func:`variant_ids` look up (:func:`probe_keys`), each by its
    (key, code) index, and those whose 专名 pinyin reaches ``threshold`` (rapidfuzz ratio)
    among all divisions of those levels in the scope, read through the (level, code) index.

    The second part is skipped where the scope is not bounded (a township or village proposed
    without an area: tens of thousands of rows); the keys are still looked up."""
    probe = probe_keys(name, keys)
    match = or_(*(getattr(Jurisdiction, column).in_(sorted(values))
                  for column, values in probe.items() if values))
    # the level compared as a value (level || ''), not as an index key: the planner then
    # serves each OR term by its (key, code) index instead of scanning a whole level
    by_key = divisions_select().where(match, (Jurisdiction.level + "").in_(levels),
                                      in_scope(Jurisdiction.code, scope))
    conn = session.connection()  # plain rows: no ORM to build, no ids to parse in the pool
    rows = list(conn.execute(by_key).mappings())
    if keys.specific_pinyin and not (scope.nationwide and UNBOUNDED_LEVELS & set(levels)):
        seen = {row["code"] for row in rows}
        pool = conn.execute(select(Jurisdiction.code, Jurisdiction.key_specific_pinyin).where(
            Jurisdiction.level.in_(levels), in_scope(Jurisdiction.code, scope),
            Jurisdiction.key_specific_pinyin.is_not(None))).all()
        found = process.extract(keys.specific_pinyin, [sp for _code, sp in pool],
                                scorer=fuzz.ratio, score_cutoff=threshold, limit=None)
        similar = [pool[i][0] for _choice, _score, i in found if pool[i][0] not in seen]
        if similar:
            rows += conn.execute(divisions_select()
                                 .where(Jurisdiction.code.in_(similar))).mappings()
    return [division_candidate(row) for row in rows]


def division_candidate(row: Any) -> duplicates.Candidate:
    """A row of :data:`_DIVISION_COLUMNS` as a candidate: an active division counts as a name
    in force, any other status (abolished, inactive) as a cancelled one."""
    keys = NameKeys(pinyin=row["key_pinyin"] or "", specific_pinyin=row["key_specific_pinyin"]
                    or "", fuzzy=row["key_fuzzy"] or "", specific=row["key_specific"] or "",
                    initials=row["key_initials"] or "")
    return duplicates.Candidate(
        id=str(row["id"]), name=row["name"], cls=division_class(row["level"], row["name"]),
        status="in_force" if row["status"] == "active" else "cancelled",
        jurisdiction_code=row["parent_code"], distance_m=None, keys=keys,
        record="division", code=row["code"], level=row["level"])


def as_dict(result: ScreenResult) -> dict[str, Any]:
    """The result as plain JSON-ready data (API and ``check-name --json``); a division's hit
    says ``record: division`` with its own ``code`` and ``level`` (``jurisdiction`` is where
    it lies, its parent)."""
    return {
        "name": result.name, "class": result.cls, "romanization": result.romanization,
        "verdict": result.verdict,
        "scope": {"label_zh": result.scope.label_zh, "label_en": result.scope.label_en,
                  "nationwide": result.scope.nationwide, "radius_m": result.scope.radius_m},
        "findings": [{"code": f.code, "severity": f.severity, "message_zh": f.message_zh,
                      "message_en": f.message_en} for f in result.findings],
        "hits": [{"id": h.id, "name": h.name, "class": h.cls, "status": h.status,
                  "jurisdiction_code": h.jurisdiction_code,
                  "jurisdiction": result.jurisdiction_names.get(h.jurisdiction_code or ""),
                  "distance_m": h.distance_m, "kind": h.kind, "score": h.score,
                  "severity": h.severity, "reason_zh": h.reason_zh, "reason_en": h.reason_en,
                  "record": h.record, "code": h.code, "level": h.level}
                 for h in result.hits],
    }


# --- many names at once (imports) --------------------------------------------------------------

@dataclass(frozen=True)
class Proposal:
    """One name of a batch screened by :func:`screen_many`; ``exclude`` are ids not to report
    (the record itself, records the same batch wrote)."""

    name: str
    cls: str
    keys: NameKeys
    division_code: str | None
    scope: ScreenScope
    exclude: frozenset[str] = frozenset()


_KEY_COLUMNS = ("name", "key_specific", "key_specific_pinyin", "key_fuzzy", "key_core")
_BULK_CHUNK = 900  # values per IN list (SQLite's limit of bound parameters is far above)


def probe_keys(name: str, keys: NameKeys) -> dict[str, set[str]]:
    """What :func:`duplicate_ids` and :func:`variant_ids` look up for one name, by column."""
    core = duplicates.core_specific(keys.specific)
    names = {name}
    if keys.specific:
        names |= {keys.specific + g for g in ONE_CHARACTER_GENERICS}
    stem = duplicates.stem(name)
    specifics = {keys.specific, core} | ({stem} if stem else set())
    return {"name": names, "key_specific": {s for s in specifics if s},
            "key_specific_pinyin": {keys.specific_pinyin} - {""},
            "key_fuzzy": {keys.fuzzy} - {""}, "key_core": {core, keys.specific} - {""}}


def in_scope_code(code: str | None, scope: ScreenScope) -> bool:
    """Python's side of :func:`in_scope`: the division code lies in one of the scope's ranges."""
    if scope.nationwide:
        return True
    if code is None:
        return False
    return any(code.startswith(p) if p.isdigit() else code == p for p in scope.prefixes)


def screen_many(session: Session, proposals: Sequence[Proposal]) -> list[list[duplicates.Hit]]:
    """Duplicates and homophones of many names against the register, by the indexed keys in
    bulk: one IN query per key column and chunk of values, instead of one screen a name.

    Finds what :func:`duplicate_ids` and :func:`variant_ids` find (same name, same 专名, same
    专名 pinyin, same fuzzy key, directional variants, ambiguous splits) in each proposal's
    legal scope, among places and, for a division class, divisions (as
    :func:`division_candidates` does), scored by :func:`duplicates.score`; it leaves out the
    per-name search for merely similar spellings and the radius around a point. Returns the hits
    (block and warn only) of each proposal, in order.
    """
    wanted: dict[str, set[str]] = {c: set() for c in _KEY_COLUMNS}
    probes = []
    for p in proposals:
        probe = probe_keys(p.name, p.keys)
        probes.append(probe)
        for column, values in probe.items():
            wanted[column] |= values
    found: dict[str, dict[str, list[duplicates.Candidate]]] = {c: {} for c in _KEY_COLUMNS}
    for column, values in wanted.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), _BULK_CHUNK):
            part = ordered[start:start + _BULK_CHUNK]
            table = Place if column == "name" else PlaceKeys
            stmt = _CANDIDATES.where(getattr(table, column).in_(part))
            for row in session.execute(stmt).mappings():
                found[column].setdefault(row[column], []).append(_row_candidate(row))
    divisions = _bulk_divisions(session, proposals, probes)
    results = []
    for p, probe in zip(proposals, probes, strict=True):
        candidates: dict[str, duplicates.Candidate] = {}
        levels = DIVISION_LEVELS.get(p.cls, ())
        for column, values in probe.items():
            for value in values:
                for cand in found[column].get(value, ()):
                    if cand.id not in p.exclude and in_scope_code(cand.jurisdiction_code,
                                                                  p.scope):
                        candidates[cand.id] = cand
                for cand in divisions[column].get(value, ()) if levels else ():
                    if cand.id not in p.exclude and cand.level in levels and \
                            in_scope_code(cand.code, p.scope):
                        candidates[cand.id] = cand
        hits = duplicates.score(p.name, p.cls, p.keys, candidates.values())
        results.append([h for h in hits if h.severity in ("block", "warn")])
    return results


def _bulk_divisions(session: Session, proposals: Sequence[Proposal],
                    probes: Sequence[dict[str, set[str]]]
                    ) -> dict[str, dict[str, list[duplicates.Candidate]]]:
    """The divisions :func:`screen_many` needs, by key column and value: only for proposals
    of a division class, only at the levels they are screened against (none for a batch of
    roads)."""
    found: dict[str, dict[str, list[duplicates.Candidate]]] = {c: {} for c in _KEY_COLUMNS}
    levels = sorted({lv for p in proposals for lv in DIVISION_LEVELS.get(p.cls, ())})
    if not levels:
        return found
    wanted: dict[str, set[str]] = {c: set() for c in _KEY_COLUMNS}
    for p, probe in zip(proposals, probes, strict=True):
        if p.cls in DIVISION_LEVELS:
            for column, values in probe.items():
                wanted[column] |= values
    for column, values in wanted.items():
        ordered = sorted(values)
        for start in range(0, len(ordered), _BULK_CHUNK):
            part = ordered[start:start + _BULK_CHUNK]
            stmt = divisions_select().where(getattr(Jurisdiction, column).in_(part),
                                      (Jurisdiction.level + "").in_(levels))  # by the key
            for row in session.execute(stmt).mappings():
                found[column].setdefault(row[column], []).append(division_candidate(row))
    return found


_CANDIDATES = select(Place.id, Place.name, Place.cls, Place.status, Place.division_code,
                     PlaceKeys.key_pinyin, PlaceKeys.key_specific_pinyin, PlaceKeys.key_fuzzy,
                     PlaceKeys.key_specific, PlaceKeys.key_initials, PlaceKeys.key_core
                     ).outerjoin(PlaceKeys, PlaceKeys.place_id == Place.id)


def _row_candidate(row: Any) -> duplicates.Candidate:
    keys = NameKeys(pinyin=row["key_pinyin"] or "", specific_pinyin=row["key_specific_pinyin"]
                    or "", fuzzy=row["key_fuzzy"] or "", specific=row["key_specific"] or "",
                    initials=row["key_initials"] or "")
    return duplicates.Candidate(id=str(row["id"]), name=row["name"], cls=row["cls"],
                                status=row["status"], jurisdiction_code=row["division_code"],
                                distance_m=None, keys=keys)
