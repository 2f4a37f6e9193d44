"""Hypothesis tests of search (issue 10): the query parser and the four search endpoints.

- :func:`parse_query` on any text returns a :class:`Query` or raises :class:`QueryError` (with
  a bilingual message), never anything else, and a Query holds what its docstring promises:
  its text has no spaces, controls or punctuation, its pinyin is lower-case ASCII, its code is
  digits, its plate id a valid one…
- ``/api/v1/search``, ``/autocomplete``, ``/geocode`` and ``/reverse`` on the demo register,
  with arbitrary values of every argument (unicode, emoji, NUL, percent-escaped surrogates
  and invalid UTF-8, 10,000-character strings, SQL and full-text syntax), answer below 500,
  always with a JSON body: 200 with the documented keys, or 400 with an error message.
- Explicit cases of the issue's "bad input" list: each is a 400 with a bilingual message or a
  200 with empty results.

Examples: ~300 API requests on SpatiaLite, ~125 on PostGIS (the CI budget); the parser's
property runs 300 examples (it touches no database).
"""

from __future__ import annotations

import os
import re
import string
from collections import Counter
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from search_builders import module_app  # tests/ is on sys.path (pyproject.toml)

from placenames.naming.normalize import is_han
from placenames.ops.demo import loader as demo
from placenames.plates.ids import is_plate_id
from placenames.search.query import MAX_QUERY_LENGTH, Query, QueryError, parse_query

POSTGIS = bool(os.environ.get("PLACENAMES_TEST_DATABASE_URL"))
API_EXAMPLES = 25 if POSTGIS else 60  # per endpoint
TEXT_CHARS = set(string.ascii_lowercase + string.digits + "-#")

HOSTILE = [
    "", " ", "\u3000", "\t\n", "\x00", "a\x00b", "建章\x00路", "\x07", "\x1b[31m", "\u200b",
    "\u202e\u0644\u0627", "\ufeff", "\ufffd", "\U0010ffff", "🏠", "🏠🚗", "建章路🏠", "👨‍👩‍👧",
    "，。！？", "...", "---", "###", "'", "''", '"', "\\", "%", "_", "%_", "%%", "*", "长安*",
    '" OR 1=1 --', "' OR '1'='1' --", "'; DROP TABLE places; --", "NEAR(", "NEAR(a b, 2)",
    "a AND b", "OR", "NOT", "^", "col:x", "text:长安", "{a b}", "(", ")", "[", "]", "+", "~",
    "<->", "&", "|", "!", "@@", ":*", "a:*", "\\x00", "$1", "?", "%s%s%n", "{{7*7}}",
    "<script>alert(1)</script>", "名" * 10_000, "a" * 10_000, "1" * 10_000, "长" * 101,
    "长" * 100, "x" * 100, "a'" * 50, "1" * 24, "1" * 25, "610112012100001", "0" * 9,
    "7KQ2-M9XW-4TZB-1RC8-N", "7kq2m9xw4tzb1rc8n", "世纪大道7号", "世纪大道七号", "世纪大道７号",
    "沣东新城世纪大道7号2单元", "三桥街道世纪大道7号2单元501室", "shiji", "sjdd", "cal",
    "長安路", "长an路", "Xī'ān", "xi1 an1", "lü", "lv", "nü", "ü", "\u0301", "ǹg", "Ⅻ", "①号",
    "-1号", "99999999999999999999号", "世纪大道-7号", "世纪大道0号", "世纪大道1-2-3-4号",
]
NUMBERS = [
    "", "0", "-0", "1", "-1", "108.8", "34.28", "108.8,34.28", "1e999", "-1e999", "nan", "inf",
    "-inf", "NaN", "Infinity", "1e-400", "0x10", "１２", "三", "99999999999999999999",
    "-99999999999999999999", "1,2", "1,2,3", ",", "108.8,", ",34.28", "nan,nan", "inf,0",
    "181,91", "-181,-91", "200,100", "108.8 34.28", "108.8;34.28", "108,8,34,28", "5000",
    "5001", "0.0001", "50", "51", "2147483648", "-2147483649", " 1", "1 ",
]
# percent-escapes a client may send that are no text at all: a UTF-16 surrogate encoded as if
# it were a character (CESU-8), overlong forms, lone continuation bytes, NUL
RAW_ESCAPES = ["%ED%A0%80", "%ED%BF%BF", "%ED%A0%80%ED%B0%80", "%C0%AF", "%C0%80", "%80",
               "%FF", "%FE%FF", "%F4%90%80%80", "%00", "%E5%BB", "%", "%zz", "%2", "+"]
