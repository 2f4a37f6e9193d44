"""Builders for the plan tests: an approved plan of 秦汉新城 beside the demo's own (QH-2026,
which the demo loader adds), with names the demo does not reserve. Imported as
``plan_builders`` (tests/ is on sys.path)."""

from datetime import date

from procedure_builders import NOW

from placenames.ops import plans

CODE = "QH-T"
THEMES = "秦汉文化\n周文化"
NAME, MEANING = "长杨路", "汉长杨宫故地，取宫名"
WEICHENG = "610404005"  # 渭城街道, managed by 秦汉新城
LINE = '{"type": "LineString", "coordinates": [[108.790, 34.380], [108.800, 34.392]]}'
WKT = "LINESTRING(108.805 34.381, 108.812 34.394)"


def plan_input(code=CODE, **kw):
    values = {"code": code, "title": "秦汉新城地名规划（测试）",
              "area_code": "xixian-qinhan",
              "period_start": 2026, "period_end": 2030, "themes": THEMES,
              "description": "秦汉新城范围内道路、桥梁等地名的规划"}
    values.update(kw)
    return plans.PlanInput(**values)


def approved_plan(session, users, code=CODE):
    plan = plans.create_plan(session, plan_input(code), actor=users["clerk"], now=NOW)
    plans.approve_plan(session, plan, actor=users["committee"], approving_body="西咸新区管委会",
                       approval_doc_no="陕西咸发〔2026〕3号", approval_date=date(2026, 2, 1),
                       now=NOW)
    return plan


def reserve_input(name=NAME, theme="秦汉文化", geojson=LINE, **kw):
    values = {"name": name, "cls": "road", "meaning": MEANING,
              "theme": theme, "geojson": geojson, "jurisdiction_code": WEICHENG}
    values.update(kw)
    return plans.ReserveInput(**values)
