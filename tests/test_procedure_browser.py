"""One road name from application to in force, in the Chinese UI, in headless chromium.

The app is served by werkzeug in a thread on the test database (SpatiaLite file or PostGIS);
the test signs in as each role in turn (applicant, clerk, surveyor, the three experts drawn,
committee member, approver), comments as the public, moves the clock past the notice period,
and saves a screenshot of every step under ``test-artifacts/procedure/``.
"""

from datetime import timedelta

import browser_builders as bb  # tests/ is on sys.path (pyproject.toml)
import procedure_builders as b  # tests/ is on sys.path (pyproject.toml)
import pytest

from placenames.workflow import State

ARTIFACTS = bb.artifacts("procedure")


@pytest.fixture
def served(app, session):
    b.world(session)
    session.commit()
    session.close()
    clock = {"now": b.NOW}
    app.config["CLOCK"] = lambda: clock["now"]
    with bb.served(app) as base:
        yield base, clock


@bb.NEEDS_CHROMIUM[0]
@bb.NEEDS_CHROMIUM[1]
def test_a_road_name_from_application_to_in_force_in_the_chinese_ui(served, tmp_path):
    from playwright.sync_api import expect

    base, clock = served
    geojson = tmp_path / "road.geojson"
    geojson.write_text(b.LINE)
    photo = tmp_path / "site.png"
    from PIL import Image

    Image.new("RGB", (64, 48), (11, 78, 162)).save(photo)
    shots = iter(range(1, 100))

    with bb.chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)

        def shot(step):
            page.screenshot(path=str(ARTIFACTS / f"{next(shots):02d}-{step}.png"), full_page=True)

        def login(username):
            page.goto("about:blank")  # no request of the last page may set a cookie after
            context.clear_cookies()
            page.goto(f"{base}/login")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", "demo1234")
            page.click("button[type=submit]")
            expect(page.locator("header .who")).to_be_visible()

        def act(action, step, fill=None):
            page.goto(app_url)
            form = page.locator(f"#act-{action}")
            expect(form).to_be_visible()
            for selector, value in (fill or {}).items():
                field = form.locator(selector)
                if selector.startswith("select"):
                    field.select_option(value)
                elif selector.startswith("input[type=file]"):
                    field.set_input_files(value)
                else:
                    field.fill(value)
            form.locator(f"#do-{action}").click()
            expect(page.locator("p.flash.ok")).to_be_visible()
            shot(step)

        # 1. the applicant files and submits
        login("applicant")
        page.goto(f"{base}/committee/applications/new")
        expect(page.locator("h1")).to_have_text("新建申请")
        page.select_option("#cls", "road")
        page.select_option("#jurisdiction", "610112012")
        page.fill("#name1", "丰邑路")
        page.fill("#name1_reason", "取周文王丰京之意")
        page.fill("#reason", "新建城市支路，需要命名")
        page.fill("#location_desc", "沣东新城建章路街道，建章路以东")
        page.fill("#start_desc", "建章路")
        page.fill("#end_desc", "三桥新街")
        page.fill("#length_m", "1500")
        page.fill("#width_m", "30")
        shot("application-form")
        page.click("#save")
        expect(page.locator("#state")).to_have_attribute("data-state", "draft")
        app_url = page.url
        act("submit", "submitted")
        expect(page.locator("#screen")).to_contain_text("Fengyi Lu")
        # 2. the office accepts it
        login("clerk")
        act("accept", "accepted")
        # 3. site survey with the geometry and a photo
        login("surveyor")
        act("record_survey", "surveyed", {
            "textarea[name=findings]": "道路已建成通车，路面宽约 30 米",
            "input[name=length_m]": "1480", "input[name=width_m]": "30",
            "input[type=file][name=geojson_file]": str(geojson),
            "input[type=file][name=photos]": str(photo)})
        expect(page.locator("#survey img")).to_have_count(1)
        # 4. expert review: the office draws the panel; each drawn expert gives an opinion
        login("clerk")
        act("open_review", "review-opened")
        for expert in ("expert", "expert2", "expert3"):
            login(expert)
            page.goto(app_url)
            if page.locator("#act-record_opinion").count():
                act("record_opinion", f"opinion-{expert}", {
                    "select[name=opinion]": "agree", "textarea[name=reasons]": "名称寓意清楚"})
        login("clerk")
        act("close_review", "review-closed")
        expect(page.locator("#panel-result")).to_have_text("同意")
        # 5. public notice and a comment from the public
        act("open_comment", "notice-opened")
        context.clear_cookies()
        page.goto(f"{base}/notices")
        page.click("text=丰邑路")
        page.fill("textarea[name=body]", "支持，名字有历史感")
        page.fill("input[name=author]", "张三")
        page.fill("input[name=phone]", "13812345678")
        page.click("#comment-form button[type=submit]")
        expect(page.locator("#public-comments")).to_contain_text("张*")
        expect(page.locator("#public-comments")).not_to_contain_text("13812345678")
        shot("public-comment")
        clock["now"] = b.NOW + timedelta(days=11)  # the period has ended
        login("clerk")
        page.goto(app_url)
        page.fill("#comments textarea[name=disposition]", "意见已采纳，予以说明")
        page.click("#comments form.dispose button")
        act("close_comment", "notice-closed")
        # 6. assessment and decision
        login("committee")
        act("record_assessment", "assessed", {
            "textarea[name=legality]": "符合《地名管理条例》",
            "textarea[name=conclusion]": "建议批准"})
        login("approver")
        act("approve", "approved", {"input[name=approving_body]": "西咸新区管委会",
                                    "input[name=doc_no]": "陕西咸发〔2026〕12号"})
        # 7. announcement, filing, in force
        login("clerk")
        page.goto(f"{base}/committee/")
        expect(page.locator("#deadlines")).to_contain_text("丰邑路")
        shot("dashboard-deadlines")
        act("announce", "announced")
        act("file", "filed", {"input[name=registration_no]": "BA-2026-001"})
        act("put_in_force", "in-force")
        expect(page.locator("#state")).to_have_attribute("data-state", State.IN_FORCE.value)
        expect(page.locator("#state")).to_have_text("已生效")
        expect(page.locator("#in-force")).to_contain_text("Fengyi Lu")
        context.clear_cookies()
        page.goto(f"{base}/announcements")
        page.click("text=丰邑路")
        fields = page.locator("#announcement-fields")
        for text in ("丰邑路", "Fengyi Lu", "建章路街道", "建章路以东", "西咸新区管委会",
                     "2026年03月13日"):
            expect(fields).to_contain_text(text)
        shot("announcement")
    assert len(list(ARTIFACTS.glob("*.png"))) >= 15


