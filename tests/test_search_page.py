"""The search page (/search), the start page's search and the map's search box, on the demo
register: results grouped into names and addresses, the matched part marked (and escaped),
historical names labelled and linked to the current name, refused queries kept with their
reason, filters that keep their value."""

import json
import re

import pytest
from sqlalchemy import select

from placenames.models import Address, Alias, Place
from placenames.ops.demo import loader as demo
from placenames.ops.search import Hit
from placenames.web.search_page import EXAMPLES, segments


@pytest.fixture
def demo_db(session):
    demo.load(session)
    session.commit()
    return session


def place(session, name):
    return session.scalar(select(Place).where(Place.name == name))


def address_of(session, road, number):
    return session.scalar(select(Address).join(Place, Address.road_id == Place.id)
                          .where(Place.name == road, Address.number == number,
                                 Address.building.is_(None)).limit(1))


def page(client, **args):
    r = client.get("/search", query_string={"lang": "zh", **args})
    return r, r.get_data(as_text=True)


def section(html, name):
    """The HTML of the names (``name``) or addresses (``address``) group, '' if absent."""
    m = re.search(rf'<section id="{name}-hits".*?</section>', html, re.S)
    return m.group(0) if m else ""


def first_hit(group_html):
    m = re.search(r'<li class="hit.*?</li>', group_html, re.S)
    assert m, group_html
    return m.group(0)


# -- the highlight ---------------------------------------------------------------------------

def test_segments_cut_a_label_by_its_spans():
    assert segments("世纪大道", [(0, 2)]) == [("世纪", True), ("大道", False)]
    assert segments("世纪大道", []) == [("世纪大道", False)]
    assert segments("世纪大道7号", [(2, 4), (0, 2), (5, 99)]) == [
        ("世纪大道", True), ("7", False), ("号", True)]
    assert segments("ab", [(1, 1), (2, 0), (-3, 1)]) == [("a", True), ("b", False)]
    assert segments("", [(0, 1)]) == [("", False)]


def test_the_marked_label_is_escaped(app):
    """A label or span holding markup is printed as text, with only <mark> as markup."""
    hit = Hit(kind="name", id="x", label="<b>世纪</b>&大道", matched="substring", score=1,
              spans=[(3, 5)])
    with app.test_request_context("/search"):
        template = app.jinja_env.from_string(
            '{% from "search/_hit.html" import marked with context %}'
            "{{ marked(hit.label, hit.spans) }}")
        out = template.render(hit=hit, highlight_segments=segments)
    assert out == "&lt;b&gt;<mark>世纪</mark>&lt;/b&gt;&amp;大道"


# -- the page --------------------------------------------------------------------------------

def test_an_empty_query_shows_the_form_and_a_hint(client, demo_db):
    for args in ({}, {"q": ""}, {"q": "   "}):
        r, html = page(client, **args)
        assert r.status_code == 200
        assert 'id="search-empty"' in html and "例如" in html
        assert "No names yet" not in html and "还没有地名" not in html
        assert 'id="search-summary"' not in html and 'class="error-summary"' not in html
    for example in EXAMPLES:  # each example teaches something that works on the demo
        r, html = page(client, q=example)
        assert r.status_code == 200 and 'class="hit-label"' in html, example


def test_a_chinese_query_finds_the_name_marked_with_its_words(client, demo_db):
    road = place(demo_db, "世纪大道")
    r, html = page(client, q="世纪")
    assert r.status_code == 200
    hit = first_hit(section(html, "name"))
    assert f'href="/names/{road.id}"><mark>世纪</mark>大道</a>' in hit
    assert "Shiji Dadao" in hit
    assert '<span class="tag">大道</span>' in hit  # the class as a word
    assert "status-in_force\">已生效" in hit
    assert "匹配方式" in hit


@pytest.mark.parametrize("q, how_zh, how_en", [
    ("shiji", "拼音", "Matched by pinyin"),
    ("Shì Jì", "拼音", "Matched by pinyin"),
    ("sjdd", "拼音首字母", "Matched by pinyin initials"),
])
def test_pinyin_and_initials_find_the_name(client, demo_db, q, how_zh, how_en):
    road = place(demo_db, "世纪大道")
    r, html = page(client, q=q)
    assert r.status_code == 200
    hit = first_hit(section(html, "name"))
    assert f'href="/names/{road.id}"' in hit and "<mark>" in hit
    assert f"匹配方式：{how_zh}</small>" in hit
    en = client.get("/search", query_string={"q": q, "lang": "en"}).get_data(as_text=True)
    assert how_en in first_hit(section(en, "name"))


