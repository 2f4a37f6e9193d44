from placenames import migrate
from placenames.models import Place


def test_healthz_reports_backend_revision_and_counts(client, session):
    import os

    body = client.get("/healthz").get_json()
    expected = "postgis" if os.environ.get("PLACENAMES_TEST_DATABASE_URL") else "spatialite"
    assert body["backend"] == expected
    assert body["revision"] == migrate.head_revision()
    assert body["counts"]["places"] == 0
    session.add(Place(name="建章路", specific="建章", generic="路", cls="road", status="in_force"))
    session.commit()
    assert client.get("/healthz").get_json()["counts"]["places"] == 1


def test_start_page_is_chinese_by_default_and_switches_to_english(client):
    zh = client.get("/").get_data(as_text=True)
    assert "标准地名" in zh and 'lang="zh-CN"' in zh
    en = client.get("/?lang=en")
    assert 'lang="en"' in en.get_data(as_text=True)
    assert "Registry of standard place names" in en.get_data(as_text=True)
    # the choice is remembered in a cookie
    again = client.get("/").get_data(as_text=True)
    assert 'lang="en"' in again


def test_unknown_page_is_a_clean_404_in_html_and_json(client):
    html = client.get("/no-such-page")
    assert html.status_code == 404 and b"Traceback" not in html.data
    api = client.get("/api/v1/nothing")
    assert api.status_code == 404 and api.get_json()["status"] == 404


def test_an_error_without_a_message_of_its_own_is_said_in_the_pages_language(client):
    """werkzeug's English descriptions ("The requested URL was not found on the server…") are
    not shown on the Chinese pages: the standard errors are said in the page's language."""
    page = client.get("/no-such-page").get_data(as_text=True)
    assert "没有这个页面" in page and "requested URL" not in page
    wrong_method = client.delete("/")
    assert wrong_method.status_code == 405
    assert "此页面不支持这种操作方式" in wrong_method.get_data(as_text=True)
    assert client.get("/api/v1/nothing").get_json()["error"].startswith("没有这个页面")
    english = client.get("/no-such-page?lang=en").get_data(as_text=True)  # the choice is kept
    assert "There is no such page" in english and "没有这个页面" not in english
