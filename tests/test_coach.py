"""The answer coach (core/coach.py, core/coach_rules.py): each rule on crafted sentences,
the hard cases, story parts, and precision/recall floors on the labelled tuning set."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from emdrill.core import coach_rules as r
from emdrill.core.coach import RULES, THRESHOLDS, analyse, analyse_story, summary

ROOT = Path(__file__).resolve().parents[1]

GOOD = """My rule for incidents is to stabilise first and explain later.
Last spring our checkout failed for 40 minutes during a sale. I took the incident call, I
rolled back the deploy and I wrote to the three biggest customers myself. The rollback was
late because I hesitated, which cost us about 2,000 orders.
Checkout errors fell to 0.1% within an hour, and we kept 95% of the sale's revenue.
I learned that I wait too long to roll back. Since then I roll back first whenever errors
pass 1%, and ask questions after."""


def verdict(text: str, rule: str, **kw: object) -> bool | None:
    return analyse(text, **kw).verdict(rule)  # type: ignore[arg-type]


def test_a_good_answer_has_no_open_findings() -> None:
    report = analyse(GOOD)
    assert report.open == [], [f.rule for f in report.open]
    assert {f.rule for f in report.findings} == set(RULES) - {"intent"}
    assert summary(report) == "coach: no open findings"


# ---------------------------------------------------------------- i-not-we


def test_we_as_the_subject_of_the_actions_is_flagged_with_counts() -> None:
    text = GOOD.replace("I took the incident call, I\nrolled back the deploy and I wrote",
                        "We took the incident call, we\nrolled back the deploy and we wrote")
    text = text.replace("because I hesitated", "because we hesitated")
    finding = next(f for f in analyse(text).findings if f.rule == "i-not-we")
    assert not finding.ok
    assert '"I" 3, "we" 5' in finding.fix
    assert finding.sentence.startswith("Last spring") is False
    assert "We took the incident call" in finding.sentence


def test_we_inside_a_quote_is_not_yours() -> None:
    quoted = ('My lead said "we tried that, we failed, we will fail again". I asked him for '
              "one week. I ran the trial myself.")
    assert r.we_actions(quoted) == 0
    assert verdict(quoted, "i-not-we") is True
    assert verdict(quoted.replace('"', ""), "i-not-we") is False


def test_i_think_is_a_hedge_not_an_action() -> None:
    assert r.i_actions("I think we should ship it, I believe it is ready.") == 0
    assert r.i_actions("I shipped it and I told the team.") == 2
    hedged = "I think we moved fast. I feel we shipped it well. We tested it and we won."
    assert verdict(hedged, "i-not-we") is False


def test_we_describing_the_setting_is_not_an_action() -> None:
    assert r.we_actions("We were a team of six and we had three outages a week.") == 0
    assert r.we_actions("The team decided to split the service.") == 1


# ---------------------------------------------------------------- number


def test_a_number_only_in_the_context_is_not_a_result() -> None:
    text = ("My approach is to fix the noisiest alert first. Our team of 12 got 40 pages a "
            "week and 3 people had quit. I deleted the alerts nobody acted on and I rewrote "
            "the runbooks with the on-call engineers, which was painful. Things got much "
            "calmer and people were happier. Since then I review alerts every month.")
    finding = next(f for f in analyse(text).findings if f.rule == "number")
    assert not finding.ok
    assert "calmer" in finding.sentence
    with_figure = text.replace("Things got much calmer", "Pages fell to 6 a week")
    assert verdict(with_figure, "number") is True


@pytest.mark.parametrize("said", ["it cut costs by 27%", "we shipped it in March",
                                  "done by Q3", "latency halved", "within a week",
                                  "no outages since", "twelve tickets closed"])
def test_figures_people_say(said: str) -> None:
    assert r.has_number(said)


@pytest.mark.parametrize("said", ["it went much better", "one of our best", "we may ship"])
def test_words_that_are_not_figures(said: str) -> None:
    assert not r.has_number(said)


# ---------------------------------------------------------------- learning


def test_a_learning_without_a_lasting_change_is_flagged() -> None:
    text = GOOD.replace("Since then I roll back first whenever errors\npass 1%, and ask "
                        "questions after.", "It was a good lesson.")
    assert verdict(text, "learning") is False
    assert verdict(GOOD, "learning") is True


def test_a_platitude_is_a_generic_learning() -> None:
    end = "The lesson was that communication is key and transparency matters."
    text = GOOD.split("I learned")[0] + end
    report = analyse(text)
    assert report.verdict("generic-learning") is False
    assert report.verdict("learning") is False
    assert next(f for f in report.findings if f.rule == "generic-learning").sentence == end


def test_a_platitude_next_to_a_behaviour_is_not_generic() -> None:
    text = GOOD + " Communication is key."
    assert verdict(text, "generic-learning") is True


# ---------------------------------------------------------------- setback


def test_a_flawless_story_lacks_a_setback() -> None:
    text = ("My approach is to plan with data. I built a forecast and I showed it to product. "
            "Everything went smoothly and we delivered 8 items in Q3. Since then I always "
            "open planning with the forecast on screen.")
    finding = next(f for f in analyse(text).findings if f.rule == "setback")
    assert not finding.ok and "smoothly" in finding.sentence
    assert verdict(text.replace("Everything went smoothly", "Product pushed back"),
                   "setback") is True


# ---------------------------------------------------------------- system-first


def test_opening_with_the_story_misses_the_system() -> None:
    story_first = GOOD.replace("My rule for incidents is to stabilise first and explain "
                               "later.\n", "")
    assert verdict(GOOD, "system-first") is True
    assert verdict(story_first, "system-first") is False


# ---------------------------------------------------------------- setup-share


def test_a_long_setup_before_the_first_action() -> None:
    setup = ("The company had grown fast and the platform was old. Three teams shared one "
             "database, and every release needed a week of manual testing. Sales had "
             "promised a new region to a large customer by June, and the previous manager "
             "had left without a plan. Nobody owned the deployment scripts, and the two "
             "people who knew them were on leave. ")
    text = ("My approach is to cut scope before time. " + setup +
            "I cut the scope to one region and I shipped it in May, a painful trade-off. "
            "Since then I cut scope first.")
    finding = next(f for f in analyse(text).findings if f.rule == "setup-share")
    assert not finding.ok and finding.sentence.startswith("I cut the scope")
    assert verdict(GOOD, "setup-share") is True


# ---------------------------------------------------------------- length and intent


def test_length_at_the_pace_against_the_target() -> None:
    text = " ".join(["word"] * 300)
    report = analyse(text, target=150)  # 300 words at 150 a minute: 2:00
    assert report.words == 300 and report.spoken_seconds == 120.0
    assert report.verdict("length") is True
    assert analyse(text, target=90).verdict("length") is False  # 120 s > 90 * 1.2
    assert analyse(text, target=90, pace=200).verdict("length") is True  # 90 s


def test_intent_is_judged_only_with_a_question() -> None:
    intent = ("Do you hire well as the team grows? a hiring plan tied to the roadmap; "
              "interviewers trained on one scorecard; onboarding that ramps new people")
    assert analyse(GOOD).verdict("intent") is None
    off = analyse(GOOD, intent=intent)
    assert off.verdict("intent") is False
    on_topic = GOOD + (" The same week I wrote a hiring plan from the roadmap, trained the "
                       "interviewers on one scorecard and rebuilt onboarding for new people.")
    assert analyse(on_topic, intent=intent).verdict("intent") is True


def test_a_fragment_is_judged_only_for_length_and_we() -> None:
    report = analyse("We fixed it. We shipped it.")
    assert {f.rule for f in report.findings} == {"i-not-we", "length"}


def test_every_threshold_has_a_reason() -> None:
    assert all(t.reason for t in THRESHOLDS.values())


# ---------------------------------------------------------------- stories


def test_a_story_is_read_part_by_part() -> None:
    parts = {"context": "A payments team of eight, shipping weekly.",
             "challenge": "Releases broke checkout twice a month.",
             "actions": "We added canaries. We wrote a rollback script. We paired on it.",
             "results": "Releases were calmer.",
             "learnings": "Testing matters."}
    report = analyse_story(parts)
    open_ = {(f.rule, f.part) for f in report.open}
    assert ("i-not-we", "actions") in open_
    assert ("number", "results") in open_
    assert ("learning", "learnings") in open_
    assert "system-first" not in {f.rule for f in report.findings}
    empty = analyse_story({**parts, "results": ""})
    assert empty.verdict("number") is False


# ---------------------------------------------------------------- the labelled set


def test_precision_and_recall_floors_on_the_tuning_set() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    from coach_accuracy import SETS, intents, load, score

    result = score(load(SETS["tune"]), intents())
    assert result["texts"] >= 50
    for rule, c in result["rules"].items():
        assert c["faults"] >= 3, rule
        assert c["precision"] is not None and c["precision"] >= 0.9, (rule, c)
        assert c["recall"] >= 0.8, (rule, c)
    held = load(SETS["held"])
    assert len(held) + result["texts"] >= 80


# ---------------------------------------------------------------- the mock's side


def test_rules_missed_most_and_the_self_check_beside_them() -> None:
    from emdrill.core.mock import CHECKS, coach_missed, measured

    ranked = coach_missed([[("number", False), ("i-not-we", True)],
                           [("number", False), ("i-not-we", False)], []])
    assert ranked == [("number", 2, 2), ("i-not-we", 1, 2)]
    rows = measured([True, True, True, False, True],
                    {"i-not-we": False, "number": False, "system-first": True})
    assert [r.check.key for r in rows] == [c.key for c in CHECKS]
    assert [r.disagree for r in rows] == [False, False, True, False, False]
    assert rows[0].measured is None  # intent was not judged


def test_stats_names_the_rules_missed_most() -> None:
    from datetime import UTC, datetime

    from rich.console import Console

    from emdrill.core.mock import Rehearsal, rehearsal_stats
    from emdrill.ui.mock_view import rehearsal_json, rehearsal_section

    at = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [Rehearsal("q1", "alpha", at, 150, 140.0, (), (True,) * 5,
                      findings=(("number", False), ("learning", ok)))
            for ok in (True, False, False)]
    old = Rehearsal("q1", "alpha", datetime(2025, 1, 1, tzinfo=UTC), 150, 99.0, (),
                    (True,) * 5, findings=(("setback", False),))
    stats = rehearsal_stats([old, *rows], target=150, split=datetime(2026, 2, 1, tzinfo=UTC),
                            since=datetime(2026, 1, 1, tzinfo=UTC))
    assert stats.coach_missed == [("number", 3, 3), ("learning", 2, 3)]  # not the old one
    console = Console(width=40, record=True)
    console.print(rehearsal_section(stats))
    text = " ".join(console.export_text().split())
    assert "missed most: a result with a number 3 of 3; a learning you have applied" in text
    assert rehearsal_json(stats)["coach_missed_30d"][0] == {"rule": "number", "missed": 3,
                                                            "judged": 3}