def test_an_address_query_lists_the_address_first_with_its_code(client, demo_db):
    a = address_of(demo_db, "世纪大道", 7)
    r, html = page(client, q="世纪大道7号")
    assert r.status_code == 200
    addresses, names = section(html, "address"), section(html, "name")
    assert addresses and html.index('id="address-hits"') < html.index('id="name-hits"')
    hit = first_hit(addresses)
    assert f'href="/addresses/{a.code}"' in hit and f">{a.code}</span>" in hit
    assert "<mark>世纪大道7号</mark>" in hit
    assert "使用中" in hit  # the address's status as a word
    assert f'href="/names/{a.road_id}"' in names  # the road, as a name


def test_an_address_code_leads_to_its_address(client, demo_db):
    a = address_of(demo_db, "世纪大道", 7)
    r, html = page(client, q=a.code)
    assert r.status_code == 200
    hit = first_hit(section(html, "address"))
    assert f'href="/addresses/{a.code}"' in hit and a.full_text in hit
    assert "匹配方式：地址编码" in hit


def test_a_hostile_query_is_escaped_everywhere(client, demo_db):
    q = '世纪"><script>alert(1)</script>'
    r, html = page(client, q=q)
    assert r.status_code in (200, 400)
    assert "<script>alert(1)" not in html
    assert 'value="世纪&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    r, html = page(client, q="<script>")
    assert r.status_code in (200, 400) and "<script>" not in html.split("</head>")[1]


def test_a_renamed_name_is_labelled_historical_and_links_to_the_current_one(client, demo_db):
    old = place(demo_db, "建章路")
    new = Place(name="建章大道", specific="建章", generic="大道", cls="road", status="in_force",
                renamed_from_id=old.id, jurisdiction_id=old.jurisdiction_id)
    demo_db.add(new)
    demo_db.flush()
    old.status = "renamed"
    old.renamed_to_id = new.id
    demo_db.commit()
    r, html = page(client, q="建章路")
    assert r.status_code == 200
    hits = re.findall(r'<li class="hit.*?</li>', section(html, "name"), re.S)
    old_hit = next(h for h in hits if f'data-id="{old.id}"' in h)
    assert 'class="hit former"' in old_hit and "历史地名" in old_hit and "已更名" in old_hit
    assert f'<a class="current-name" href="/names/{new.id}">建章大道</a>' in old_hit
    en = client.get("/search?q=jianzhanglu&lang=en").get_data(as_text=True)
    assert "Former name" in en and f'href="/names/{new.id}">建章大道</a>' in en


def test_a_former_name_finds_the_current_name(client, demo_db):
    road = place(demo_db, "世纪大道")
    road.aliases.append(Alias(name="跨越大道", kind="former"))
    demo_db.commit()
    r, html = page(client, q="跨越")
    hit = first_hit(section(html, "name"))
    assert "历史地名" in hit and "<mark>跨越</mark>大道" in hit
    assert f'<a class="current-name" href="/names/{road.id}">世纪大道</a>' in hit


def test_a_refused_query_is_a_400_that_keeps_what_was_typed(client, demo_db):
    r, html = page(client, q="世纪\x01大道")
    assert r.status_code == 400
    assert 'class="error-summary"' in html and "控制字符" in html and "U+0001" in html
    assert '<a href="#search-q">' in html and 'class="field-error" id="search-error"' in html
    assert 'value="世纪\x01大道"' in html
    r = client.get("/search", query_string={"q": "世纪\x01", "lang": "en"})
    assert r.status_code == 400 and "control or invisible character" in r.get_data(True)
    r, html = page(client, q="x" * 101)
    assert r.status_code == 400 and "查询过长" in html and 'value="' + "x" * 101 in html
    r, html = page(client, q="？！…")
    assert r.status_code == 400 and "没有可查找" in html


