"""The interview plan's arithmetic (core.plan) on crafted cases: how many new questions a
day, the load and answers a day, what fits in the user's minutes, the order new questions
come in, and the forecast for a question the plan leaves alone."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from emdrill.core.cards import Card, Question
from emdrill.core.forecast import first_days, lead_days
from emdrill.core.groups import intent_groups
from emdrill.core.plan import (
    ANSWERS_BEFORE_DATE,
    RESERVE,
    PlanInput,
    answers_needed,
    coverage,
    front_days,
    introduction_order,
    make_plan,
    narrower,
    spread_intros,
)
from emdrill.core.scheduler import FacetParameters, Memory, Rating, new_memory, retrievability
from emdrill.core.scheduler import review as fsrs_review

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PARAMS = FacetParameters()


def card(qid: str, family: str = "alpha", *, story: int = 1, position: int = 0,
         siblings: tuple[str, ...] = (), intent: Memory | None = None,
         story_memory: Memory | None = None) -> Card:
    q = Question(id=qid, deck="mini", family=family, text=f"{qid}?", intent="why",
                 story=story, siblings=siblings, position=position)
    return Card(q, intent or new_memory(NOW), story_memory or new_memory(NOW))


def fresh_cards(n: int, families: tuple[str, ...] = ("alpha", "beta")) -> list[Card]:
    return [card(f"q{i}", families[i % len(families)], position=i) for i in range(n)]


def seen(memory_days_ago: float, stability_reviews: int = 2) -> Memory:
    """A facet reviewed Good `stability_reviews` times, the last `memory_days_ago` ago."""
    at = NOW - timedelta(days=memory_days_ago + stability_reviews)
    m = new_memory(at)
    for k in range(stability_reviews):
        m = fsrs_review(m, Rating.GOOD, at + timedelta(days=k), local=UTC, fuzz=False)
    m = fsrs_review(m, Rating.GOOD, NOW - timedelta(days=memory_days_ago), local=UTC, fuzz=False)
    return m


def given(cards: list[Card], *, days: int, minutes: int = 120, pace: float = 2.4,
          introduced_today: int = 0, hours: int = 0) -> PlanInput:
    return PlanInput(interview=NOW + timedelta(days=days, hours=hours), now=NOW,
                     days_left=days, cards=cards, introduced_today=introduced_today,
                     minutes=minutes, pace=pace, retention=0.9, target=0.9)


def profile(days: int, minutes: int) -> tuple[float, ...]:
    return first_days(days, minutes=float(minutes), first_sight=(0.5, 0.5), retention=0.9,
                      parameters=PARAMS).answers


# ---------------------------------------------------------------- small pieces


@pytest.mark.parametrize(("load", "expected"), [
    ([2, 2, 2], 2),
    ([6, 0, 0], 2),  # a busy first day spreads over the days after it
    ([0, 0, 6], 6),  # a busy last day does not
    ([1, 2, 3, 4], 4),
    ([3, 1], 2),
    ([1.2, 1.2, 1.2], 2),  # rounded up
    ([], 0),
])
def test_answers_needed_is_the_largest_average_of_any_tail(load: list[float],
                                                          expected: int) -> None:
    assert answers_needed(load) == expected


def test_spread_intros_fills_today_then_each_day() -> None:
    assert spread_intros(10, today=4, per_day=4, days=3) == [4, 4, 2]
    assert spread_intros(5, today=0, per_day=4, days=3) == [0, 4, 1]
    assert spread_intros(0, today=4, per_day=4, days=2) == [0, 0]
    assert spread_intros(3, today=-2, per_day=4, days=2) == [0, 3]


def test_a_question_needs_a_day_between_its_first_sight_and_its_first_review() -> None:
    assert ANSWERS_BEFORE_DATE == 2
    assert lead_days(2, 0.9, PARAMS) == 1
    assert lead_days(3, 0.9, PARAMS) == 8  # FSRS's next interval after graduating


# ---------------------------------------------------------------- the plan's numbers


def test_four_questions_over_three_days() -> None:
    """Intro days = 3 - 1 = 2, so 2 new a day; the load is the first-days profile of each
    day's two questions, and answers a day the largest tail average of it."""
    plan = make_plan(given(fresh_cards(4), days=3, minutes=60))
    p = profile(3, 60)
    load = [2 * p[0], 2 * p[1] + 2 * p[0], 2 * p[2] + 2 * p[1]]
    assert (plan.lead_days, plan.intro_days, plan.new_per_day) == (1, 2, 2)
    assert plan.allowance_today == 2
    assert plan.answers_per_day == answers_needed(load)
    assert plan.minutes_needed == math.ceil(plan.answers_per_day * (1 + RESERVE) / 2.4)
    assert plan.minutes_per_day == plan.minutes_needed
    assert len(plan.introduce) == 4 and plan.unseen_at_date == 0


