"""What forms share: the record version a staff form was rendered from, and a Flask-WTF base
that reads form fields only."""

from __future__ import annotations

from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from ..errors import BadInput


def form_version(form: MultiDict[str, str]) -> int:
    """The version a form was rendered from (its stale-write check), or BadInput."""
    try:
        return int(form.get("version", ""))
    except ValueError:
        raise BadInput(_("The form is missing its version; reload the page.")) from None


class PostedForm(FlaskForm):
    """A Flask-WTF form that reads posted form fields only.

    Flask-WTF also reads a JSON body as the form's fields, and one that is not an object
    (``true``, ``[1, 2]``) fails inside it with a 500; these pages post HTML forms, so a JSON
    body counts as no fields at all (the form is then invalid, as an empty one is).
    """

    class Meta(FlaskForm.Meta):
        """Flask-WTF's, reading no JSON."""

        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            """No fields from a JSON body; otherwise Flask-WTF's choice."""
            if request.is_json:
                return None
            return super().wrap_formdata(form, formdata)
