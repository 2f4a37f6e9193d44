"""What every template must hold to (read from the files, no app needed)."""

import re
from pathlib import Path

TEMPLATES = Path(__file__).resolve().parents[1] / "placenames" / "templates"
TITLE = re.compile(r"{%-?\s*block title\s*-?%}(.*?){%-?\s*endblock", re.S)


def test_page_titles_hold_text_only():
    """A <title> shows its content as text: markup there (a section pasted into the title block
    of the signs page once) is shown raw in the tab and missing from the page."""
    titles = {path.relative_to(TEMPLATES).as_posix(): m.group(1)
              for path in TEMPLATES.rglob("*.html")
              for m in TITLE.finditer(path.read_text(encoding="utf-8"))}
    assert len(titles) > 40, titles
    bad = {name: title for name, title in titles.items() if re.search(r"<\s*[a-zA-Z/]", title)}
    assert not bad, bad
