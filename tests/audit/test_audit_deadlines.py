"""Deadlines by report year and kind of body, local rules, and timeliness."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from audit.deadlines import load_rules, timeliness
from govreports.errors import ConfigError
from govreports.model import Region

RULES = load_rules()
NOWHERE = Region()


@pytest.mark.parametrize(
    ("year", "level", "office", "deadline"),
    [
        (2021, "department", "洪泽区财政局", date(2022, 1, 31)),
        (2021, "county", "洪泽区人民政府", date(2022, 3, 31)),
        (2021, "township", "高良涧街道办事处", date(2022, 3, 31)),  # the configurable default
        (2021, "department", "国家税务总局淮安市洪泽区税务局", date(2022, 3, 31)),  # vertical: other
        (2018, "department", "洪泽区财政局", date(2019, 3, 31)),  # art. 31 (2007): every body
        (2018, "township", "高良涧街道办事处", date(2019, 3, 31)),
    ],
)
def test_national_deadlines(year: int, level: str, office: str, deadline: date) -> None:
    found = RULES.deadline(year, RULES.body_kind(level, office), NOWHERE)
    assert found is not None and found.day == deadline


def test_a_zone_administration_is_another_body() -> None:
    assert RULES.body_kind("city", "重庆两江新区管理委员会") == "other"


def test_an_unknown_level_has_no_deadline() -> None:
    assert RULES.deadline(2021, RULES.body_kind(None, "某某单位"), NOWHERE) is None


def test_the_default_for_other_bodies_is_configurable() -> None:
    rules = load_rules(other_default="02-15")
    found = rules.deadline(2022, "other", NOWHERE)
    assert found is not None and found.day == date(2023, 2, 15)


def test_local_rules_override_by_region_most_specific_first(tmp_path: Path) -> None:
    path = tmp_path / "deadlines.toml"
    path.write_text(
        """
        [[rule]]
        province = "江苏省"
        kinds = ["other"]
        deadline = "01-31"

        [[rule]]
        province = "江苏省"
        city = "淮安市"
        kinds = ["other"]
        first_year = 2022
        deadline = "02-28"
        rule = "淮安市规定"
        """,
        encoding="utf-8",
    )
    rules = load_rules(path)
    huaian = Region(province="江苏省", city="淮安市")
    assert rules.deadline(2022, "other", huaian) == rules.deadline(2022, "other", huaian)
    found = rules.deadline(2022, "other", huaian)
    assert found is not None and (found.day, found.rule) == (date(2023, 2, 28), "淮安市规定")
    older = rules.deadline(2021, "other", huaian)
    assert older is not None and older.day == date(2022, 1, 31)
    government = rules.deadline(2022, "government", huaian)
    assert government is not None and government.day == date(2023, 3, 31)


MALFORMED = (
    '[[rule]]\ndeadline = "13-01"',
    '[[rule]]\nkinds = ["x"]\ndeadline = "01-31"',
    "[[rule]]\nprovince = 'x'",
    "[[rule",
)


@pytest.mark.parametrize("text", MALFORMED)
def test_a_malformed_local_file_is_one_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deadlines.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError):
        load_rules(path)


DEADLINE = RULES.deadline(2021, "department", NOWHERE)


def test_the_published_date_decides() -> None:
    late = timeliness(date(2022, 2, 10), None, DEADLINE)
    assert (late.status, late.days_late, late.decided_by) == ("late", 10, "published_date")
    assert timeliness(date(2022, 1, 31), None, DEADLINE).status == "on_time"
    # A published date decides even when the report was seen much later.
    assert timeliness(date(2022, 1, 20), datetime(2023, 5, 1, tzinfo=UTC), DEADLINE).status == "on_time"


def test_first_seen_can_prove_on_time_never_late() -> None:
    seen_early = timeliness(None, datetime(2022, 1, 30, 15, 0, tzinfo=UTC), DEADLINE)  # 23:00 in China
    assert (seen_early.status, seen_early.decided_by) == ("on_time", "first_seen_at")
    seen_late = timeliness(None, datetime(2022, 1, 31, 17, 0, tzinfo=UTC), DEADLINE)  # 1 Feb in China
    assert (seen_late.status, seen_late.days_late) == ("unknown", None)


def test_no_deadline_is_unknown() -> None:
    assert timeliness(date(2022, 1, 1), None, None).status == "unknown"