def test_new_per_day_rounds_up_over_the_intro_days() -> None:
    plan = make_plan(given(fresh_cards(25), days=7))
    assert plan.intro_days == 6 and plan.new_per_day == 5  # ceil(25 / 6)


def test_questions_first_seen_today_count_against_today() -> None:
    first_seen = fresh_cards(10)
    done = [card(c.id, c.family, position=c.question.position,
                 intent=fsrs_review(new_memory(NOW), Rating.GOOD, NOW, local=UTC, fuzz=False),
                 story_memory=fsrs_review(new_memory(NOW), Rating.GOOD, NOW, local=UTC, fuzz=False))
            if i < 1 else c for i, c in enumerate(first_seen)]
    plan = make_plan(given(done, days=6, introduced_today=1))
    assert plan.new_per_day == 2  # ten over five intro days, counted from this morning
    assert plan.allowance_today == 1
    assert len(plan.introduce) == 9


def test_too_few_minutes_cover_what_fits_and_name_the_rest() -> None:
    cards = fresh_cards(40)
    plan = make_plan(given(cards, days=10, minutes=3, pace=2.0))
    assert 0 < len(plan.introduce) < 40
    assert plan.unseen_at_date == 40 - len(plan.introduce)
    assert plan.minutes_per_day == 3 < plan.minutes_needed
    assert plan.answers_per_day * (1 + RESERVE) <= 3 * 2.0  # the reserve stays free
    enough = make_plan(given(cards, days=10, minutes=plan.minutes_needed, pace=2.0))
    assert enough.unseen_at_date == 0  # the minutes it asks for cover everything
    assert enough.minutes_needed == plan.minutes_needed
    # what stays unseen is the end of the introduction order
    order = introduction_order(cards, weakness={}, story_slots=frozenset())
    assert list(plan.unseen) == order[len(plan.introduce):]


def test_the_day_before_leaves_no_room_for_new_questions() -> None:
    plan = make_plan(given(fresh_cards(6), days=1, hours=1))
    assert plan.intro_days == 0 and plan.new_per_day == 0 and plan.allowance_today == 0
    assert plan.unseen_at_date == 6
    assert plan.readiness.overall == 0.0


def test_a_seen_question_adds_its_expected_answers_on_its_due_day() -> None:
    memory = seen(5)  # due a few days from now
    due_day = math.ceil((memory.due - NOW) / timedelta(days=1)) if memory.due else 0
    cards = [card("old", intent=memory, story_memory=memory)]
    plan = make_plan(given(cards, days=due_day + 2))
    kept = retrievability(memory, NOW + timedelta(days=due_day), local=UTC) ** 2
    assert plan.answers_per_day == math.ceil(round((1 + 2.0 * (1 - kept)) / 2, 6))
    assert plan.seen == 1 and plan.new_per_day == 0


