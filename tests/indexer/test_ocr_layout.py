"""The OCR extractor's rules, each on its own, without the models: the sign of a number from its
ink, rows of numbers one above the other, an unruled table's columns from its header, the first
item's lost stroke."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from indexer.extract.ocr import (
    Box,
    PageInk,
    _Alphabet,
    _unruled,
    group_lines,
    ink_sign,
    mend,
    read_steps,
    signed,
)

WHITE = 255


Bar = tuple[int, int, int]
Mark = tuple[int, int, int, int]


def _digits(text: str, *, minus_at: Bar | None = None, mark: Mark | None = None) -> np.ndarray:
    """A 48-pixel-high crop (as the recogniser sees a box) printing `text`, digits from x=70, with
    a bar (x, y, width; 3 px thick) or a filled mark (x, y, width, height) before them."""
    crop = np.full((48, 70 + 22 * len(text) + 12), WHITE, np.uint8)
    cv2.putText(crop, text, (70, 36), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 3)
    if minus_at is not None:
        x, y, width = minus_at
        crop[y : y + 3, x : x + width] = 0
    if mark is not None:
        x, y, width, height = mark
        crop[y : y + height, x : x + width] = 0
    return crop


# --- the sign, from the ink ---------------------------------------------------------------------


def test_a_short_bar_at_mid_height_before_the_digits_is_a_minus_sign() -> None:
    sign, digits_at = ink_sign(_digits("22", minus_at=(50, 23, 10)))
    assert sign == "-"
    assert 66 <= digits_at <= 74


def test_no_mark_before_the_digits_is_no_sign() -> None:
    assert ink_sign(_digits("22"))[0] == ""
    assert ink_sign(_digits("7"))[0] == ""


@pytest.mark.parametrize(
    "mark",
    [
        (60, 33, 4, 4),  # a dot on the baseline
        (54, 10, 4, 4),  # a mark high up
        (2, 22, 10, 3),  # a bar too far from the digits
        (22, 20, 42, 3),  # a bar near twice as long as a digit is tall: a rule, no sign
    ],
)
def test_any_other_mark_before_the_digits_leaves_the_sign_unknown(mark: Mark) -> None:
    assert ink_sign(_digits("22", mark=mark))[0] is None


def test_two_marks_before_the_digits_leave_the_sign_unknown() -> None:
    assert ink_sign(_digits("22", minus_at=(54, 23, 10), mark=(38, 23, 6, 3)))[0] is None


def test_a_faint_crop_has_no_sign_read_from_it() -> None:
    pale = np.clip(_digits("22", minus_at=(50, 23, 10)).astype(int) + 180, 0, 255).astype(np.uint8)
    assert ink_sign(pale)[0] is None


def test_the_ink_settles_the_sign_and_the_recognisers_doubt_only_where_the_ink_cannot() -> None:
    assert signed("22", 0.95, "-", dash_read=False) == ("-22", 0.95)  # a minus the reading lost
    assert signed("22", 0.95, "", dash_read=True) == ("22", 0.95)  # a dash class, but no mark
    assert signed("22", 0.95, None, dash_read=True) == ("22", 0.5)
    assert signed("-22", 0.95, None, dash_read=True) == ("-22", 0.95)
    assert signed("22", 0.95, None, dash_read=False) == ("22", 0.95)


def _alphabet() -> _Alphabet:
    return _Alphabet.of(["blank", *"0123456789", ",", ".", "-", "+", " ", "一"])


def _steps(reading: list[dict[str, float]], letters: _Alphabet) -> np.ndarray:
    """Step probabilities (steps × classes): each step's probabilities by character, the rest blank."""
    steps = np.zeros((len(reading), len(letters.characters)), np.float32)
    for k, probabilities in enumerate(reading):
        for char, probability in probabilities.items():
            steps[k, letters.characters.index(char)] = probability
        steps[k, 0] = 1.0 - sum(probabilities.values())
    return steps


def test_a_weakly_read_minus_sign_is_no_doubt_about_the_digits_read_signless() -> None:
    letters = _alphabet()
    steps = _steps([{"-": 0.3}, {}, {"2": 0.99}, {}, {"2": 0.99}], letters)
    _text, confidence, number = read_steps(steps, letters)
    assert number and confidence <= 0.7  # the sign's doubt, whatever it was read as
    assert read_steps(steps, letters, signless=True)[:1] == ("22",)
    assert read_steps(steps, letters, signless=True)[1] >= 0.98


