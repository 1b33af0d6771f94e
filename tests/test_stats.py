"""`stats` and `shaky` figures against values worked out by hand on a small crafted history.

The history (NOW is 2026-03-02 09:00 UTC, a Monday; the study day starts at 04:00 UTC):

  when              question  intent  story   notes
  2026-01-10 09:00  beta-1    easy    right   first sight        (30 days before)
  2026-01-18 09:00  beta-1    easy    right   intent due now     (30 days before)
  2026-01-20 09:00  alpha-3   good    right   first sight        (30 days before)
  2026-02-20 09:00  beta-2    hard    right   first sight        (last 30 days)
  2026-02-25 09:00  beta-1    good    right   intervals 66 (intent), 23 days: mature
  2026-03-01 10:00  alpha-2   good    wrong   first sight, yesterday
  2026-03-02 05:00  alpha-1   again   wrong   first sight, today
  2026-03-02 08:30  alpha-1   again   right   both facets tested again after 3.5 h: young

Recall tests are facets reviewed before, at least an hour earlier; true retention counts
only those, and a lapse is a recall test rated Again (so only alpha-1's 08:30 intent).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from conftest import DECK_HEADER, question
from emdrill.cli.base import open_here
from emdrill.core import stats, weakness
from emdrill.core.scheduler import Rating, retrievability
from emdrill.core.timing import Clock
from emdrill.ops import decks, grading, opening
from emdrill.ops import stats as ops_stats
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, setting_rows
from emdrill.store.db import Store
from emdrill.ui import stats_view

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
A, H, G, E = Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY
HISTORY: list[tuple[datetime, str, Rating, bool]] = [
    (datetime(2026, 1, 10, 9, tzinfo=UTC), "beta-1", E, True),
    (datetime(2026, 1, 18, 9, tzinfo=UTC), "beta-1", E, True),
    (datetime(2026, 1, 20, 9, tzinfo=UTC), "alpha-3", G, True),
    (datetime(2026, 2, 20, 9, tzinfo=UTC), "beta-2", H, True),
    (datetime(2026, 2, 25, 9, tzinfo=UTC), "beta-1", G, True),
    (datetime(2026, 3, 1, 10, tzinfo=UTC), "alpha-2", G, False),
    (datetime(2026, 3, 2, 5, tzinfo=UTC), "alpha-1", A, False),
    (datetime(2026, 3, 2, 8, 30, tzinfo=UTC), "alpha-1", A, True),
]


def write_deck(folder: Path) -> Path:
    parts = [DECK_HEADER]
    for family, slot in (("alpha", 1), ("beta", 5)):
        parts += [question(f"{family}-{i}", family, story=slot, also="[]") for i in range(1, 4)]
    path = folder / "deck.toml"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def build_history(store: Store) -> dict[str, datetime]:
    """Grade HISTORY through the real core; returns each question's due (earliest facet)."""
    due: dict[str, datetime] = {}
    for at, qid, intent, right in HISTORY:
        graded = grading.grade(store, Clock(now=at, local=UTC), qid, intent=intent,
                               story=StoryAnswer(verdict=right), fuzz=False)
        due[qid] = min(graded.intent_due, graded.story_due)
        if (at, qid) == (datetime(2026, 1, 18, 9, tzinfo=UTC), "beta-1"):
            # the intervals that make the 02-25 review mature
            assert graded.intent_due - at >= timedelta(days=21)
            assert graded.story_due - at >= timedelta(days=21)
    return due


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = open_here(autoload=False)
    decks.load_paths(opened, [write_deck(tmp_path)], now=datetime(2026, 1, 1, tzinfo=UTC))
    yield opened
    opened.close()


@pytest.fixture
def dues(store: Store) -> dict[str, datetime]:
    return build_history(store)


CLOCK = Clock(now=NOW, local=UTC)


def _family(report: stats.StatsReport, slug: str) -> stats.FamilyStats:
    return next(f for f in report.families if f.family == slug)


