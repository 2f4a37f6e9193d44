"""``placenames plan …``: the naming plan (地名规划) and its reserved names (备用地名库).

Writes name the acting account (``--actor USERNAME``): its roles decide what it may do (office
staff keep the plan, the committee or approving body approves it) and it is recorded in the
audit trail. Exit status: 0 done, 64 bad input, 65 the screen blocks the name (give
``--override-reason``), 66 not found, 75 the plan or name is not in a state that allows it,
77 the account's roles do not allow it.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import click
from sqlalchemy import select

from .. import db
from ..errors import BadInput, NotFound
from ..models import User
from ..workflow.plans import PLAN_STATE_LABELS_ZH, RESERVED_STATE_LABELS_ZH
from . import main, with_app


@main.group(name="plan")
def plan_group() -> None:
    """The naming plan (地名规划) and its reserved names (备用地名)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _actor(username: str) -> User:
    user = db.session().scalar(select(User).where(User.username == username.strip()))
    if user is None or not user.active:
        raise NotFound(f"没有可用的账号 {username} / no active account {username!r}")
    return user


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"日期格式应为 YYYY-MM-DD / a date is YYYY-MM-DD, not {value!r}") from None


ACTOR = click.option("--actor", required=True, help="username of the acting account")


def _plan_options(fn):  # type: ignore[no-untyped-def]
    for option in reversed([
        click.option("--title", required=True, help="title, e.g. 秦汉新城地名规划（2026—2030年）"),
        click.option("--area", "area_code", required=True,
                     help="code of the plan's area (a division or a management area)"),
        click.option("--start", "period_start", required=True, help="first year of the period"),
        click.option("--end", "period_end", required=True, help="last year of the period"),
        click.option("--theme", "themes", multiple=True, required=True,
                     help="a naming theme (repeat for more), e.g. 秦汉文化"),
        click.option("--description", default=None, help="what the plan covers"),
    ]):
        fn = option(fn)
    return fn


@plan_group.command(name="create")
@click.argument("code")
@_plan_options
@ACTOR
@with_app
def create(code: str, title: str, area_code: str, period_start: str, period_end: str,
           themes: tuple[str, ...], description: str | None, actor: str) -> None:
    """Create the draft plan CODE."""
    from ..ops import plans

    s = db.session()
    plan = plans.create_plan(s, plans.PlanInput(code, title, area_code, period_start, period_end,
                                                list(themes), description),
                             actor=_actor(actor), now=_now())
    s.commit()
    click.echo(f"plan {plan.code} created (draft): {plan.title}")


@plan_group.command(name="edit")
@click.argument("code")
@click.option("--new-code", default=None, help="a new code for the plan")
@_plan_options
@ACTOR
@with_app
def edit(code: str, new_code: str | None, title: str, area_code: str, period_start: str,
         period_end: str, themes: tuple[str, ...], description: str | None, actor: str) -> None:
    """Edit the draft plan CODE (every field is given again)."""
    from ..ops import plans

    s = db.session()
    plan = plans.get_plan(s, code)
    plans.update_plan(s, plan, plans.PlanInput(new_code or code, title, area_code, period_start,
                                               period_end, list(themes), description),
                      actor=_actor(actor), now=_now())
    s.commit()
    click.echo(f"plan {plan.code} updated")


@plan_group.command(name="list")
@click.option("--status", type=click.Choice(["draft", "approved", "retired"]), default=None)
@with_app
def list_cmd(status: str | None) -> None:
    """List the plans: code, status, period, area, names by state, title."""
    from ..ops import plans

    found = plans.list_plans(db.session(), status=status)
    if not found:
        click.echo("no naming plans")
    for p in found:
        n = plans.counts(p)
        click.echo(f"{p.code:<16} {p.status:<9} {p.period_start}-{p.period_end}  "
                   f"{p.area.name}  reserved {n['reserved']} taken {n['taken']} used "
                   f"{n['used']} released {n['released']}  {p.title}")


