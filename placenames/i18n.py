"""Chinese-first UI with an English switch (Flask-Babel).

Message ids are English; ``translations/zh`` holds the Chinese. Catalogs are compiled from the
``.po`` files into the instance folder when the app is built, so no binary is kept in git.
The locale comes from ``?lang=``, then the ``lang`` cookie, then the configured default (zh).
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask, Response, g, request
from flask_babel import Babel

SOURCE_DIR = Path(__file__).resolve().parent / "translations"


def compile_catalogs(src: Path, out: Path) -> None:
    """Compile every ``*.po`` under ``src`` into ``out`` (same layout) when stale."""
    for po in src.glob("*/LC_MESSAGES/*.po"):
        mo = out / po.relative_to(src).with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        mo.parent.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as f:
            catalog = read_po(f)
        tmp = mo.with_suffix(".tmp")
        with tmp.open("wb") as f:
            write_mo(f, catalog)
        tmp.replace(mo)


def select_locale() -> str:
    """The locale of this request."""
    from flask import current_app

    allowed = current_app.config["LOCALES"]
    for candidate in (request.args.get("lang"), request.cookies.get("lang")):
        if candidate in allowed:
            return str(candidate)
    return str(current_app.config["DEFAULT_LOCALE"])


def init_app(app: Flask) -> None:
    """Compile catalogs and attach Flask-Babel."""
    out = Path(app.instance_path) / "translations"
    compile_catalogs(SOURCE_DIR, out)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(out)
    Babel(app, locale_selector=select_locale)

    @app.after_request
    def _remember_lang(response: Response) -> Response:
        lang = request.args.get("lang")
        if lang in app.config["LOCALES"]:
            response.set_cookie("lang", lang, max_age=365 * 86400, samesite="Lax")
        return response

    @app.context_processor
    def _lang() -> dict[str, str]:
        g.lang = select_locale()
        return {"lang": g.lang}