def test_family_figures(store: Store, dues: dict[str, datetime]) -> None:
    report = ops_stats.report(store, CLOCK)
    assert report.total_reviews == 8
    alpha, beta = _family(report, "alpha"), _family(report, "beta")
    assert (alpha.questions, alpha.seen, alpha.reviews) == (3, 3, 4)
    assert (beta.questions, beta.seen, beta.reviews) == (3, 2, 4)
    # last 30 days: alpha-2, alpha-1 twice; intent passed once, story right once; one lapse;
    # one answer (alpha-1 at 08:30) was a recall test of both facets, its intent missed
    assert alpha.recent == stats.Period(reviews=3, intent_passes=1, story_passes=1, lapses=1,
                                        intent_graded=3, story_graded=3, tests=2)
    assert alpha.recent.missed == 1
    assert alpha.recent.intent_recall == pytest.approx(1 / 3)
    assert alpha.previous == stats.Period(reviews=1, intent_passes=1, story_passes=1, lapses=0,
                                          intent_graded=1, story_graded=1)
    assert beta.recent == stats.Period(reviews=2, intent_passes=2, story_passes=2, lapses=0,
                                       intent_graded=2, story_graded=2, tests=2)
    assert beta.previous == stats.Period(reviews=2, intent_passes=2, story_passes=2, lapses=0,
                                         intent_graded=2, story_graded=2, tests=2)
    assert report.recent == stats.Period(5, 3, 3, 1, 5, 5, 4)
    assert report.previous == stats.Period(3, 3, 3, 0, 3, 3, 2)


def test_retrievability_and_weakness(store: Store, dues: dict[str, datetime]) -> None:
    report = ops_stats.report(store, CLOCK)
    cards = {c.id: c for c in card_reads.load_cards(store)}
    for family in ("alpha", "beta"):
        seen = [c for c in cards.values() if c.family == family and not c.is_new]
        got = _family(report, family)
        assert got.intent_retrievability == pytest.approx(
            sum(retrievability(c.intent, NOW, local=UTC) for c in seen) / len(seen))
        assert got.story_retrievability == pytest.approx(
            sum(retrievability(c.story, NOW, local=UTC) for c in seen) / len(seen))
    alpha, beta = _family(report, "alpha"), _family(report, "beta")
    assert alpha.weakness > 0 > beta.weakness
    assert alpha.desired_retention == pytest.approx(weakness.retention(0.90, alpha.weakness))
    assert beta.desired_retention == pytest.approx(weakness.retention(0.90, beta.weakness))


def test_true_retention_table(store: Store, dues: dict[str, datetime]) -> None:
    rows = {r.label: r for r in ops_stats.report(store, CLOCK).retention}
    # today: alpha-1 at 08:30, intent missed and story right, both young
    assert rows["today"].young == stats.Passes(1, 2)
    assert rows["today"].mature == stats.Passes(0, 0)
    # week and month add beta-1 on 02-25: both facets mature (66 and 23 days), both passed
    for label in ("week", "month"):
        assert rows[label].young == stats.Passes(1, 2)
        assert rows[label].mature == stats.Passes(2, 2)
        assert rows[label].all.rate == pytest.approx(3 / 4)


def test_forecast_heatmap_and_streak(store: Store, dues: dict[str, datetime]) -> None:
    report = ops_stats.report(store, CLOCK)
    assert report.today == date(2026, 3, 2)
    assert report.streak == 2
    # alpha-1, alpha-2, alpha-3 and beta-2 are in a learning step: due (or overdue) today
    end_of_today = datetime(2026, 3, 3, 4, tzinfo=UTC)
    expected = {date(2026, 3, 2) + timedelta(days=i): 0 for i in range(7)}
    for due in dues.values():
        day = max(date(2026, 3, 2), (due - timedelta(hours=4)).date())
        if due < end_of_today + timedelta(days=6):
            expected[day] += 1
    assert expected[date(2026, 3, 2)] >= 4
    assert dict(report.forecast) == expected
    heat = dict(report.heatmap)
    assert min(heat) == date(2025, 12, 15) and max(heat) == date(2026, 3, 2)  # 12 weeks
    busy = {d: n for d, n in heat.items() if n}
    assert busy == {date(2026, 1, 10): 1, date(2026, 1, 18): 1, date(2026, 1, 20): 1,
                    date(2026, 2, 20): 1, date(2026, 2, 25): 1, date(2026, 3, 1): 1,
                    date(2026, 3, 2): 2}


def test_study_days_start_at_four_local(store: Store, dues: dict[str, datetime]) -> None:
    """Five hours west of UTC, NOW is 04:00 local: today's study day has just begun, and the
    reviews at 05:00 and 08:30 UTC (00:00 and 03:30 local) belong to yesterday's."""
    west = Clock(now=NOW, local=timezone(timedelta(hours=-5)))
    report = ops_stats.report(store, west)
    assert report.today == date(2026, 3, 2)
    heat = dict(report.heatmap)
    assert (heat[date(2026, 3, 1)], heat[date(2026, 3, 2)]) == (3, 0)  # 05:00 UTC is 00:00
    assert report.streak == 1  # yesterday counts while today has no reviews yet
    assert {r.label: r.all.total for r in report.retention}["today"] == 0