@pytest.fixture
def reviewing(app, session):
    """Served, with an application under review whose panel holds an expert without an
    account (钱专家) beside the three demo experts."""
    from placenames.ops.procedure import applications as apps

    users = b.world(session)
    cfg = apps.Settings.from_config(app.config, app.instance_path)
    a = b.under_review_with_an_expert_without_account(session, users, cfg)
    session.commit()
    app_id = a.id
    session.close()
    app.config["CLOCK"] = lambda: b.NOW
    with bb.served(app) as base:
        yield base, app_id


@bb.NEEDS_CHROMIUM[0]
@bb.NEEDS_CHROMIUM[1]
def test_the_clerk_enters_an_offline_meeting_in_the_browser(reviewing, tmp_path):
    from playwright.sync_api import expect

    base, app_id = reviewing
    minutes = tmp_path / "会议纪要.pdf"
    minutes.write_bytes(b.PDF)
    with bb.chromium() as browser:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1100, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15000)
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "clerk")
        page.fill("input[name=password]", "demo1234")
        page.click("button[type=submit]")
        page.goto(f"{base}/committee/applications/{app_id}")
        form = page.locator("#act-record_meeting")
        expect(form).to_contain_text("钱专家")
        expect(form.locator("fieldset.meeting-member")).to_have_count(4)
        members = form.locator("fieldset.meeting-member")
        for i in range(4):
            members.nth(i).locator("select").select_option("agree")
            members.nth(i).locator("textarea").fill(f"第{i + 1}位专家：同意")
        members.nth(3).locator("textarea").fill("")  # one reason missing: refused, kept
        form.locator("input[type=file][name=minutes]").set_input_files(str(minutes))
        form.locator("#do-record_meeting").click()
        expect(page.locator("#error-summary")).to_contain_text("的意见（以纪要为准）")
        expect(page.locator("#act-record_meeting fieldset.meeting-member").nth(0)
               .locator("textarea")).to_have_value("第1位专家：同意")
        page.screenshot(path=str(ARTIFACTS / "meeting-refused.png"), full_page=True)
        form = page.locator("#act-record_meeting")
        form.locator("fieldset.meeting-member").nth(3).locator("textarea").fill("第4位专家：同意")
        form.locator("input[type=file][name=minutes]").set_input_files(str(minutes))
        form.locator("#do-record_meeting").click()
        expect(page.locator("p.flash.ok")).to_be_visible()
        expect(page.locator("#timeline")).to_contain_text("由地名办科员（演示）代钱专家录入")
        expect(page.locator("#meetings a.minutes")).to_have_count(1)
        expect(page.locator("#act-close_review")).to_be_visible()
        page.screenshot(path=str(ARTIFACTS / "meeting-entered.png"), full_page=True)
