"""The folder where jobs draw their files before they are stored."""

from __future__ import annotations

from pathlib import Path

from flask import Flask


def scratch_dir(app: Flask) -> Path:
    """Where jobs draw their files before they are stored (the instance folder)."""
    folder = Path(app.instance_path) / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
