"""Every code a page shows has a Chinese and an English label, and templates never print a
stored code bare."""

import re
from pathlib import Path

import pytest

from placenames.web import committee, labels

TEMPLATES = Path(__file__).resolve().parents[1] / "placenames" / "templates"
CJK = re.compile(r"[\u4e00-\u9fff]")
GROUPS = [(f"labels.{k}", v) for k, v in labels.KINDS.items()] + [
    (f"committee.{k}", v) for k, v in committee.LABELS.items()]


@pytest.mark.parametrize("group, table", GROUPS, ids=[g for g, _ in GROUPS])
def test_every_code_has_a_chinese_and_an_english_label(app, group, table):
    for lang in ("zh", "en"):
        with app.test_request_context(f"/?lang={lang}"):
            for code, label in table.items():
                text = str(label)
                if lang == "zh":  # a word, not the code
                    assert text != code and CJK.search(text), (group, code, text)
                else:  # English words (which may spell like the code: road)
                    assert text.strip() and not CJK.search(text), (group, code, text)


# attributes that hold codes; a template must pass them through a label helper
CODE_ATTRS = r"(status|side|kind|opinion|rule|severity|action|level|role|roles|state|verdict|" \
             r"from_state|to_state|group|cls|size)"
BARE = re.compile(r"\{\{\s*[\w.]+\." + CODE_ATTRS + r"\s*\}\}")


def test_templates_print_no_stored_code_bare():
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        for n, line in enumerate(path.read_text().splitlines(), start=1):
            for m in BARE.finditer(line):
                if line[:m.start()].count('"') % 2:  # inside an attribute: class, data-*
                    continue
                offenders.append(f"{path.relative_to(TEMPLATES)}:{n}: {m.group(0)}")
    assert offenders == []