def test_the_forecast_of_a_question_left_alone_is_its_retrievability_at_the_date() -> None:
    """Nothing due before the interview: the forecast is FSRS retrievability at that time."""
    memory = seen(0, stability_reviews=4)  # reviewed this morning, due weeks away
    at = NOW + timedelta(days=3, hours=2)
    assert memory.due is not None and memory.due > at
    plan = make_plan(given([card("solid", intent=memory, story_memory=memory)], days=3,
                           hours=2))
    assert plan.readiness.intent == retrievability(memory, at, local=UTC)
    assert plan.readiness.story == retrievability(memory, at, local=UTC)
    assert plan.now.intent == retrievability(memory, NOW, local=UTC)


def test_on_the_day_the_forecast_is_retrievability_now_and_at_the_interview() -> None:
    memory = seen(2)
    plan = make_plan(given([card("a", intent=memory, story_memory=memory), card("b")],
                           days=0, hours=3))
    at = NOW + timedelta(hours=3)
    assert plan.answers_per_day == 0 and plan.minutes_per_day == 0
    assert plan.readiness.intent == pytest.approx(retrievability(memory, at, local=UTC) / 2)
    family = plan.readiness.families[0]
    assert (family.in_scope, family.seen) == (2, 1)


def test_following_the_plan_keeps_seen_questions_at_or_above_target() -> None:
    memory = seen(6)  # due before the interview
    plan = make_plan(given([card("a", intent=memory, story_memory=memory)], days=10))
    assert plan.readiness.intent >= 0.9 and plan.readiness.story >= 0.9


# ---------------------------------------------------------------- order of introduction


def test_weak_families_come_first_in_every_round() -> None:
    cards = fresh_cards(6)
    order = introduction_order(cards, weakness={"beta": 0.03, "alpha": -0.02},
                               story_slots=frozenset())
    # families take turns (so none waits), the weak one first in each turn
    assert [c.family for c in order] == ["beta", "alpha"] * 3


def test_questions_with_a_story_come_before_those_without() -> None:
    cards = [card("a1", story=1, position=0), card("a2", story=5, position=1),
             card("a3", story=1, position=2)]
    order = introduction_order(cards, weakness={}, story_slots=frozenset({5}))
    assert order[0].id == "a2"


def test_one_question_per_intent_before_its_near_siblings() -> None:
    cards = [card("a1", position=0, siblings=("a2",)), card("a2", position=1, siblings=("a1",)),
             card("b1", "beta", position=2), card("a3", position=3)]
    order = [c.id for c in introduction_order(cards, weakness={}, story_slots=frozenset())]
    assert order.index("a2") == 3  # after every question with an intent of its own


def test_a_sibling_already_seen_counts_as_its_intent_covered() -> None:
    reviewed = fsrs_review(new_memory(NOW), Rating.GOOD, NOW, local=UTC, fuzz=False)
    cards = [card("a1", position=0, intent=reviewed, story_memory=reviewed),
             card("a2", position=1, siblings=("a1",)), card("a3", position=2)]
    order = [c.id for c in introduction_order(cards, weakness={}, story_slots=frozenset())]
    assert order == ["a3", "a2"]


# ---------------------------------------------------------------- a plan that fits the minutes
#
# Eight families of six questions, each family three intent groups of two siblings (24
# groups in all); each family relies on its own story slot. At 2.4 answers a minute, 10 days
# out, 5 minutes see 19 of the 24 groups, 10 minutes all of them, 20 minutes every question.

FAMILIES = tuple(f"f{i}" for i in range(8))


def paired_deck() -> list[Card]:
    return [card(f"{f}-{j}", f, story=i + 1, position=j, siblings=(f"{f}-{j ^ 1}",))
            for i, f in enumerate(FAMILIES) for j in range(6)]


def test_the_users_own_questions_come_first() -> None:
    cards = paired_deck()
    own = frozenset({"f7-5", "f3-4"})  # late in the deck, in families no one favours
    order = introduction_order(cards, weakness={"f1": 0.05}, story_slots=frozenset({2}),
                               own=own)
    assert {c.id for c in order[:2]} == own
    # an own question's group counts as covered: its sibling waits for the second round
    ids = [c.id for c in order]
    assert ids.index("f7-4") >= len(set(intent_groups(c.question for c in cards).values()))
    plan = make_plan(replace(given(cards, days=10, minutes=5), own=own))
    assert {c.id for c in plan.introduce[:2]} == own
    assert plan.intro_day[:2] == (0, 0)