@plan_group.command(name="show")
@click.argument("code")
@with_app
def show(code: str) -> None:
    """Show plan CODE with its reserved names by theme and their states."""
    from ..ops import plans

    s = db.session()
    p = plans.get_plan(s, code)
    click.echo(f"{p.code}  {p.title}")
    click.echo(f"  status: {p.status} ({PLAN_STATE_LABELS_ZH[p.status]})  "  # type: ignore[index]
               f"period: {p.period_start}-{p.period_end}  area: {p.area.name} ({p.area.code})")
    if p.approval_doc_no:
        click.echo(f"  approved: {p.approving_body} {p.approval_doc_no} "
                   f"{p.approval_date.isoformat() if p.approval_date else ''}")
    if p.description:
        click.echo(f"  {p.description}")
    for theme, names in plans.by_theme(p):
        click.echo(f"\n  [{theme}] {len(names)}")
        for r in names:
            state = plans.state_of(r)
            last = plans.last_screen(r) or {}
            extra = ""
            if r.application_id:
                extra = f"  application {r.application_id}"
            elif state == "used":
                extra = f"  record {r.place_id}"
            elif state == "released":
                extra = f"  released {r.released_on}: {r.release_reason}"
            click.echo(f"    {r.place.name:<10} {r.place.romanization or '':<18} {r.place.cls:<8}"
                       f" {state:<8} ({RESERVED_STATE_LABELS_ZH[state]})"  # type: ignore[index]
                       f" screen: {last.get('verdict', '-')}{extra}")
            click.echo(f"      {r.place.meaning or ''}")


@plan_group.command(name="approve")
@click.argument("code")
@click.option("--body", "approving_body", required=True, help="the approving body")
@click.option("--doc-no", "approval_doc_no", required=True, help="the approval document number")
@click.option("--date", "approval_date", required=True, help="approval date, YYYY-MM-DD")
@ACTOR
@with_app
def approve(code: str, approving_body: str, approval_doc_no: str, approval_date: str,
            actor: str) -> None:
    """Record the approval of the draft plan CODE (committee or approving body)."""
    from ..ops import plans

    s = db.session()
    plan = plans.get_plan(s, code)
    plans.approve_plan(s, plan, actor=_actor(actor), approving_body=approving_body,
                       approval_doc_no=approval_doc_no, approval_date=_date(approval_date),
                       now=_now())
    s.commit()
    click.echo(f"plan {plan.code} approved: {plan.approving_body} {plan.approval_doc_no}")


@plan_group.command(name="retire")
@click.argument("code")
@click.option("--reason", default=None, help="why (period over, replaced by …)")
@ACTOR
@with_app
def retire(code: str, reason: str | None, actor: str) -> None:
    """Retire the approved plan CODE; its names still reserved stay screened until released."""
    from ..ops import plans

    s = db.session()
    plan = plans.get_plan(s, code)
    plans.retire_plan(s, plan, actor=_actor(actor), reason=reason, now=_now())
    s.commit()
    click.echo(f"plan {plan.code} retired")


@plan_group.command(name="reserve")
@click.argument("code")
@click.argument("name")
@click.option("--class", "cls", required=True, help="intended class (road, bridge…)")
@click.option("--meaning", required=True, help="the name's meaning (含义)")
@click.option("--theme", required=True, help="one of the plan's themes")
@click.option("--geojson", "geojson_file", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="file with the planned geometry as GeoJSON (CGCS2000)")
@click.option("--wkt", default=None, help="the planned geometry as WKT (CGCS2000 lon/lat)")
@click.option("--area", "jurisdiction_code", default=None,
              help="division code the name belongs to (default: the plan's area)")
@click.option("--location", default=None, help="location description")
@click.option("--override-reason", default=None,
              help="why the name is reserved although the screen blocks it")
