"""The demo's name stories: 世纪大道's is published (with a drawn picture marked as a demo
image), so a new user sees it on the record page and on the scan page of the demo plates (all
on 世纪大道); 丰镐大道's, a heritage name, waits for review, so the user reviews it as the
committee member (the clerk wrote it). Written through the real operations by the demo clerk;
loading twice changes nothing.
"""

from __future__ import annotations

import io
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import NameStory, Place, User
from ...storage import Shelf
from ..stories import StoryInput, act, add_photo, mark_heritage, start

FENGHAO = StoryInput(
    meaning="西周都城丰京、镐京遗址在其附近，取两京之名。",
    origin=("周文王作邑于丰，周武王营建镐京，合称丰镐，为西周都城近三百年。\n"
            "两京遗址在今沣河两岸，1961 年列为全国重点文物保护单位。道路沿遗址以北东西走向，"
            "命名时取“丰镐”以存其名。（演示数据）"),
    sources="《诗经·大雅·文王有声》；《西安市地名志》（演示引用）")
CENTURY = StoryInput(
    meaning="寓意跨世纪发展。",
    origin=("道路建成于世纪之交，为沣东新城东西向主干道，西起沣河东岸，东接西安城区。\n"
            "命名时取“跨世纪发展”之意，寄望新城建设承前启后。（演示数据）"),
    sources="沣东新城建设局道路命名申报材料（演示引用）")


def _picture() -> bytes:
    """A drawn picture of a broad avenue under a clear sky (not a photograph)."""
    img = Image.new("RGB", (480, 300), (206, 224, 240))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 170, 480, 300), fill=(120, 160, 100))
    draw.polygon([(200, 170), (280, 170), (470, 300), (10, 300)], fill=(90, 90, 96))
    for y in range(180, 300, 24):  # the centre line
        draw.rectangle((238, y, 242, y + 12), fill=(240, 240, 240))
    return _jpeg(img)


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, "JPEG", quality=85)
    return out.getvalue()


def load_stories(session: Session, now: datetime, folder: Shelf | None) -> int:
    """Write the demo stories that are missing; photos go on the ``folder`` shelf (none
    without one). Returns the stories added."""
    users = {u.username: u for u in session.scalars(select(User).where(
        User.username.in_(["clerk", "committee"])))}
    if len(users) < 2:
        return 0
    clerk, committee = users["clerk"], users["committee"]
    added = 0
    for name, text, publish in (("世纪大道", CENTURY, True), ("丰镐大道", FENGHAO, False)):
        place = session.scalar(select(Place).where(Place.name == name, Place.status == "in_force"))
        if place is None or session.scalar(select(NameStory.id).where(
                NameStory.place_id == place.id)) is not None:
            continue
        clock = now - timedelta(days=3)
        story = start(session, place.id, text, actor=clerk, now=clock)
        if publish and folder is not None:
            add_photo(session, story, folder, "century.jpg", _picture(),
                      "世纪大道示意（演示图片，非实拍）", "演示数据绘制", actor=clerk, now=clock)
        if not publish:  # a heritage name: the mark holds before the story is published
            mark_heritage(session, story, True, actor=clerk, now=clock,
                          note="西周都城遗址（演示）")
        act(session, story, "submit", actor=clerk, now=clock + timedelta(hours=1))
        if publish:
            act(session, story, "publish", actor=committee, now=clock + timedelta(days=1))
        added += 1
    session.flush()
    return added