def test_a_minus_sign_left_out_of_its_box_is_taken_from_the_cell_ink() -> None:
    # A page at 72 dpi (a point a pixel): the box holds "5"; a bar stands left of it in its cell.
    grey = np.full((40, 120), WHITE, np.uint8)
    cv2.putText(grey, "5", (60, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.7, 0, 2)
    ink = PageInk(grey, 1.0, float(WHITE))
    box = Box(57, 10, 76, 31, "5", 0.99, number=True)
    assert ink.signed(box, 20).text == "5"  # nothing before it
    grey[19:21, 48:54] = 0
    assert ink.signed(box, 20).text == "-5"
    assert ink.signed(box, 20).confidence == 0.99
    grey[12:16, 30:33] = 0  # and something else: the number is not confident
    assert ink.signed(box, 20).text == "5"
    assert ink.signed(box, 20).confidence == 0.5


# --- lines and columns ------------------------------------------------------------------------


def _box(x0: float, y0: float, text: str, *, width: float = 10.0, height: float = 14.0) -> Box:
    return Box(x0, y0, x0 + width, y0 + height, text, 0.99, number=text.isdigit())


def _printed(boxes: list[Box]) -> np.ndarray:
    """A page at 72 dpi showing each box's number inside it."""
    page = np.full((400, 400), WHITE, np.uint8)
    for box in boxes:
        cv2.putText(page, box.text, (int(box.x0) + 1, int(box.y1) - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 0, 1)
    return page


def test_numbers_one_above_the_other_are_two_rows_even_when_a_tall_label_joins_them() -> None:
    # Measured on a scan: group labels printed over several lines, each line's box between two
    # rows, draw the rows beside them into one line.
    boxes = [
        _box(10, 100, "度办理结", width=40, height=17), _box(20, 113, "果", width=14, height=17),
        _box(50, 114, "（三）不予公开", width=60, height=18),
        _box(120, 106, "4.保护第三方合法权益", width=100, height=17),
        _box(240, 106, "0", height=17), _box(280, 106, "1", height=17),
        _box(120, 123, "5.属于三类内部事务信息", width=100, height=17),
        _box(240, 123, "2", height=18), _box(280, 123, "0", height=18),
    ]
    lines = group_lines(boxes)
    assert [[b.text for b in line] for line in lines] == [
        ["度办理结", "果", "（三）不予公开", "4.保护第三方合法权益", "0", "1"],  # each to the nearest row
        ["5.属于三类内部事务信息", "2", "0"],
    ]


def test_a_line_of_numbers_side_by_side_stays_one_line() -> None:
    boxes = [_box(10, 100, "行政许可", width=40), _box(100, 101, "33"), _box(150, 99, "22")]
    assert len(group_lines(boxes)) == 1


def test_a_lone_row_of_numbers_takes_its_columns_from_the_header_above() -> None:
    # The appeals table unruled: headings on two lines, a group heading over four columns, and the
    # first and fifth numbers missed by detection. Every column keeps its place.
    header = [
        _box(10, 50, "结果维"), _box(12, 62, "持", width=6),
        _box(50, 50, "结果纠"), _box(52, 62, "正", width=6),
        _box(90, 56, "总计"), _box(45, 38, "未经复议直接起诉", width=60),
        _box(130, 50, "结果维"), _box(132, 62, "持", width=6), _box(170, 50, "总计"),
    ]
    numbers = [_box(52, 90, "2", width=6), _box(92, 90, "10"), _box(132, 90, "4", width=6)]
    ink = PageInk(_printed(numbers), 1.0, float(WHITE))
    lines = group_lines(header) + group_lines(numbers)
    rows = [row for _top, item in _unruled(lines, ink) for row in item]
    assert rows[-1] == "\t2\t10\t4\t"


def test_without_a_header_that_explains_them_numbers_make_their_own_columns() -> None:
    lines = [[_box(10, 50, "说明", width=30)], [_box(52, 90, "2"), _box(92, 90, "10")]]
    ink = PageInk(_printed(lines[1]), 1.0, float(WHITE))
    rows = [row for _top, item in _unruled(lines, ink) for row in item]
    assert rows == ["说明", "2 10"]


# --- text ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("read", ["（)以公开", "（）以公开", "()以公开", "(一)以公开", "（-）予以公开"])
def test_the_first_items_stroke_read_as_a_dash_or_lost_is_given_back(read: str) -> None:
    assert mend(read).startswith("（一）")


@pytest.mark.parametrize("read", ["说明（）", "（二）部分公开", "（）"])
def test_other_brackets_stay_as_read(read: str) -> None:
    assert mend(read) == read


def test_a_run_of_rows_keeps_the_columns_its_numbers_show_whatever_the_header_above() -> None:
    # A header of several lines read as one shows more columns than the table has.
    header = [_box(x, 50, "列") for x in (50, 70, 90, 110, 130, 150)]
    rows = [[_box(10, 90, "甲", width=20), _box(52, 90, "1", width=6), _box(92, 90, "2", width=6)],
            [_box(10, 110, "乙", width=20), _box(52, 110, "3", width=6), _box(92, 110, "4", width=6)]]
    ink = PageInk(_printed(rows[0] + rows[1]), 1.0, float(WHITE))
    printed = [row for _top, item in _unruled([header, *rows], ink) for row in item]
    assert printed[-2:] == ["甲\t1\t2", "乙\t3\t4"]
