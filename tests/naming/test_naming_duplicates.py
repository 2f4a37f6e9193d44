import csv
import itertools
from collections import defaultdict
from pathlib import Path

from placenames.naming.duplicates import Candidate, score
from placenames.naming.keys import name_keys

SHARED = Path("/work/shared/data")
if not SHARED.exists():
    SHARED = Path(__file__).resolve().parents[3] / "shared" / "data"


def cand(cid: str, name: str, cls: str = "road", status: str = "in_force") -> Candidate:
    return Candidate(cid, name, cls, status, "610100", None, name_keys(name, cls))


def screen(name: str, cls: str, cands: list[Candidate], **kw: object) -> list:
    return score(name, cls, name_keys(name, cls), cands, **kw)  # type: ignore[arg-type]


def test_keys() -> None:
    k = name_keys("长安路", "road")
    assert (k.pinyin, k.specific_pinyin, k.specific, k.initials) == (
        "changanlu", "changan", "长安", "ca")
    assert k.fuzzy == name_keys("参安街").fuzzy  # ch/c, an/ang folded
    assert name_keys("长安路", fuzzy_pairs=()).fuzzy == "changan"
    assert name_keys("吕梁路").pinyin == "lvlianglu"
    assert name_keys("栎阳路", reading="yue yang lu").specific_pinyin == "yueyang"


def test_each_kind() -> None:
    cands = [
        cand("1", "长安路"), cand("2", "长安街", "street"), cand("3", "常安路"),
        cand("4", "昌宁路"), cand("5", "新长安路"), cand("6", "长安小区", "residential"),
        cand("7", "长安路", status="cancelled"), cand("8", "嫦安路", status="renamed"),
    ]
    by_id = {h.id: h for h in screen("长安路", "road", cands)}
    assert by_id["1"].kind == "exact" and by_id["1"].severity == "block"
    assert by_id["2"].kind == "same_specific" and by_id["2"].severity == "block"
    assert "长安" in by_id["2"].reason_zh and "长安街" in by_id["2"].reason_zh
    assert by_id["3"].kind == "homophone" and by_id["3"].severity == "warn"
    assert by_id["5"].kind == "directional" and by_id["5"].severity == "warn"
    assert by_id["6"].kind == "same_specific" and by_id["6"].severity == "warn"
    assert by_id["7"].kind == "reuse" and by_id["7"].severity == "block"
    assert by_id["8"].kind == "homophone" and by_id["8"].severity == "info"
    near = screen("参安路", "road", [cand("1", "长安路")])
    assert [h.kind for h in near] == ["near_homophone"]
    sim = screen("长安路", "road", [cand("9", "长安里路")], similarity_threshold=80)
    assert [h.kind for h in sim] == ["similar"]
    assert screen("长安路", "road", [cand("9", "长安里路")], similarity_threshold=99) == []


def test_skips_self_and_sorts() -> None:
    cands = [cand("x", "长安路"), cand("a", "常安路"), cand("b", "长安街", "street"),
             cand("c", "长安路", status="approved")]
    hits = screen("长安路", "road", cands, proposed_id="x")
    assert "x" not in {h.id for h in hits}
    assert [h.id for h in hits] == ["c", "b", "a"]
    ranks = [{"block": 0, "warn": 1, "info": 2}[h.severity] for h in hits]
    assert ranks == sorted(ranks)


def _townships() -> list[dict[str, str]]:
    path = SHARED / "admin_divisions" / "areacity2023_level4_shaanxi_pinyin.csv"
    with path.open(encoding="utf-8") as fh:
        # township rows carry 9-digit ids (deep == 3 in this file: 0 province ... 3 township)
        return [r for r in csv.DictReader(fh) if len(r["id"]) == 9]


def test_shaanxi_townships_duplicates_and_homophones() -> None:
    rows = _townships()
    assert len(rows) == 1299
    cands = [Candidate(r["id"], r["ext_name"], "township", "in_force", r["pid"], None,
                       name_keys(r["ext_name"], "township")) for r in rows]
    # expected, computed from the file alone: same full name; same pinyin of the short name
    by_name: dict[str, set[str]] = defaultdict(set)
    by_sound: dict[str, set[str]] = defaultdict(set)
    short = {r["id"]: r["name"] for r in rows}
    for r in rows:
        by_name[r["ext_name"]].add(r["id"])
        by_sound[r["pinyin"].replace(" ", "")].add(r["id"])
    exp_dup = {frozenset(p) for ids in by_name.values() for p in itertools.combinations(ids, 2)}
    exp_homo = {frozenset((a, b)) for ids in by_sound.values()
                for a, b in itertools.combinations(ids, 2) if short[a] != short[b]}
    assert exp_dup and exp_homo
    found: dict[str, set[frozenset[str]]] = defaultdict(set)
    for c in cands:
        for h in score(c.name, c.cls, c.keys, cands, proposed_id=c.id):
            found[h.kind].add(frozenset((c.id, h.id)))
    assert found["exact"] == exp_dup
    homophones = found["homophone"] | found["same_specific"]
    recall = len(exp_homo & homophones) / len(exp_homo)
    # the file's pinyin is machine-made: a few pairs differ by a polyphone reading
    assert recall >= 0.9, recall
