"""Copied narratives: containment, boilerplate left out, only earlier reports, deterministic ties."""

from __future__ import annotations

import random
import time

import pytest

from audit.reuse import (
    Commonness,
    Narrative,
    all_nearest,
    commonness,
    containment,
    fingerprint,
    nearest,
    prepare,
    reuse,
    sentence_counts,
)

NOTHING_COMMON = Commonness(frozenset(), frozenset())
CHARACTERS = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下"
    "过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都"
    "两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重"
    "新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想"
    "已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知"
    "较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造"
    "百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白"
    "教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集"
    "温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿"
    "千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存"
    "候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该"
    "铁价严"
)


def text(rng: random.Random, sentences: int) -> str:
    return "".join("".join(rng.choices(CHARACTERS, k=rng.randint(12, 30))) + "。" for _ in range(sentences))


def narrative(
    report_id: str,
    order: int,
    body: str,
    known: Commonness = NOTHING_COMMON,
    office_id: str | None = None,
    year: int | None = None,
) -> Narrative:
    return prepare(report_id, order, office_id, year, fingerprint([body]), known)


def test_containment_sees_a_short_report_copied_from_a_long_one() -> None:
    rng = random.Random(1)
    long = text(rng, 40)
    short = long[: len(long) // 5]
    original, copy = narrative("a", 1, long), narrative("b", 2, short)
    assert containment(copy.shingles, original.shingles) == 1.0
    assert containment(original.shingles, copy.shingles) < 0.3
    assert nearest(copy, [original]).report_id == "a"


def test_light_edits_keep_most_of_the_score() -> None:
    rng = random.Random(2)
    body = text(rng, 30)
    edited = body.replace(body[40:46], "二〇二一年度") + text(rng, 3)
    score = containment(narrative("b", 2, edited).shingles, narrative("a", 1, body).shingles)
    assert 0.75 < score < 1.0


def test_unrelated_narratives_score_near_zero() -> None:
    rng = random.Random(3)
    score = containment(narrative("b", 2, text(rng, 30)).shingles, narrative("a", 1, text(rng, 30)).shingles)
    assert score < 0.05


def test_only_earlier_reports_are_originals() -> None:
    rng = random.Random(4)
    body = text(rng, 20)
    first, second = narrative("a", 1, body), narrative("b", 2, body)
    assert nearest(second, [first]).report_id == "a"
    assert nearest(first, [second]).report_id is None  # the earlier one is the original
    assert nearest(narrative("c", 1, body), [first]).report_id is None  # same day: neither copied


def test_the_same_offices_other_copy_of_one_years_report_is_not_an_original() -> None:
    rng = random.Random(5)
    body = text(rng, 20)
    first = narrative("a", 1, body, office_id="o", year=2021)
    assert nearest(narrative("b", 5, body, office_id="o", year=2021), [first]).report_id is None
    assert nearest(narrative("b", 5, body, office_id="o", year=2022), [first]).report_id == "a"


def test_ties_go_to_the_earliest_then_the_smallest_id() -> None:
    rng = random.Random(6)
    body = text(rng, 20)
    copies = [narrative(report_id, order, body) for report_id, order in (("c", 2), ("b", 2), ("d", 3))]
    assert nearest(narrative("z", 9, body), copies).report_id == "b"
    assert nearest(narrative("z", 9, body), list(reversed(copies))).report_id == "b"


def test_boilerplate_sentences_stay_out_of_the_score() -> None:
    rng = random.Random(7)
    boilerplate = "本报告所列数据的统计期限自2021年1月1日起至2021年12月31日止。本报告电子版可在门户网站查阅。"
    reports = [boilerplate.replace("2021", str(2000 + index)) + text(rng, 12) for index in range(60)]
    prints = [fingerprint([body]) for body in reports]
    known = commonness(sentence_counts(prints), len(reports), share=0.2, min_reports=50, cap=200)
    assert len(known.boilerplate) == 2  # digits read as one sign: every year's version is one sentence
    first = prepare("a", 1, None, None, prints[0], known)
    second = prepare("b", 2, None, None, prints[1], known)
    assert containment(second.shingles, first.shingles) < 0.05
    assert containment(narrative("b", 2, reports[1]).shingles, narrative("a", 1, reports[0]).shingles) > 0.1


def test_commonness_thresholds() -> None:
    counts = {1: 60, 2: 49, 3: 45, 4: 5}
    known = commonness(counts, reports=100, share=0.5, min_reports=50, cap=40)
    assert known.boilerplate == {1} and known.common == {2, 3}
    assert commonness({1: 199, 2: 200}, reports=1000, share=0.2, min_reports=50, cap=300).boilerplate == {2}


def test_a_short_narrative_is_not_assessable() -> None:
    tiny = narrative("a", 1, "无。本年度无其他需要报告的事项。")
    assert not tiny.assessable
    assert reuse(tiny, None, nearest(tiny, []), 0.5).model_dump() == {
        "previous": None,
        "previous_report_id": None,
        "nearest": None,
        "nearest_report_id": None,
        "flagged": False,
    }


def test_reuse_flags_at_the_threshold_from_either_measure() -> None:
    rng = random.Random(8)
    body = text(rng, 20)
    previous, copy = (
        narrative("a", 1, body, office_id="o", year=2020),
        narrative("b", 2, body, office_id="o", year=2021),
    )
    found = reuse(copy, previous, nearest(copy, [previous]), threshold=0.5)
    assert (found.previous, found.previous_report_id, found.nearest_report_id, found.flagged) == (
        1.0,
        "a",
        "a",
        True,
    )
    assert not reuse(copy, previous, nearest(copy, [previous]), threshold=1.0 + 1e-9).flagged


@pytest.mark.timeout(30)
def test_all_nearest_agrees_with_comparing_every_pair() -> None:
    rng = random.Random(9)
    pool = [text(rng, 3) for _ in range(60)]
    narratives = [
        narrative(f"{index:02d}", rng.randint(1, 20), "".join(rng.sample(pool, 6)) + text(rng, 2))
        for index in range(80)
    ]
    found = all_nearest(narratives)
    for item in narratives:
        assert found[item.id] == nearest(item, narratives)


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    "hostile",
    [
        "1" * 2_000_000,  # one run of digits
        "。" * 2_000_000,  # nothing but sentence ends
        "政府信息公开。" * 300_000,  # one sentence two million characters long, repeated
        "a\x00b\u3000" * 500_000,  # NUL and ideographic spaces
    ],
)
def test_a_hostile_narrative_takes_linear_time(hostile: str) -> None:
    started = time.process_time()
    print_ = fingerprint([hostile])
    assert time.process_time() - started < 5
    assert print_.sizes.sum() == len(print_.shingles) and len(print_.sizes) == len(print_.keys)
