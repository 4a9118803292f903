"""The common filters from a shared link: bad values fall back or stay harmless, never raise."""

from __future__ import annotations

from datetime import date

from dashboards.data.filters import DateBounds, Filters, from_query_params

BOUNDS = DateBounds(first=date(2026, 9, 2), last=date(2026, 10, 31))


def test_a_plain_link_opens_the_last_four_weeks() -> None:
    flt, problems = from_query_params({}, BOUNDS)
    assert (flt.start, flt.end) == (date(2026, 10, 4), date(2026, 10, 31))
    assert (flt.region, flt.store_id, flt.category) == (None, None, None)
    assert problems == []
    assert flt.to_query_params(BOUNDS.default_range()) == {}


def test_a_shared_link_round_trips() -> None:
    params = {"from": "2026-09-10", "to": "2026-09-20", "region": "North", "store": "S002"}
    flt, problems = from_query_params(params, BOUNDS)
    assert problems == []
    assert flt == Filters(date(2026, 9, 10), date(2026, 9, 20), "North", "S002", None)
    assert flt.to_query_params(BOUNDS.default_range()) == params


def test_bad_dates_fall_back_and_are_reported() -> None:
    flt, problems = from_query_params({"from": "'; drop table x; --", "to": "2026-13-45"}, BOUNDS)
    assert (flt.start, flt.end) == BOUNDS.default_range()
    assert len(problems) == 2


def test_dates_outside_the_data_are_clamped_and_a_reversed_range_falls_back() -> None:
    flt, _ = from_query_params({"from": "2020-01-01", "to": "2030-01-01"}, BOUNDS)
    assert (flt.start, flt.end) == (BOUNDS.first, BOUNDS.last)
    flt, problems = from_query_params({"from": "2026-10-20", "to": "2026-10-01"}, BOUNDS)
    assert (flt.start, flt.end) == BOUNDS.default_range()
    assert problems


def test_hostile_text_is_kept_as_a_value_to_bind_not_dropped() -> None:
    # kept, so the pages show "no data for this filter" rather than every store's numbers
    flt, _ = from_query_params({"store": "'; drop table x; --", "category": "S999"}, BOUNDS)
    assert flt.store_id == "'; drop table x; --"
    assert flt.category == "S999"
    assert flt.params("store_id") == {"store_id": "'; drop table x; --"}


def test_absurdly_long_values_are_ignored() -> None:
    flt, problems = from_query_params({"store": "S" * 5000}, BOUNDS)
    assert flt.store_id is None
    assert problems