CLASSES = ["road", "street", "lane", "avenue", "bridge", "building", "nope", "", "ROAD", "road,"]
STATUSES = ["in_force", "renamed", "cancelled", "proposed", "historical", "all", "", "nope"]
AREAS = ["610112", "610112002", "西咸新区", "沣东新城", "xixian", "xixian-fengdong", "61",
         "6101", "", "nope", "%"]


# --- the parser ------------------------------------------------------------------------------

def check_query(raw: str, q: Query) -> None:
    """What a parsed query promises (module docstring of placenames.search.query)."""
    assert q.raw == raw and len(raw) <= MAX_QUERY_LENGTH
    assert q.text, raw
    assert all(is_han(ch) or ch in TEXT_CHARS for ch in q.text), (raw, q.text)
    assert any(is_han(ch) or ch.isascii() and ch.isalnum() for ch in q.text), (raw, q.text)
    assert q.has_han == any(is_han(ch) for ch in q.text), (raw, q)
    assert re.fullmatch(r"[a-z0-9\-]*", q.pinyin), (raw, q.pinyin)
    assert all(re.fullmatch(r"[a-z]+", s) for s in q.syllables), (raw, q.syllables)
    assert re.fullmatch(r"[a-z]*", q.latin) and not (q.has_han and q.latin), (raw, q.latin)
    assert q.initials == "".join(s[0] for s in q.syllables)
    assert q.fuzzy.isascii() and (q.fuzzy == "") == (not q.syllables), (raw, q.fuzzy)
    if q.code is not None:
        assert q.code == q.text and q.code.isdigit() and 9 <= len(q.code) <= 24, (raw, q.code)
    if q.plate_id is not None:
        assert is_plate_id(q.plate_id) and not q.has_han, (raw, q.plate_id)
    if q.looks_like_address:
        assert q.has_han
    # the text is its own normal form: parsing it again gives it back
    assert parse_query(q.text).text == q.text, (raw, q.text)


def check_error(raw: object, exc: QueryError) -> None:
    assert exc.code and exc.zh and exc.en, exc
    assert exc.message == f"{exc.zh} / {exc.en}"
    assert any(is_han(ch) for ch in exc.zh) and exc.en.isascii(), exc


queries = st.one_of(
    st.text(max_size=MAX_QUERY_LENGTH + 5),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    # what people type: han, pinyin with tones and numbers, digits, address words
    st.text(alphabet=st.sampled_from(list("长安路世纪大道沣东新城号单元室栋幢组-·'’ 　 "
                                          "abcdefghijklmnopqrstuvwxyzüāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ"
                                          "ABCXYZ0123456789１２３七十百零〇")), max_size=40),
    st.sampled_from(HOSTILE),
    st.lists(st.sampled_from(HOSTILE), max_size=4).map("".join),
)


@settings(max_examples=300, database=None, deadline=None)
@given(raw=queries)
@example(raw="\U0002b81d")  # a Chinese character with no known reading (not in the table)
@example(raw="长" * MAX_QUERY_LENGTH)
@example(raw="7KQ2-M9XW-4TZB-1RC8-N")
def test_parse_query_returns_a_query_or_refuses_with_a_reason(raw: str) -> None:
    try:
        q = parse_query(raw)
    except QueryError as exc:
        check_error(raw, exc)
        return
    check_query(raw, q)
    assert parse_query(raw) == q  # the same text means the same query


@pytest.mark.parametrize("raw", [None, 1, b"\xe9\x95\xbf", ["长安路"], {"q": 1}])
def test_parse_query_refuses_what_is_not_text(raw: object) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(raw)
    check_error(raw, info.value)


