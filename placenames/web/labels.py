"""Translated labels of stored codes (classes, statuses, sides…) for templates and the map.

Every code a page shows goes through :func:`code_label`, which gives the word in the page's
language; templates may print the code small beside it for staff.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from flask import Flask
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

CLASS_LABELS = {
    "road": _l("road"), "street": _l("street"), "lane": _l("lane"), "avenue": _l("avenue"),
    "bridge": _l("bridge"), "tunnel": _l("tunnel"), "residential": _l("residential area"),
    "building": _l("building"), "square": _l("square"), "park": _l("park"),
    "village": _l("village"), "community": _l("community"),
}
STATUS_LABELS = {
    "proposed": _l("proposed"), "in_procedure": _l("in procedure"), "approved": _l("approved"),
    "in_force": _l("in force"), "reserved": _l("reserved"), "renamed": _l("renamed"),
    "cancelled": _l("cancelled"), "released": _l("released"),
}
GROUP_LABELS = {
    "in_force": _l("in force"), "in_procedure": _l("in procedure"), "reserved": _l("reserved"),
    "historical": _l("historical"),
}
LEVEL_LABELS = {
    "province": _l("province"), "city": _l("city"), "county": _l("county"),
    "township": _l("township"), "village": _l("village or community"),
    "management": _l("management area"),
}
PLATE_STATUS_LABELS = {
    "ordered": _l("ordered"), "printed": _l("printed"), "installed": _l("installed"),
    "damaged": _l("damaged"), "replaced": _l("replaced"), "revoked": _l("revoked"),
}
ADDRESS_STATUS_LABELS = {"active": _l("in use"), "retired": _l("retired")}
SIDE_LABELS = {"left": _l("left side"), "right": _l("right side")}
HISTORY_ACTION_LABELS = {"create": _l("entered in the register"), "update": _l("changed")}
FIELD_LABELS = {
    "name": _l("Standard name"), "status": _l("Status"), "romanization": _l("Romanization"),
    "meaning": _l("Meaning"), "history": _l("Origin and history"),
    "approval_doc_no": _l("Document number"), "approving_body": _l("Approving body"),
    "length_m": _l("Length"), "width_m": _l("Width"), "geom": _l("Geometry"),
    "start_desc": _l("Starts at"), "end_desc": _l("Ends at"), "location_desc": _l("Location"),
}
PLATE_KIND_LABELS = {"door": _l("door plate"), "building": _l("building plate"),
                     "unit": _l("unit plate"), "household": _l("household plate")}

BATCH_STATUS_LABELS = {"open": _l("open"), "issued": _l("plate ids issued"),
                       "rendering": _l("rendering"), "rendered": _l("ready to print"),
                       "printed": _l("printed")}
JOB_STATUS_LABELS = {"queued": _l("queued"), "running": _l("running"), "done": _l("done"),
                     "failed": _l("failed"), "cancelled": _l("stopped")}
FINDING_SEVERITY_LABELS = {"error": _l("error"), "warning": _l("warning"), "info": _l("note")}

SCREEN_SEVERITY_LABELS = {"block": _l("blocks"), "warn": _l("warns"), "info": _l("for information")}
REPORT_KIND_LABELS = {"damaged": _l("The plate is damaged"), "missing": _l("The plate is missing"),
                      "wrong_address": _l("The address is wrong"),
                      "wrong_sign": _l("The sign shows a wrong name or spelling"),
                      "other": _l("Another problem (see the note)")}
PRESET_LABELS = {"default": _l("from the start, odd numbers on the left"),
                 "beijing-ew": _l("east-west roads: from the east, odd numbers on the north"),
                 "distance": _l("by distance from the start")}
ORIGIN_LABELS = {"start": _l("the start of the road"), "end": _l("the end of the road"),
                 "east": _l("the east"), "west": _l("the west"), "north": _l("the north"),
                 "south": _l("the south")}
SIZE_LABELS = {"small": _l("small 150×90 mm"), "medium": _l("medium 270×170 mm"),
               "large": _l("large 570×370 mm")}
AUDIT_ACTION_LABELS = {"create": _l("created"), "status": _l("status changed"),
                       "print": _l("printed"), "render": _l("rendered"),
                       "printed": _l("printed"), "report": _l("reported"),
                       "correct": _l("corrected"), "issue": _l("plate id issued"),
                       "batch": _l("put in a batch"),
                       # accounts
                       "login": _l("signed in"), "login_failed": _l("sign-in failed"),
                       "locked": _l("account locked"), "logout": _l("signed out"),
                       "password_changed": _l("password changed"),
                       "password_reset": _l("password reset"),
                       "roles_changed": _l("roles changed"),
                       "account_created": _l("account created"),
                       "account_disabled": _l("account disabled"),
                       "account_enabled": _l("account enabled"), "unlocked": _l("lock removed"),
                       "totp_enabled": _l("second factor set up"),
                       "totp_reset": _l("second factor removed"),
                       "recovery_used": _l("recovery code used"),
                       "recovery_codes_new": _l("new recovery codes"),
                       "token_issued": _l("API token issued"),
                       "token_revoked": _l("API token revoked"),
                       "standardize": _l("addresses standardized"),
                       # the naming procedure (one per workflow action) and its records
                       "edit": _l("edited"), "submit": _l("submitted"),
                       "accept": _l("accepted"),
                       "return_incomplete": _l("returned for correction"),
                       "refuse": _l("refused"), "record_survey": _l("site survey recorded"),
                       "open_review": _l("expert review opened"),
                       "record_opinion": _l("expert opinion recorded"),
                       "close_review": _l("expert review closed"),
                       "open_comment": _l("public notice opened"),
                       "close_comment": _l("public notice closed"),
                       "record_assessment": _l("assessment recorded"),
                       "approve": _l("approved"), "reject": _l("rejected"),
                       "return_for_changes": _l("returned for changes"),
                       "announce": _l("announced"), "file": _l("filed"),
                       "put_in_force": _l("put in force"), "withdraw": _l("withdrawn"),
                       "draw": _l("drawn onto the expert panel"),
                       "remove": _l("removed by a new draw"),
                       "receive": _l("comment received"), "dispose": _l("disposition"),
                       "baseline": _l("recorded when the audit chain began"),
                       "record_meeting": _l("offline meeting recorded"),
                       "link_account": _l("account linked"),
                       # name stories
                       "story_edit": _l("story written"), "story_submit": _l("story submitted"),
                       "story_publish": _l("story published"),
                       "story_return": _l("story returned to its author"),
                       "story_revise": _l("story taken back for revision"),
                       "story_mark_heritage": _l("heritage mark changed"),
                       # road-name signs
                       "sign_add": _l("sign recorded"), "sign_order": _l("sign ordered"),
                       "sign_install": _l("sign set up"),
                       "sign_report_damaged": _l("sign recorded as damaged"),
                       "sign_report_missing": _l("sign recorded as missing"),
                       "sign_repair": _l("sign repaired"), "sign_replace": _l("sign replaced"),
                       "sign_remove": _l("sign removed"), "sign_move": _l("sign moved"),
                       "sign_assign": _l("sign given to a unit"),
                       "sign_retarget": _l("sign moved to the road's new name"),
                       "sign_mark_replace": _l("sign to replace (road renamed)"),
                       "sign_mark_remove": _l("sign to remove (name cancelled)"),
                       "sign_photo": _l("sign photo added"),
                       "unlink_account": _l("account unlinked"),
                       # personal data
                       "erase_contacts": _l("contacts erased at the end of retention"),
                       "lookup_phone": _l("comments looked up by phone"),
                       "rotate_key": _l("personal data moved to a new key"),
                       "download": _l("file downloaded"),
                       "import": _l("register file imported"),
                       "publish_open_data": _l("open data published"),
                       "reindex": _l("names' keys recomputed"),
                       "geocode_batch": _l("list of addresses matched"),
                       # the naming plan and its reserved names
                       "retire": _l("retired (plan)"), "reserve": _l("reserved in the plan"),
                       "release": _l("released"), "rescreen": _l("screened again"),
                       "take": _l("taken by an application"), "use": _l("put in force"),
                       "give_back": _l("back in the plan's reserve")}
ROLE_LABELS = {"applicant": _l("Applicant"), "clerk": _l("Naming office clerk"),
               "surveyor": _l("Surveyor"), "expert": _l("Expert"),
               "committee": _l("Naming committee member"), "approver": _l("Approving authority"),
               "sysadmin": _l("System administrator"), "secadmin": _l("Security administrator"),
               "auditor": _l("Audit administrator")}
ENTITY_TYPE_LABELS = {"application": _l("naming application"),
                      "panel_member": _l("expert panel seat"),
                      "public_comment": _l("public comment"), "place": _l("place name"),
                      "plate": _l("door plate"), "print_batch": _l("print batch"),
                      "user": _l("account"), "expert": _l("pool expert"),
                      "api_token": _l("department token"),
                      "plate_report": _l("report about a plate or an address"),
                      "import": _l("imported file"), "naming_plan": _l("naming plan"),
                      "reserved_name": _l("reserved name"), "story": _l("name story"),
                      "sign": _l("road-name sign"), "open_data": _l("open-data release"),
                      "reindex": _l("recomputation of the names' keys"),
                      "geocode": _l("matching of a list of addresses")}
SCOPE_LABELS = {"read:names": _l("read names"), "read:addresses": _l("read addresses"),
                "read:plates": _l("read plates"),
                "write:reports": _l("report problems with addresses or plates"),
                "write:standardize": _l("submit addresses for standardization")}
"""What a department token may do (``department_tokens.SCOPES``)."""
TOKEN_STATE_LABELS = {"active": _l("in use"), "expired": _l("expired"),
                      "revoked": _l("revoked by the office")}

MATCH_LABELS = {"exact": _l("the whole name"), "prefix": _l("its beginning"),
                "substring": _l("part of the name"), "pinyin": _l("pinyin"),
                "initials": _l("pinyin initials"), "homophone": _l("a similar sound"),
                "typo": _l("a near spelling (one character differs)"),
                "code": _l("the address code"), "plate": _l("the door plate id"),
                "address": _l("the parts of the address")}
"""How a search hit was found (``Hit.matched``), shown as "matched by …"."""
VIA_LABELS = {"alias": _l("other name"), "former": _l("former name")}
"""What kind of name a hit was found by (``Hit.via_kind``)."""
EXPORT_FORMAT_LABELS = {"geojson": _l("GeoJSON (web maps, programs)"),
                        "csv": _l("CSV table (opens in Excel)"),
                        "gpkg": _l("GeoPackage (QGIS, ArcGIS)"),
                        "xlsx": _l("Excel workbook")}
EXPORT_KIND_LABELS = {"names": _l("standard place names"),
                      "addresses": _l("standard address records"),
                      "all": _l("names and addresses, a layer each")}
"""The open-data files' formats and contents (:mod:`placenames.ops.exchange.export`)."""
IMPORT_KIND_LABELS = {"names": _l("Place names"), "addresses": _l("Standard addresses")}
"""What an imported file holds."""
IMPORT_SOURCE_LABELS = {"format": _l("format"), "encoding": _l("encoding"),
                        "sheet": _l("sheet"), "layer": _l("layer"),
                        "crs": _l("coordinate system")}