def test_one_question_of_every_intent_group_before_any_sibling() -> None:
    cards = paired_deck()
    groups = intent_groups(c.question for c in cards)
    order = introduction_order(cards, weakness={"f2": 0.04}, story_slots=frozenset({3, 5}))
    first_round = [groups[c.id] for c in order[:len(set(groups.values()))]]
    assert len(first_round) == len(set(first_round)) == 24
    # a chain of sibling links is one group: c, linked only to b, waits as b does
    chain = [card("a", position=0, siblings=("b",)), card("b", position=1, siblings=("c",)),
             card("c", position=2), card("d", position=3)]
    assert [c.id for c in introduction_order(chain, weakness={}, story_slots=frozenset())][:2] \
        == ["a", "d"]


@pytest.mark.parametrize(("minutes", "days", "pace"), [
    (5, 10, 2.4), (3, 10, 2.4), (5, 10, 1.2), (5, 30, 2.4), (10, 7, 2.4)])
def test_every_family_starts_within_the_first_third_of_the_days(
        minutes: int, days: int, pace: float) -> None:
    plan = make_plan(given(paired_deck(), days=days, minutes=minutes, pace=pace))
    first: dict[str, int] = {}
    for c, day in zip(plan.introduce, plan.intro_day, strict=True):
        first.setdefault(c.family, day)
    assert set(first) == set(FAMILIES)
    assert max(first.values()) < front_days(days) == round(days / 3)
    assert len(plan.introduce) < 48  # the minutes are short: not everything fits


def test_a_family_without_a_story_is_introduced_and_its_story_is_a_step() -> None:
    """f7's slot (8) has no story: it is not starved for the families with one, and the
    plan names slot 8 as the story to write."""
    with_story = frozenset(range(1, 8))
    plan = make_plan(replace(given(paired_deck(), days=10, minutes=3),
                             story_slots=with_story))
    days = [d for c, d in zip(plan.introduce, plan.intro_day, strict=True) if c.family == "f7"]
    assert days and days[0] < front_days(10)
    assert plan.write_slots == (8,)
    everything = make_plan(given(paired_deck(), days=10, minutes=3))
    assert everything.write_slots[0] in range(1, 9) and len(everything.write_slots) == 8


def test_coverage_says_what_more_minutes_buy() -> None:
    found = coverage(given(paired_deck(), days=10, minutes=3), [3, 10, 20])
    assert [c.minutes for c in found] == [3, 10, 20]
    assert [c.groups_once for c in found] == [False, True, True]
    assert [c.siblings for c in found] == [False, False, True]
    assert [c.groups for c in found] == [20, 24, 24]
    assert found[0].by_day is None
    assert found[1].by_day is not None and found[2].by_day is not None
    assert 0 <= found[2].by_day <= found[1].by_day < 10
    assert all(c.reviews_each >= 1 for c in found)
    for c in found:  # the same figures as the plan at those minutes
        plan = make_plan(given(paired_deck(), days=10, minutes=c.minutes))
        assert (plan.groups_at_date, plan.groups_by_day) == (c.groups, c.by_day)


def test_no_narrower_scope_when_every_intent_fits() -> None:
    assert narrower(given(paired_deck(), days=10, minutes=10)) == []
    assert narrower(given(paired_deck(), days=10, minutes=20)) == []


