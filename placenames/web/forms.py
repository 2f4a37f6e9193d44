"""What every staff form shares: the record version it was rendered from."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from ..errors import BadInput


def form_version(form: MultiDict[str, str]) -> int:
    """The version a form was rendered from (its stale-write check), or BadInput."""
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise BadInput(_("The form is missing its version; reload the page.")) from None