"""How an imported file was read (``Report.source``)."""

KINDS = {
    "class": CLASS_LABELS, "status": STATUS_LABELS, "group": GROUP_LABELS,
    "level": LEVEL_LABELS, "plate_status": PLATE_STATUS_LABELS,
    "address_status": ADDRESS_STATUS_LABELS, "side": SIDE_LABELS,
"history_action": HISTORY_ACTION_LABELS,
    "field": FIELD_LABELS, "plate_kind": PLATE_KIND_LABELS, "batch_status": BATCH_STATUS_LABELS,
    "job_status": JOB_STATUS_LABELS,
    "severity": FINDING_SEVERITY_LABELS, "screen_severity": SCREEN_SEVERITY_LABELS,
    "report_kind": REPORT_KIND_LABELS, "preset": PRESET_LABELS, "origin": ORIGIN_LABELS,
    "size": SIZE_LABELS, "audit_action": AUDIT_ACTION_LABELS, "role": ROLE_LABELS,
    "entity_type": ENTITY_TYPE_LABELS, "matched": MATCH_LABELS, "via": VIA_LABELS,
    "export_format": EXPORT_FORMAT_LABELS, "export_kind": EXPORT_KIND_LABELS,
    "scope": SCOPE_LABELS, "token_state": TOKEN_STATE_LABELS,
    "import_kind": IMPORT_KIND_LABELS, "import_source": IMPORT_SOURCE_LABELS,
}