def test_narrower_scopes_when_the_minutes_are_short() -> None:
    base = replace(given(paired_deck(), days=10, minutes=3), weakness={"f5": 0.05})
    firsts, families = narrower(base)
    # one question per intent: the minutes it needs see every group once in the full scope
    assert firsts.families == () and not firsts.groups_once
    assert firsts.minutes_needed > 3
    assert coverage(base, [firsts.minutes_needed])[0].groups_once
    # the most families (the weak one first) whose every intent fits in the user's 3 minutes
    assert families.groups_once and families.families[0] == "f5"
    assert 1 <= len(families.families) < len(FAMILIES)
    kept = [c for c in base.cards if c.family in families.families]
    assert make_plan(replace(base, cards=kept)).groups_by_day is not None
    one_more = {*families.families, next(f for f in FAMILIES if f not in families.families)}
    wider = [c for c in base.cards if c.family in one_more]
    assert make_plan(replace(base, cards=wider)).groups_by_day is None
    assert families.minutes_needed == make_plan(replace(base, cards=kept)).minutes_needed


def test_short_minutes_see_every_group_once_before_any_sibling() -> None:
    """At 4 minutes the 24 groups do not fit with every review (the plan needs more for
    that), but a first sight with its retries and one review each does: every group comes
    in, each family within the first third, no sibling before the last group, and the day's
    answers fit the minutes."""
    cards = paired_deck()
    groups = intent_groups(c.question for c in cards)
    plan = make_plan(given(cards, days=10, minutes=4))
    assert plan.minutes_needed > 4
    firsts = [groups[c.id] for c in plan.introduce]
    assert len(firsts) == len(set(firsts)) == plan.groups_at_date == plan.groups_in_scope == 24
    assert plan.groups_by_day is not None and plan.groups_by_day < plan.days_left
    first: dict[str, int] = {}
    for c, day in zip(plan.introduce, plan.intro_day, strict=True):
        first.setdefault(c.family, day)
    assert set(first) == set(FAMILIES) and max(first.values()) < front_days(10)
    assert plan.answers_per_day * (1 + RESERVE) <= 4 * 2.4
    assert plan.reviews_each >= 1


def test_the_first_third_is_the_bookings_and_unstarted_families_go_first() -> None:
    """Two days into a 10-day booking, four families started: the other four start today,
    the last day of the booking's first third (not within a third of the 8 days left), and
    before any started family's next group, weak or not."""
    started = {"f0", "f1", "f2", "f3"}
    cards = [Card(c.question, seen(0.5), seen(0.5))
             if c.family in started and c.id.endswith("-0") else c for c in paired_deck()]
    base = replace(given(cards, days=8, minutes=2), weakness={"f0": 0.3}, days_booked=10)
    order = introduction_order(cards, weakness={"f0": 0.3}, story_slots=frozenset())
    assert {c.family for c in order[:4]} == {"f4", "f5", "f6", "f7"}
    plan = make_plan(base)
    first: dict[str, int] = {}
    for c, day in zip(plan.introduce, plan.intro_day, strict=True):
        first.setdefault(c.family, day)
    assert all(first[f] == 0 for f in ("f4", "f5", "f6", "f7")), first
    fresh_start = make_plan(replace(base, days_booked=None))  # booked today: 3 days to start
    later = {c.family: d for c, d in zip(fresh_start.introduce[::-1],
                                         fresh_start.intro_day[::-1], strict=True)}
    assert 0 < max(later[f] for f in ("f4", "f5", "f6", "f7")) < front_days(8)


def test_reviews_each_counts_later_days_only_not_the_first_days_retries() -> None:
    """"1 review each" means an answer on a later study day before the date: a first sight
    missed and retried twice in its drill has had no review yet."""
    from emdrill.core.forecast import FirstDays
    from emdrill.core.plan import _reviews_after

    retried = FirstDays(answers=(2.9, 0.6, 0.3), ends=())
    assert _reviews_after(retried, 3, 0) == 0  # 0.9 expected on later days: not one review
    assert _reviews_after(FirstDays(answers=(1.0, 0.8, 0.7), ends=()), 3, 0) == 1
    assert _reviews_after(FirstDays(answers=(1.0, 0.8, 0.7), ends=()), 3, 1) == 0  # day 2 only
    assert _reviews_after(retried, 3, None) == 0
