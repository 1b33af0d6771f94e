"""`interview --jd FILE`: the families a job description stresses (core/jd.py, on the
suggester's family vote), the proposal, bad files, and the command-line output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from emdrill.cli.main import app
from emdrill.core.jd import FamilyWeight, passages, propose, rank
from emdrill.core.suggest import Doc, Model

STAKEHOLDER_JD = """Engineering Manager, Platform
- Partner with product, design and sales stakeholders to drive alignment.
- Lead cross-functional planning and keep stakeholders aligned on trade-offs.
- Build trust with partner teams; influence without authority across the business.
We offer a competitive salary and a flexible office."""


def _doc(qid: str, family: str, text: str, intent: str) -> Doc:
    return Doc(id=qid, family=family, text=text, intent=intent, probes=(), pitfall="",
               follow_ups=(), story=1, also=())


def _model() -> Model:
    docs = [
        _doc("s1", "stakeholders", "Tell me about a difficult stakeholder.",
             "Can you bring a demanding partner to alignment?"),
        _doc("s2", "stakeholders", "How do you work with product managers and other teams?",
             "Cross-functional trust and influence without authority."),
        _doc("c1", "conflict", "Tell me about a conflict between two engineers.",
             "Do you mediate friction inside the team?"),
        _doc("d1", "delivery", "How do you make sure a project ships on time?",
             "Planning, capacity and execution against a deadline."),
        _doc("d2", "delivery", "Tell me about a release that slipped.",
             "Do you manage scope and the roadmap?"),
    ]
    return Model.build(docs, family_text={
        "stakeholders": "Stakeholders. Partners, product, alignment across teams.",
        "conflict": "Conflict. Disagreement and friction within the team.",
        "delivery": "Delivery. Planning, shipping, deadlines and execution."},
        slot_text={1: "Managing an underperformer."})


FAMILIES = {"stakeholders": 2, "conflict": 1, "delivery": 2}


def test_a_stakeholder_heavy_jd_ranks_the_stakeholder_family_first() -> None:
    ranking = rank(_model(), STAKEHOLDER_JD, families=FAMILIES)
    assert ranking.families[0].family == "stakeholders"
    assert ranking.families[0].share > 0.5
    assert abs(sum(f.share for f in ranking.families) - 1) < 1e-9
    assert ranking.proposed[0] == "stakeholders"


def test_each_passage_weighs_by_how_strongly_it_leans() -> None:
    """Every passage names both families; the one it stresses more wins, by the vote's size
    and not by a count of passages (a tie would put delivery first by name)."""
    text = ("Stakeholder alignment with product partners, before the deadline.\n"
            "Cross-functional alignment with partner teams and stakeholders; plan the release.")
    ranking = rank(_model(), text, families=FAMILIES)
    shares = {f.family: f.share for f in ranking.families}
    assert shares["delivery"] > 0 and shares["stakeholders"] > 1.5 * shares["delivery"]


def test_a_delivery_jd_ranks_delivery_first() -> None:
    text = "Own the roadmap.\nShip releases on time, plan capacity and hit every deadline."
    assert rank(_model(), text, families=FAMILIES).families[0].family == "delivery"


def test_passages_are_lines_and_sentences_without_bullets() -> None:
    assert passages("- one thing. Two things!\n\n* three\n2) four") == [
        "one thing.", "Two things!", "three", "four"]


def test_boilerplate_casts_no_vote_and_a_family_without_questions_is_left_out() -> None:
    ranking = rank(_model(), "Free snacks. Gym membership.", families=FAMILIES)
    assert ranking.passages == 0 and ranking.proposed == ()
    ranked = rank(_model(), STAKEHOLDER_JD, families={**FAMILIES, "conflict": 0})
    assert "conflict" not in [f.family for f in ranked.families]


def test_the_proposal_takes_the_stressed_families_within_bounds() -> None:
    def weights(*shares: float) -> tuple[FamilyWeight, ...]:
        return tuple(FamilyWeight(f"f{i}", s, 0) for i, s in enumerate(shares))

    assert propose(weights(0.6, 0.2, 0.1, 0.1)) == ("f0", "f1")  # one stressed: still two
    assert propose(weights(*[0.16] * 5, *[0.04] * 5)) == ("f0", "f1", "f2", "f3")  # at most 4
    assert propose(weights(0.32, 0.32, 0.31, 0.03, 0.02)) == ("f0", "f1", "f2")


# ---------------------------------------------------------------- the command


@pytest.fixture
def jd(tmp_path: Path) -> Path:
    path = tmp_path / "jd.txt"
    path.write_text(STAKEHOLDER_JD, encoding="utf-8")
    return path


def test_interview_jd_shows_the_ranking_and_the_command(runner: CliRunner, jd: Path) -> None:
    result = runner.invoke(app, ["interview", "--jd", str(jd)])
    assert result.exit_code == 0, result.output
    flat = " ".join(result.stdout.split())
    assert "What the job description stresses" in flat
    assert flat.index("Stakeholders and influence") < flat.index("Conflict")
    assert "emdrill interview YYYY-MM-DD --families stakeholders," in flat
    data = json.loads(runner.invoke(app, ["interview", "--jd", str(jd), "--json"]).stdout)
    assert set(data) == {"families", "passages", "proposed", "questions", "command"}
    assert data["families"][0]["family"] == "stakeholders" == data["proposed"][0]
    assert set(data["families"][0]) == {"family", "share", "questions"}
    assert data["questions"] == sum(f["questions"] for f in data["families"]
                                    if f["family"] in data["proposed"])


def test_with_a_plan_the_command_keeps_its_date_and_decks(runner: CliRunner, jd: Path) -> None:
    assert runner.invoke(app, ["interview", "2026-03-16T14:30", "--decks", "em-core"]
                         ).exit_code == 0
    data = json.loads(runner.invoke(app, ["interview", "--jd", str(jd), "--json"]).stdout)
    assert data["command"].startswith("emdrill interview 2026-03-16T14:30 --decks em-core "
                                      "--families stakeholders,")
    booked = runner.invoke(app, data["command"].split()[1:])
    assert booked.exit_code == 0, booked.output
    assert f"families {','.join(data['proposed'])}".replace(",", ", ") in booked.stdout


@pytest.mark.parametrize(("make", "message"), [
    (lambda p: None, "cannot read the job description"),
    (lambda p: p.write_bytes(b"\x89PNG\0\0binary"), "not a job description: give a plain text"),
    (lambda p: p.write_bytes("caf\xe9".encode("latin-1")), "not UTF-8 text"),
    (lambda p: p.write_text("Lorem ipsum dolor.\n", encoding="utf-8"),
     "no word of it is one the questions use"),
])
def test_a_bad_file_is_one_line_with_its_path(runner: CliRunner, tmp_path: Path, make: object,
                                              message: str) -> None:
    path = tmp_path / "jd.txt"
    make(path)  # type: ignore[operator]
    result = runner.invoke(app, ["interview", "--jd", str(path)])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines == [lines[0]] and lines[0].startswith(f"emdrill: {path}: ") and message in lines[0]
    assert result.stdout == ""


def test_jd_stands_alone(runner: CliRunner, jd: Path) -> None:
    result = runner.invoke(app, ["interview", "2026-03-16", "--jd", str(jd)])
    assert result.exit_code == 1 and "--jd and --into-plan each stand alone" in result.stderr