def enum_label(value: str, enum: type[StrEnum], zh_labels: Mapping[Any, str],
               en_labels: Mapping[Any, Any] | None = None, *, strip: str = "",
               capitalize: bool = False) -> str:
    """A workflow's code (a state, an action, a kind) in the page's language: its Chinese
    label, or its English one (``en_labels``, else the value with spaces); an unknown value as
    it is. ``strip``: a prefix the audit log puts before the code (``story_``, ``sign_``)."""
    try:
        member = enum(str(value).removeprefix(strip) if strip else str(value))
    except ValueError:
        return str(value)
    if str(get_locale() or "zh").startswith("zh"):
        return str(zh_labels[member])
    if en_labels is not None:
        return str(en_labels[member])
    text = str(member).replace("_", " ")
    return text.capitalize() if capitalize else text


def code_label(kind: str, code: str | None) -> str:
    """The word for ``code`` of ``kind`` in the page's language (the code itself if unknown)."""
    if code is None:
        return ""
    return str(KINDS[kind].get(code, code))


def code_options(kind: str, codes: Iterable[str]) -> list[tuple[str, str]]:
    """``(code, word)`` pairs of ``codes`` of ``kind``, in the order given: a select's options
    (``_forms.html``'s ``select``)."""
    return [(code, code_label(kind, code)) for code in codes]


def code_tag(kind: str, code: str | None) -> Markup:
    """The word, and for signed-in staff the code small beside it: ``已安装 <small>installed``."""
    from flask_login import current_user

    if code is None:
        return Markup("")
    if not getattr(current_user, "is_authenticated", False):
        return Markup("{}").format(code_label(kind, code))
    return Markup('{} <small class="code">{}</small>').format(code_label(kind, code),
                                                                 escape(code))


def init_app(app: Flask) -> None:
    """Expose the label helpers to templates."""

    @app.context_processor
    def _labels() -> dict[str, object]:
        return {
            "class_label": lambda c: code_label("class", c),
            "status_label": lambda s: code_label("status", s),
            "code_label": code_label,
            "code_options": code_options,
            "code_tag": code_tag,
        }