def test_filters_narrow_the_names_and_keep_their_value(client, demo_db):
    road = place(demo_db, "世纪大道")
    _, html = page(client, q="世纪", cls="avenue", status="in_force")
    assert f'href="/names/{road.id}"' in section(html, "name")
    assert '<option value="avenue" selected>' in html
    assert '<option value="in_force" selected>' in html
    _, html = page(client, q="世纪", cls="road")
    assert f'href="/names/{road.id}"' not in html and '<option value="road" selected>' in html
    _, html = page(client, q="世纪", status="renamed")
    assert f'href="/names/{road.id}"' not in html
    # a plan's reserved and released names are never searched: no filter offers them
    assert '<option value="renamed"' in html
    assert '<option value="reserved"' not in html and '<option value="released"' not in html


@pytest.mark.parametrize("args", [{"cls": "castle"}, {"status": "bogus"},
                                  {"status": "reserved"}])
def test_an_unknown_filter_is_a_400_with_the_query_kept(client, demo_db, args):
    r, html = page(client, q="世纪", **args)
    assert r.status_code == 400
    assert "没有这个选项" in html and 'value="世纪"' in html


# -- the search box on every page, the start page, the map ---------------------------------

def test_every_page_has_the_search_box_and_the_search_page_one_box(client, demo_db):
    road = place(demo_db, "世纪大道")
    for url in (f"/names/{road.id}", "/notices", "/announcements"):
        html = client.get(url).get_data(as_text=True)
        assert 'id="site-search"' in html and 'action="/search"' in html, url
        assert 'id="search-config"' in html and "js/search.js" in html, url
    html = client.get("/search?q=shiji").get_data(as_text=True)
    assert 'id="site-search"' not in html and html.count("data-autocomplete") == 1
    html = client.get("/map").get_data(as_text=True)  # the map's own box searches there
    assert 'id="site-search"' not in html and 'id="map-search"' in html


def test_the_search_config_points_at_the_autocomplete_and_the_records(client, demo_db):
    html = client.get("/map?lang=zh").get_data(as_text=True)
    raw = re.search(r'<script type="application/json" id="search-config">(.*?)</script>',
                    html, re.S).group(1)
    cfg = json.loads(raw)
    assert cfg["autocomplete_url"] == "/api/v1/autocomplete"
    assert cfg["name_url"] == "/names/{id}" and cfg["address_url"] == "/addresses/{code}"
    assert cfg["labels"]["classes"]["avenue"] == "大道" and cfg["labels"]["former"] == "历史地名"
    r = client.get("/api/v1/autocomplete", query_string={"q": "shiji"})
    assert r.status_code == 200 and r.json["suggestions"][0]["label"] == "世纪大道"


def test_the_start_page_searches_through_the_search_page(client, demo_db):
    html = client.get("/?lang=zh").get_data(as_text=True)
    form = re.search(r'<form[^>]*id="start-search".*?</form>', html, re.S).group(0)
    assert 'action="/search"' in form and 'name="q"' in form
    r = client.get("/", query_string={"q": "shiji"})
    assert r.status_code == 302 and r.headers["Location"].endswith("/search?q=shiji")
    _, html = page(client, q="shiji")
    assert "<mark>世纪</mark>大道" in section(html, "name")


def test_the_map_search_finds_names_and_addresses(client, demo_db):
    road = place(demo_db, "世纪大道")
    hits = client.get("/map/search?q=shiji").json
    assert hits[0]["kind"] == "name" and hits[0]["id"] == str(road.id)
    assert hits[0]["name"] == "世纪大道" and hits[0]["group"] == "in_force"
    west, south, east, north = hits[0]["bbox"]
    assert west <= 108.815 <= east and south <= 34.282 <= north
    a = address_of(demo_db, "世纪大道", 7)
    hits = client.get("/map/search", query_string={"q": "世纪大道7号"}).json
    first = hits[0]  # an address query: the addresses first
    assert first["kind"] == "address"
    assert first["code"] == a.code and first["name"] == a.full_text
    lon, lat = first["point"]
    assert 108.7 < lon < 108.9 and 34.2 < lat < 34.4
    r = client.get("/map/search", query_string={"q": "世纪\x01"},
                   headers={"Accept": "application/json"})  # as the map's script asks
    assert r.status_code == 400 and "U+0001" in r.json["error"]
    assert client.get("/map/search?q=%25").json == []


def test_the_page_title_and_field_carry_the_query_unescaped_once(client, demo_db):
    _, html = page(client, q="A&B")
    assert "<title>A&amp;B · " in html and 'value="A&amp;B"' in html