@pytest.mark.parametrize(("raw", "code"), [
    ("", "empty"), ("   \u3000\t", "empty"), ("长" * (MAX_QUERY_LENGTH + 1), "too_long"),
    ("，。！？……", "no_words"), ("🏠🚗", "no_words"), ("建章\x00路", "control_char"),
    ("\x07", "control_char"), ("a\u200bb", "control_char"),
])
def test_parse_query_names_what_is_wrong(raw: str, code: str) -> None:
    with pytest.raises(QueryError) as info:
        parse_query(raw)
    assert info.value.code == code, (raw, info.value)


# --- the API ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_app(_template: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app on the demo register, loaded once for the module (the API only reads it)."""
    with module_app(_template, tmp_path_factory.mktemp("search_fuzz"),
                    RATELIMIT_ENABLED=False) as app:
        app.extensions["placenames.limiter"].enabled = False
        session = app.extensions["placenames.sessionmaker"]()
        demo.load(session)
        session.commit()
        session.close()
        yield app


class Raw(str):
    """Percent-escapes sent as they are (they may decode to no text at all)."""

    __slots__ = ()


def _escaped(value: str) -> str:
    """A query-string value: UTF-8 percent-encoded (a lone surrogate as its CESU-8 bytes), or
    a :class:`Raw` value as it is."""
    if isinstance(value, Raw):
        return str(value)
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def values(pool: list[str], good: list[str] | st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Values of one argument: plausible ones two times in three (so that another argument's
    junk reaches the handler), else anything."""
    junk = st.one_of(
        st.sampled_from(pool), st.sampled_from(HOSTILE), st.text(max_size=30),
        st.sampled_from(RAW_ESCAPES).map(Raw),
        st.lists(st.sampled_from(RAW_ESCAPES), min_size=1, max_size=3).map(
            lambda es: Raw("a" + "".join(es))),
        st.text(alphabet=st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
                min_size=1, max_size=2),  # lone surrogates, percent-encoded as CESU-8 bytes
    )
    plausible = good if isinstance(good, st.SearchStrategy) else st.sampled_from(good)
    return st.one_of(plausible, plausible, junk)


def floats(low: float, high: float) -> st.SearchStrategy[str]:
    """Numbers in range, as a client writes them (repr, fixed, exponent)."""
    return st.floats(low, high).flatmap(lambda x: st.sampled_from(
        [repr(x), f"{x:.6f}", f"{x:e}", str(int(x))]))


GOOD_Q = ["世纪大道", "世纪", "shiji", "sjdd", "长an路", "長安路", "世纪大道7号",
          "沣东新城世纪大道7号", "三桥街道世纪大道7号2单元", "建章路", "jianzhang lu", "jzl",
          "镐京", "丰镐大道1号"]
LIMITS = ["1", "5", "20", "50"]
ARGS = {
    "search": {"q": values(HOSTILE, GOOD_Q), "cls": values(CLASSES, ["road", "avenue"]),
               "status": values(STATUSES, ["in_force"]), "area": values(AREAS, ["610112"]),
               "near": values(NUMBERS, st.tuples(floats(-180, 180), floats(-90, 90)).map(",".join)),
               "limit": values(NUMBERS, LIMITS)},
    "autocomplete": {"q": values(HOSTILE, GOOD_Q), "limit": values(NUMBERS, LIMITS)},
    "geocode": {"q": values(HOSTILE, GOOD_Q), "limit": values(NUMBERS, LIMITS)},
    "reverse": {"lon": values(NUMBERS, st.one_of(st.just("108.815"), floats(-180, 180))),
                "lat": values(NUMBERS, st.one_of(st.just("34.2822"), floats(-90, 90))),
                "radius": values(NUMBERS, floats(0.01, 5000)),
                "limit": values(NUMBERS, LIMITS)},
}
REQUIRED = {"search": {"q"}, "autocomplete": {"q"}, "geocode": {"q"}, "reverse": {"lon", "lat"}}
VALID = {"search": "q=" + quote("世纪大道"), "autocomplete": "q=shiji",
         "geocode": "q=" + quote("世纪大道7号"), "reverse": "lon=108.815&lat=34.2822"}
KEYS = {"search": {"q", "names", "addresses"}, "autocomplete": {"q", "suggestions"},
        "geocode": {"q", "matches"}, "reverse": {"lon", "lat", "radius_m", "addresses", "names"}}


def query_strings(endpoint: str) -> st.SearchStrategy[str]:
    """A query string with the endpoint's required arguments (a value of junk may be empty)
    and any of its others, one of them sometimes repeated."""
    args = ARGS[endpoint]
    required = {k: v for k, v in args.items() if k in REQUIRED[endpoint]}
    optional = {k: v for k, v in args.items() if k not in REQUIRED[endpoint]}
    pairs = st.fixed_dictionaries(required, optional=optional).map(
        lambda d: [(k, v) for k, v in sorted(d.items())])
    repeated = st.tuples(st.sampled_from(sorted(args)), st.sampled_from(HOSTILE))
    return st.tuples(pairs, st.lists(repeated, max_size=1)).map(
        lambda t: "&".join(f"{k}={_escaped(v)}" for k, v in t[0] + t[1]))


def check_answer(endpoint: str, qs: str, r) -> None:  # type: ignore[no-untyped-def]
    where = f"/api/v1/{endpoint}?{qs[:300]}"
    assert r.status_code < 500, f"{where} → {r.status_code}\n{r.get_data(as_text=True)[:2000]}"
    assert r.status_code in (200, 400), f"{where} → {r.status_code}"
    assert r.is_json, f"{where} → {r.status_code} {r.content_type}"
    body = r.get_json()
    if r.status_code == 400:
        assert isinstance(body.get("error"), str) and body["error"].strip(), (where, body)
    else:
        assert KEYS[endpoint] <= set(body), (where, body)


@pytest.mark.db
@pytest.mark.parametrize("endpoint", sorted(ARGS))
def test_search_api_never_answers_5xx(demo_app: Flask, endpoint: str) -> None:
    client = demo_app.test_client()

    seen: Counter[int] = Counter()

    @settings(max_examples=API_EXAMPLES, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(qs=query_strings(endpoint))
    @example(qs=VALID[endpoint])
    def run(qs: str) -> None:
        r = client.get(f"/api/v1/{endpoint}?{qs}")
        check_answer(endpoint, qs, r)
        seen[r.status_code] += 1

    run()
    assert seen[200] and seen[400], seen  # the fuzz reached the handler and its refusals


@pytest.mark.db
@settings(max_examples=API_EXAMPLES, database=None, deadline=None,
          suppress_health_check=list(HealthCheck))
@given(lon=st.floats(-200, 200), lat=st.floats(-100, 100), radius=st.floats(-1, 6000),
       limit=st.integers(-2, 60))
def test_reverse_answers_any_number(demo_app: Flask, lon: float, lat: float, radius: float,
                                    limit: int) -> None:
    """Numbers in and out of range: 200 inside them (nearest first, within the radius), 400
    outside, never a 5xx."""
    qs = f"lon={lon!r}&lat={lat!r}&radius={radius!r}&limit={limit}"
    r = demo_app.test_client().get(f"/api/v1/reverse?{qs}")
    check_answer("reverse", qs, r)
    inside = -180 <= lon <= 180 and -90 <= lat <= 90 and 0 < radius <= 5000 and 1 <= limit <= 50
    assert (r.status_code == 200) == inside, (qs, r.get_json())
    if inside:
        body = r.get_json()
        for group in ("addresses", "names"):
            d = [h["distance_m"] for h in body[group]]
            assert d == sorted(d) and all(0 <= x <= radius for x in d) and len(d) <= limit, body


def _bilingual(message: str) -> bool:
    return " / " in message and any(is_han(ch) for ch in message) and \
        bool(re.search(r"[A-Za-z]{3}", message))


BAD_Q = {
    "empty": "", "blank": "   ", "over-long": "长" * (MAX_QUERY_LENGTH + 1),
    "10k characters": "名" * 10_000, "punctuation only": "，。！？……——", "emoji": "🏠🚗",
    "NUL": "建章\x00路", "control": "\x07\x1b", "zero-width": "建\u200b章路",
}


def _empty(endpoint: str, body: dict) -> bool:  # type: ignore[type-arg]
    """No result at all (for geocode: only a "none" match that says why)."""
    lists = {"search": ("names", "addresses"), "autocomplete": ("suggestions",),
             "geocode": ("matches",)}[endpoint]
    if endpoint == "geocode":  # never empty: a "none" match with its reason
        return all(m["quality"] == "none" and m["reason"] for m in body["matches"])
    return all(body[k] == [] for k in lists)


def _refusal_is_clear(r, guarded: bool = False) -> str | None:  # type: ignore[no-untyped-def]
    """None when ``r`` is a 400 whose message says what is wrong in both languages (or, for a
    request the app's guard stops before any handler, in the language of the page), else why
    not."""
    if r.status_code != 400 or not r.is_json:
        return f"{r.status_code} {r.get_data(as_text=True)[:300]}"
    message = r.get_json().get("error", "")
    if guarded and message and any(is_han(ch) for ch in message):
        return None
    return None if _bilingual(message) else f"unclear message {message!r}"


@pytest.mark.db
def test_bad_queries_are_refused_with_a_message_or_find_nothing(demo_app: Flask) -> None:
    client = demo_app.test_client()
    problems = []
    for endpoint in ("search", "autocomplete", "geocode"):
        for case, q in sorted(BAD_Q.items()):
            r = client.get(f"/api/v1/{endpoint}?q={_escaped(q)}")
            if r.status_code == 200 and r.is_json and _empty(endpoint, r.get_json()):
                continue
            # NUL never reaches a handler: the app's guard refuses it (web/security.py)
            why = _refusal_is_clear(r, guarded="\x00" in q)
            if why:
                problems.append(f"{endpoint} {case} {q[:20]!r}: {why}")
    assert not problems, "\n".join(problems)


@pytest.mark.db
def test_a_bad_near_is_refused_with_a_message(demo_app: Flask) -> None:
    client = demo_app.test_client()
    problems = []
    for near in ["abc", "1,2,3", "108.8", "nan,nan", "inf,34", "200,100", "108.8,-91", ",",
                 "108.8;34.2", " , ", "1e999,1"]:
        why = _refusal_is_clear(client.get(f"/api/v1/search?q=世纪大道&near={_escaped(near)}"))
        if why:
            problems.append(f"near={near!r}: {why}")
    r = client.get("/api/v1/search?q=世纪大道&near=%ED%A0%80")  # a surrogate: the guard's
    assert _refusal_is_clear(r, guarded=True) is None, r.get_data(as_text=True)
    assert not problems, "\n".join(problems)


@pytest.mark.db
def test_a_bad_point_is_refused_with_a_message(demo_app: Flask) -> None:
    client = demo_app.test_client()
    problems = []
    for args in ["lon=abc&lat=34.2", "lat=34.2", "lon=108.8", "lon=181&lat=34", "lon=108.8&lat=91",
                 "lon=nan&lat=34", "lon=108.8&lat=34.2&radius=0", "lon=108.8&lat=34.2&radius=-5",
                 "lon=108.8&lat=34.2&radius=1e9", "lon=108.8&lat=34.2&limit=0",
                 "lon=108.8&lat=34.2&limit=x", "lon=1e999&lat=34.2", "lon=&lat="]:
        why = _refusal_is_clear(client.get(f"/api/v1/reverse?{args}"))
        if why:
            problems.append(f"{args}: {why}")
    assert not problems, "\n".join(problems)


@pytest.mark.db
def test_sql_and_full_text_syntax_is_searched_as_text(demo_app: Flask) -> None:
    """Operators of SQL, FTS5 and tsquery find nothing special: they are not put into SQL text,
    and around a real name they do not stop it being found."""
    client = demo_app.test_client()
    for q in ['" OR 1=1 --', "*", "NEAR(", "%_", "' OR '1'='1", "a:*", "长安*", "%世纪%"]:
        r = client.get(f"/api/v1/search?q={_escaped(q)}")
        assert r.status_code in (200, 400) and r.is_json, (q, r.status_code)
    for q in ['世纪大道" OR 1=1 --', "世纪大道*", "%世纪大道%", "世纪大道'; --"]:
        r = client.get(f"/api/v1/search?q={_escaped(q)}")
        assert r.status_code == 200, (q, r.get_data(as_text=True))
        assert "世纪大道" in [h["label"] for h in r.get_json()["names"]][:3], (q, r.get_json())