@ACTOR
@with_app
def reserve(code: str, name: str, cls: str, meaning: str, theme: str,
            geojson_file: Path | None, wkt: str | None, jurisdiction_code: str | None,
            location: str | None, override_reason: str | None, actor: str) -> None:
    """Reserve NAME in plan CODE; the name is screened first."""
    from ..ops import plans

    if geojson_file is not None and wkt:
        raise BadInput("--geojson 与 --wkt 只能给一个 / give --geojson or --wkt, not both")
    geojson = None
    if geojson_file is not None:
        try:
            geojson = geojson_file.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise BadInput(f"无法读取 {geojson_file} / cannot read {geojson_file}: "
                           f"{type(exc).__name__}") from None
    s = db.session()
    plan = plans.get_plan(s, code)
    try:
        r = plans.reserve(s, plan, plans.ReserveInput(
            name=name, cls=cls, meaning=meaning, theme=theme, geojson=geojson, wkt=wkt,
            jurisdiction_code=jurisdiction_code, location_desc=location),
            actor=_actor(actor), now=_now(), override_reason=override_reason)
    except plans.ScreenBlocked as exc:
        _print_screen(exc.result)
        raise
    s.commit()
    last = plans.last_screen(r) or {}
    _print_screen(last)
    click.echo(f"reserved {r.place.name} ({r.place.romanization}) in {plan.code} "
               f"[{r.theme}]: {r.id}")


def _print_screen(result: dict[str, object]) -> None:
    click.echo(f"screen: {result.get('verdict')}", err=result.get("verdict") == "block")
    for hit in result.get("hits", []) or []:  # type: ignore[attr-defined]
        click.echo(f"  [{hit['severity']}] {hit['reason_zh']} / {hit['reason_en']}",
                   err=result.get("verdict") == "block")
    for f in result.get("findings", []) or []:  # type: ignore[attr-defined]
        click.echo(f"  [{f['severity']}] {f['message_zh']} / {f['message_en']}",
                   err=result.get("verdict") == "block")


@plan_group.command(name="release")
@click.argument("code")
@click.argument("name")
@click.option("--reason", required=True, help="why the name is given up")
@ACTOR
@with_app
def release(code: str, name: str, reason: str, actor: str) -> None:
    """Release the reserved NAME (or its id) of plan CODE: the name is free again."""
    from ..ops import plans

    s = db.session()
    r = plans.find_reserved(s, plans.get_plan(s, code), name)
    plans.release(s, r, actor=_actor(actor), now=_now(), reason=reason)
    s.commit()
    click.echo(f"released {r.place.name}")


@plan_group.command(name="rescreen")
@click.argument("code")
@click.argument("name")
@ACTOR
@with_app
def rescreen(code: str, name: str, actor: str) -> None:
    """Screen the reserved NAME of plan CODE again; the result joins its history."""
    from ..ops import plans

    s = db.session()
    r = plans.find_reserved(s, plans.get_plan(s, code), name)
    entry = plans.rescreen(s, r, actor=_actor(actor), now=_now())
    s.commit()
    _print_screen(entry)


@plan_group.command(name="take")
@click.argument("code")
@click.argument("name")
@click.option("--reason", default=None, help="the application's reasons (default: the plan's)")
@click.option("--org", "applicant_org", default=None, help="the applying organization")
@ACTOR
@with_app
def take(code: str, name: str, reason: str | None, applicant_org: str | None,
         actor: str) -> None:
    """Start the naming procedure for the reserved NAME of plan CODE (a draft application)."""
    from flask import current_app

    from ..ops import plans

    s = db.session()
    r = plans.find_reserved(s, plans.get_plan(s, code), name)
    app = plans.take(s, r, actor=_actor(actor), now=_now(), reason=reason,
                     applicant_org=applicant_org)
    s.commit()
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    click.echo(f"application {app.id} (draft) for {r.place.name}: "
               f"{base}/committee/applications/{app.id}")
