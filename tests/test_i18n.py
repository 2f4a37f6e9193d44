"""Every message of the UI has a Chinese translation (the UI is Chinese first)."""

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]


def test_every_message_id_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F",
                    "babel.cfg", "-k", "_l", "-o", str(pot), "placenames"], cwd=ROOT, check=True,
                   capture_output=True)
    with pot.open("rb") as f:
        ids = [m.id for m in read_po(f) if m.id]
    with (ROOT / "placenames/translations/zh/LC_MESSAGES/messages.po").open("rb") as f:
        zh = read_po(f)
    missing = [i for i in ids if i not in zh or not zh[i].string]
    assert len(ids) > 100 and missing == []
