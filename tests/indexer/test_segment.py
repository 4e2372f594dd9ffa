"""Segmentation for the index and for queries: lossless, dictionary-aware, same for both backends."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from indexer.segment import SEPARATOR, custom_words, load_backend, query_terms, segment, tokens, unsegment

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


@pytest.mark.parametrize(
    "text",
    [
        "",
        "本机关2020年共收到政府信息公开申请12件。",
        "一、总体情况\n\t规章\t0\t0\n  缩进  两个空格",
        "PDF、Word 与 WPS 格式；网址 http://www.gov.cn/a_b.html 100%",
        "全角　空格和\u00a0不换行空格\r\n以及Windows换行",
    ],
)
def test_unsegment_restores_the_original(text: str) -> None:
    assert unsegment(segment(text)) == text


def test_a_thin_space_in_the_source_is_dropped_so_it_only_ever_marks_token_bounds() -> None:
    segmented = segment("行政\u2009复议")
    assert unsegment(segmented) == "行政复议"
    assert segmented.split(SEPARATOR) == ["行政复议"]


@pytest.mark.parametrize("separator_neighbour", ["\n", "\t", " "])
def test_no_separator_is_stored_beside_whitespace(separator_neighbour: str) -> None:
    segmented = segment(f"行政复议{separator_neighbour}行政诉讼")
    assert segmented == f"行政复议{separator_neighbour}行政诉讼"


def test_tokens_are_what_the_whitespace_analyzer_will_see() -> None:
    assert segment("依申请公开的政府信息").split(SEPARATOR) == ["依申请公开", "的", "政府信息"]


@pytest.mark.parametrize("word", [word for word, _ in custom_words()])
def test_custom_words_stay_whole_inside_a_sentence(word: str) -> None:
    assert word in tokens(f"关于{word}的情况")


@pytest.mark.parametrize(
    ("office", "suffix"),
    [
        ("广州市海珠区人民政府官洲街道办事处", "街道办事处"),
        ("某市市场监督管理局", "市场监督管理局"),
        ("某县卫生健康委员会", "卫生健康委员会"),
    ],
)
def test_office_suffixes_stay_whole(office: str, suffix: str) -> None:
    assert suffix in tokens(office)


@pytest.mark.parametrize(
    ("query", "terms"),
    [
        ("复议", ["复议"]),
        ("行政复议", ["行政复议"]),
        ("  依申请公开，不予公开！ ", ["依申请公开", "不予公开"]),
        ("PDF 2020年", ["PDF", "2020", "年"]),
        ("？！", []),
    ],
)
def test_query_terms_are_the_words_without_punctuation_or_spaces(query: str, terms: list[str]) -> None:
    assert query_terms(query) == terms


def test_a_word_and_its_characters_apart_segment_differently() -> None:
    # What makes "复议" not match a text holding 复 and 议 apart: no token "复议" there.
    assert "复议" not in tokens("复核后提出异议")
    assert query_terms("复议") == ["复议"]


def _sample_texts() -> list[str]:
    from indexer.synthetic import random_report

    rng = random.Random(5)
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += [random_report(rng).truth.text for _ in range(20)]
    return texts


def test_rjieba_segments_exactly_like_jieba_with_the_custom_dictionary() -> None:
    # The index uses rjieba for speed; jieba is the reference implementation.
    fast, reference = load_backend("rjieba"), load_backend("jieba")
    for text in _sample_texts():
        assert fast(text) == reference(text)