def test_json_shape(store: Store, dues: dict[str, datetime]) -> None:
    data = stats_view.report_json(ops_stats.report(store, CLOCK))
    assert data["total_reviews"] == 8
    alpha = next(f for f in data["families"] if f["family"] == "alpha")
    assert set(alpha) >= {"family", "name", "questions", "seen", "reviews", "intent_recall",
                          "story_accuracy", "intent_retrievability", "story_retrievability",
                          "weakness", "desired_retention"}
    assert alpha["name"] == "Alpha"
    assert alpha["intent_recall"] == pytest.approx(0.3333)
    assert data["true_retention"]["week"]["mature"] == {"passed": 2, "total": 2, "rate": 1.0}
    assert data["trend"]["previous_30d"]["reviews"] == 3
    assert len(data["forecast"]) == 7 and data["streak"] == 2


def test_empty_collection_has_nulls_not_zeros(store: Store) -> None:
    data = stats_view.report_json(ops_stats.report(store, CLOCK))
    assert data["total_reviews"] == 0
    for family in data["families"]:
        assert family["seen"] == 0 and family["reviews"] == 0
        for key in ("intent_recall", "story_accuracy", "intent_retrievability",
                    "story_retrievability"):
            assert family[key] is None
        assert family["weakness"] == 0.0 and family["desired_retention"] == 0.9
    assert data["true_retention"]["today"]["all"] == {"passed": 0, "total": 0, "rate": None}
    assert data["streak"] == 0


def test_shaky_lists_recent_lapses_first(store: Store, dues: dict[str, datetime]) -> None:
    result = ops_stats.shaky(store, CLOCK)
    assert [f.family for f in result.families] == ["alpha", "beta"]
    ids = [q.question.id for q in result.questions]
    assert ids[0] == "alpha-1"  # forgot its intent at 08:30
    assert (result.questions[0].lapses, result.questions[0].last_lapse) == (
        1, datetime(2026, 3, 2, 8, 30, tzinfo=UTC))
    assert set(ids[1:]) == {"alpha-2", "alpha-3", "beta-1", "beta-2"}  # beta-3 never seen
    rest = result.questions[1:]
    assert all(q.lapses == 0 and q.last_lapse is None for q in rest)
    lows = [min(q.intent_retrievability, q.story_retrievability) for q in rest]
    assert lows == sorted(lows)
    assert result.questions[0].slot_name == "Managing an underperformer"


def test_shaky_family_filter_and_limit(store: Store, dues: dict[str, datetime]) -> None:
    only_beta = ops_stats.shaky(store, CLOCK, family="beta", limit=1)
    assert [f.family for f in only_beta.families] == ["beta"]
    assert len(only_beta.questions) == 1 and only_beta.questions[0].question.family == "beta"
    with pytest.raises(Exception, match="unknown family 'gamma' \\(known: alpha, beta\\)"):
        ops_stats.shaky(store, CLOCK, family="gamma")


def test_adaptive_off_reports_the_setting_everywhere(store: Store,
                                                     dues: dict[str, datetime]) -> None:
    setting_rows.save_setting(store, "adaptive", "off")
    setting_rows.save_setting(store, "retention", "0.85")
    report = ops_stats.report(store, CLOCK)
    assert not report.adaptive
    assert {f.desired_retention for f in report.families} == {0.85}
    assert _family(report, "alpha").weakness > 0  # still measured, just not acted on


def test_a_review_that_grades_one_facet_tests_only_that_facet(home: Path,
                                                              mini_deck: Path) -> None:
    from emdrill.store import stats as store_stats
    from emdrill.store import tallies

    t0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    store = opening.open_collection(home / "emdrill.db", now=t0, autoload=False)
    decks.load_paths(store, [mini_deck], now=t0)
    grading.grade(store, Clock(t0, UTC), "alpha-1", intent=Rating.GOOD,
                  story=StoryAnswer(slot=1))
    later = Clock(t0 + timedelta(days=2), UTC)
    grading.record(store, later, "alpha-1", intent=Rating.AGAIN, story=None, mode="anki")
    tally = tallies.read(store)["alpha"]
    assert (tally.tests, tally.misses) == (1, 1)  # the story was not tested
    assert tally.as_of == later.now
    tests = store_stats.retention_counts(store, bounds=[t0], offset_minutes=0)
    assert sum(total for *_, total in tests) == 1
    store.close()
