"""The Anki round trip against the real Anki: emdrill exports an .apkg, Anki (the `anki`
package, the same Rust backend as Anki desktop) imports it and answers cards with its own
scheduler, exports with scheduling, and emdrill imports the reviews."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
)
from anki.scheduler.v3 import Scheduler
from anki.scheduler_pb2 import CardAnswer
from typer.testing import CliRunner

from conftest import STORE_NOW
from emdrill.cli.main import app
from emdrill.core import scheduler
from emdrill.core.anki import AnkiReview, forgotten
from emdrill.core.scheduler import Rating
from emdrill.core.timing import Clock
from emdrill.ops import anki_export, anki_import, decks, grading
from emdrill.ops import stats as ops_stats
from emdrill.ops.grading import StoryAnswer
from emdrill.store import card_reads, review_log
from emdrill.store.db import Store

if TYPE_CHECKING:  # anki.collection must be imported first: anki.cards imports it back
    from anki.cards import CardId

from anki.decks import DeckId

START = STORE_NOW  # the shared `store` fixture (conftest.py) opens and loads at this time
LATER = Clock(START + timedelta(days=1), UTC)  # when the phone's reviews come back
# Anki's backend counts study days in the machine's zone: emdrill is told the same one.
LOCAL = datetime.now().astimezone().tzinfo or UTC
LATER_LOCAL = Clock(START + timedelta(days=14), LOCAL)
BUTTONS = {1: CardAnswer.AGAIN, 2: CardAnswer.HARD, 3: CardAnswer.GOOD, 4: CardAnswer.EASY}


def at(hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute)


class Phone:
    """An Anki collection, driven the way the Anki apps drive it."""

    def __init__(self, folder: Path) -> None:
        self.col = Collection(str(folder / "phone.anki2"))

    def load(self, package: Path) -> None:
        options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
        self.col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package),
                                                              options=options))

    def card(self, question_id: str, facet: str) -> CardId:
        found = self.col.find_cards(f'"Id:{question_id}" card:{facet.capitalize()}')
        assert len(found) == 1
        return found[0]

    def answer(self, card_id: CardId, ease: int, when: datetime) -> None:
        """Press button `ease` (1-4) on a card, as the reviewer does, at `when`."""
        states = self.col._backend.get_scheduling_states(card_id)
        new = (states.again, states.hard, states.good, states.easy)[ease - 1]
        assert isinstance(self.col.sched, Scheduler)
        self.col.sched.answer_card(CardAnswer(
            card_id=card_id, current_state=states.current, new_state=new,
            rating=BUTTONS[ease], answered_at_millis=int(when.timestamp() * 1000),
            milliseconds_taken=5300))

    def in_filtered_deck(self, card_id: CardId, ease: int, when: datetime, *,
                         reschedule: bool) -> None:
        """Answer a card in a filtered deck, then send it home. With rescheduling off this is
        Anki's preview."""
        deck = self.col.sched.get_or_create_filtered_deck(deck_id=DeckId(0))
        deck.name = "Filtered"
        deck.config.reschedule = reschedule
        del deck.config.search_terms[:]
        deck.config.search_terms.add(search=f"cid:{card_id}", limit=10, order=0)
        filtered = self.col.sched.add_or_update_filtered_deck(deck).id
        assert self.col.get_card(card_id).odid  # the card is in the filtered deck
        self.answer(card_id, ease, when)
        self.col.sched.empty_filtered_deck(DeckId(filtered))
        self.col.decks.remove([DeckId(filtered)])

    def forget(self, card_id: CardId, when: datetime) -> None:
        """Reset the card to new (the browser's Forget). Anki dates its log row now; it is
        moved to `when`, which is all Anki's FSRS reads of it."""
        self.col.sched.schedule_cards_as_new([card_id], restore_position=True,
                                             reset_counts=False)
        row = self.col.db.scalar("SELECT max(id) FROM revlog WHERE cid = ? AND type = 4",
                                 card_id)
        self.col.db.execute("UPDATE revlog SET id = ? WHERE id = ?",
                            int(when.timestamp() * 1000), row)

    def anki_memory(self, card_id: CardId) -> tuple[float, float]:
        """Stability and difficulty as Anki's own FSRS computes them from the card's log."""
        state = self.col.compute_memory_state(card_id)
        assert state.stability is not None and state.difficulty is not None
        return state.stability, state.difficulty

    def study_day_starts_at(self) -> int:
        """Seconds after midnight UTC at which Anki's study day begins."""
        return int(self.col.sched._timing_today().next_day_at) % 86400

    def add_own_note(self, when: datetime) -> None:
        """A note the user made in Anki, answered: not emdrill's to import."""
        note = self.col.new_note(self.col.models.by_name("Basic") or {})
        note["Front"], note["Back"] = "Capital of France?", "Paris"
        deck = self.col.decks.id("Default")
        assert deck is not None
        self.col.add_note(note, deck)
        self.answer(note.card_ids()[0], 3, when)

    def export(self, path: Path, *, legacy: bool = False) -> Path:
        options = ExportAnkiPackageOptions(with_scheduling=True, with_deck_configs=True,
                                           with_media=False, legacy=legacy)
        self.col.export_anki_package(out_path=str(path), options=options, limit=None)
        return path

    def export_collection(self, path: Path) -> Path:
        self.col.export_collection_package(str(path), include_media=False, legacy=False)
        return path


@pytest.fixture
def phone(tmp_path: Path, store: Store) -> Iterator[Phone]:
    package = tmp_path / "emdrill.apkg"
    anki_export.export_anki(store, package, now=START)
    phone = Phone(tmp_path)
    phone.load(package)
    yield phone
    phone.col.close()


def reviewed_on_phone(phone: Phone, store: Store) -> None:
    """The commute: five answers on emdrill cards, one schedule change, one own note. And
    at noon, alpha-2 is drilled at the desk, after its phone review at 11:00."""
    phone.answer(phone.card("alpha-1", "intent"), 3, at(10))
    phone.answer(phone.card("alpha-1", "story"), 2, at(10, 1))
    phone.answer(phone.card("beta-1", "story"), 1, at(10, 30))
    phone.answer(phone.card("beta-1", "intent"), 4, at(10, 31))
    phone.add_own_note(at(10, 40))
    phone.answer(phone.card("alpha-2", "intent"), 1, at(11))
    phone.col.sched.set_due_date([phone.card("beta-2", "intent")], "0")
    grading.grade(store, Clock(at(12), UTC), "alpha-2", intent=Rating.GOOD,
                  story=StoryAnswer(slot=1), mode="drill")


def anki_reviews(store: Store) -> list[tuple[str, int | None, int | None, datetime]]:
    rows = [(r.question_id, r.intent_rating, r.story_rating, r.reviewed_at)
            for r in review_log.last_reviews(store, 100) if r.mode == "anki"]
    return sorted(rows, key=lambda r: (r[0], r[3]))


def test_phone_reviews_land_on_their_facets(tmp_path: Path, store: Store, phone: Phone) -> None:
    reviewed_on_phone(phone, store)
    result = anki_import.import_anki(store, LATER, phone.export(tmp_path / "back.apkg"))

    assert len(result.planned) == 5
    assert (result.already, result.unknown, result.unknown_notes) == (0, 1, 1)
    assert result.not_answers == 1  # the set-due-date, which is no answer
    assert result.backup is not None and result.backup.exists()
    # Both cards keep Anki's button: Hard on a Story card is a close story, as emdrill's own.
    assert anki_reviews(store) == [
        ("alpha-1", 3, None, at(10)),
        ("alpha-1", None, 2, at(10, 1)),
        ("alpha-2", 1, None, at(11)),
        ("beta-1", None, 1, at(10, 30)),
        ("beta-1", 4, None, at(10, 31)),
    ]
    alpha1 = card_reads.load_card(store, "alpha-1")
    assert alpha1.intent.last_review == at(10)
    assert alpha1.story.last_review == at(10, 1)
    beta1 = card_reads.load_card(store, "beta-1")
    assert beta1.story.state == scheduler.LEARNING and beta1.intent.state == scheduler.REVIEW
    assert card_reads.load_card(store, "beta-2").is_new  # a schedule change is no review


def test_an_older_phone_review_is_replayed_under_the_later_desk_review(
        tmp_path: Path, store: Store, phone: Phone) -> None:
    reviewed_on_phone(phone, store)
    anki_import.import_anki(store, LATER, phone.export(tmp_path / "back.apkg"))

    # alpha-2: Again on the phone at 11:00, then Good at the desk at 12:00, in that order.
    card = card_reads.load_card(store, "alpha-2")
    fresh = card_reads.load_card(store, "alpha-3").intent  # never reviewed
    expected = scheduler.review(
        scheduler.review(fresh, Rating.AGAIN, at(11), fuzz=False, local=UTC),
        Rating.GOOD, at(12), fuzz=False, local=UTC)
    assert card.intent == expected
    assert card.story.last_review == at(12)  # the phone review did not touch the story
    desk = review_log.last_reviews(store, 1)[0]
    assert (desk.mode, desk.reviewed_at) == ("drill", at(12))
    # Undo takes back the newest review in time and leaves the phone's 11:00 answer.
    grading.undo(store)
    after_undo = card_reads.load_card(store, "alpha-2")
    assert after_undo.intent == scheduler.review(fresh, Rating.AGAIN, at(11), fuzz=False, local=UTC)
    assert after_undo.story.is_new


def test_importing_again_in_any_package_form_records_nothing_twice(
        tmp_path: Path, store: Store, phone: Phone) -> None:
    reviewed_on_phone(phone, store)
    first = phone.export(tmp_path / "back.apkg")
    anki_import.import_anki(store, LATER, first)
    before = review_log.last_reviews(store, 100)
    for package in (first, phone.export(tmp_path / "legacy.apkg", legacy=True),
                    phone.export_collection(tmp_path / "whole.colpkg")):
        again = anki_import.import_anki(store, LATER, package)
        assert (len(again.planned), again.already) == (0, 5)
        assert again.backup is None
    assert review_log.last_reviews(store, 100) == before


def test_an_import_stopped_midway_records_none_and_runs_again_whole(
        tmp_path: Path, store: Store, phone: Phone, monkeypatch: pytest.MonkeyPatch) -> None:
    reviewed_on_phone(phone, store)
    package = phone.export(tmp_path / "back.apkg")
    real, calls = review_log.record_review, []

    def interrupted(*args: object, **kwargs: Any) -> object:
        calls.append(1)
        if len(calls) == 4:  # Ctrl-C at the fourth of five answers
            raise KeyboardInterrupt
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(review_log, "record_review", interrupted)
    with pytest.raises(KeyboardInterrupt):
        anki_import.import_anki(store, LATER, package)
    monkeypatch.undo()
    assert anki_reviews(store) == []
    assert card_reads.load_card(store, "alpha-1").is_new
    again = anki_import.import_anki(store, LATER, package)
    assert (len(again.planned), again.already) == (5, 0)
    assert len(anki_reviews(store)) == 5


def test_dry_run_lists_the_reviews_and_writes_nothing(
        tmp_path: Path, store: Store, phone: Phone) -> None:
    reviewed_on_phone(phone, store)
    dry = anki_import.import_anki(store, LATER, phone.export(tmp_path / "back.apkg"),
                                  dry_run=True)
    assert [(p.question_id, p.facet, p.rating, p.ease) for p in dry.planned][:2] == [
        ("alpha-1", "intent", Rating.GOOD, 3), ("alpha-1", "story", Rating.HARD, 2)]
    assert [r.mode for r in review_log.last_reviews(store, 100)] == ["drill"]


def test_stats_count_a_one_facet_review_for_its_facet_only(
        tmp_path: Path, store: Store, phone: Phone) -> None:
    reviewed_on_phone(phone, store)
    anki_import.import_anki(store, LATER, phone.export(tmp_path / "back.apkg"))
    report = ops_stats.report(store, LATER)
    alpha = next(f for f in report.families if f.family == "alpha")
    # alpha: intent graded 3 times (phone Good, phone Again, desk Good); story twice (both right)
    recent = alpha.recent
    assert (recent.reviews, recent.intent_graded, recent.story_graded) == (4, 3, 2)
    assert alpha.recent.intent_recall == pytest.approx(2 / 3)
    assert alpha.recent.story_accuracy == 1.0


def test_exporting_again_updates_the_notes_and_keeps_ankis_progress(
        tmp_path: Path, store: Store, phone: Phone, mini_deck: Path) -> None:
    card_id = phone.card("alpha-1", "intent")
    phone.answer(card_id, 3, at(10))
    before = phone.col.get_card(card_id)
    mini_deck.write_text(mini_deck.read_text().replace("Question alpha-1?", "Reworded alpha-1?"))
    decks.load_paths(store, [mini_deck], now=START + timedelta(hours=2))
    anki_export.export_anki(store, tmp_path / "again.apkg", now=START + timedelta(hours=2))
    phone.load(tmp_path / "again.apkg")
    after = phone.col.get_card(card_id)
    assert after.note()["Question"] == "Reworded alpha-1?"
    assert (after.reps, after.due, after.type) == (before.reps, before.due, before.type)
    assert phone.col.note_count() == 6


def test_the_cli_reports_what_came_back(tmp_path: Path, store: Store, phone: Phone,
                                        runner: CliRunner,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    reviewed_on_phone(phone, store)
    package = phone.export(tmp_path / "back.apkg")
    monkeypatch.setenv("EMDRILL_NOW", LATER.now.isoformat())
    dry = runner.invoke(app, ["import", str(package), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would record 5 reviews from Anki: 3 intent, 2 story, on 3 questions" in dry.output
    assert "answered from 2026-03-02 10:00 to 2026-03-02 11:00" in dry.output
    assert "2026-03-02 10:01  story   hard   alpha-1" in dry.output
    assert "not from emdrill, left alone: 1 review of 1 note" in dry.output
    assert "dry run: nothing written" in dry.output
    done = runner.invoke(app, ["import", str(package)])
    assert done.exit_code == 0, done.output
    assert "recorded 5 reviews from Anki" in done.output
    assert "backed up the collection first to" in done.output
    again = runner.invoke(app, ["import", str(package)])
    assert "recorded 0 reviews" in again.output
    assert "already imported before: 5 reviews" in again.output


def test_a_package_without_reviews_says_how_to_export_one(tmp_path: Path, store: Store,
                                                          runner: CliRunner) -> None:
    package = tmp_path / "fresh.apkg"
    anki_export.export_anki(store, package, now=START)
    result = runner.invoke(app, ["import", str(package)])
    assert result.exit_code == 0
    assert "no reviews in" in result.output
    assert "Include scheduling information" in result.output


def test_export_picks_decks_and_families(tmp_path: Path, store: Store, runner: CliRunner) -> None:
    assert anki_export.export_anki(store, tmp_path / "a.apkg", now=START,
                                   families=["beta"]).notes == 3
    bad = runner.invoke(app, ["export", "anki", str(tmp_path / "b.apkg"), "--families", "gamma"])
    assert bad.exit_code == 1
    assert "emdrill: unknown family 'gamma' (known: alpha, beta)" in bad.output
    assert not (tmp_path / "b.apkg").exists()


def day(n: int, hour: int, minute: int = 0) -> datetime:
    return START.replace(hour=hour, minute=minute) + timedelta(days=n)


# A fortnight of answers on the phone: same-day steps, next-day reviews earlier in the day than
# the one before (counted as a new study day by Anki, under 24 hours by the clock), answers
# between midnight and 04:00 (still the day before), lapses, a Hard and an Easy on Story
# cards, two previews (a filtered deck that does not reschedule), which Anki's FSRS ignores,
# and an early review in a filtered deck that reschedules, which it counts.
# beta-2 is reset in Anki (Forget) on day 3 and learnt again: its memory starts there.
# (question, facet, button, when, where: "" the card's own deck, "preview", "resched", or
# "forget" for the reset)
FORTNIGHT = [
    ("alpha-1", "intent", 3, day(0, 9), ""),
    ("alpha-1", "story", 2, day(0, 9, 1), ""),
    ("alpha-1", "intent", 3, day(0, 9, 10), ""),
    ("alpha-1", "story", 3, day(0, 9, 12), ""),
    ("beta-1", "intent", 1, day(0, 10), ""),
    ("beta-1", "story", 3, day(0, 10, 1), ""),
    ("beta-1", "intent", 3, day(0, 10, 10), ""),
    ("beta-1", "story", 3, day(0, 10, 11), ""),
    ("beta-1", "intent", 3, day(0, 10, 30), ""),
    ("alpha-2", "story", 4, day(0, 11), ""),
    ("beta-2", "intent", 3, day(0, 12), ""),
    ("beta-2", "intent", 3, day(0, 12, 10), ""),
    ("alpha-1", "intent", 3, day(1, 8, 30), ""),
    ("alpha-1", "story", 3, day(1, 23, 30), ""),
    ("beta-1", "story", 3, day(2, 12), "preview"),
    ("alpha-1", "intent", 1, day(3, 12), "preview"),
    ("beta-2", "intent", 2, day(2, 12, 30), ""),
    ("alpha-2", "story", 3, day(3, 18), "resched"),
    ("beta-2", "intent", 0, day(3, 9), "forget"),
    ("beta-2", "intent", 1, day(3, 9, 5), ""),
    ("beta-2", "intent", 3, day(3, 9, 15), ""),
    ("beta-2", "intent", 3, day(5, 12), ""),
    ("beta-1", "story", 2, day(4, 3, 59), ""),
    ("beta-1", "intent", 1, day(4, 5), ""),
    ("beta-1", "intent", 3, day(4, 5, 10), ""),
    ("alpha-1", "story", 4, day(5, 4, 30), ""),
    ("beta-1", "intent", 3, day(5, 4, 5), ""),
    ("alpha-1", "intent", 3, day(6, 7), ""),
    ("alpha-2", "story", 2, day(8, 9), ""),
    ("alpha-1", "story", 1, day(9, 3, 50), ""),
    ("alpha-1", "story", 3, day(9, 4, 5), ""),
]


@pytest.mark.parametrize(("kind", "ease", "factor", "answer", "preview"), [
    (0, 3, 0, True, False),  # a learning step: SM-2 logs no factor for one
    (1, 3, 2500, True, False),
    (2, 1, 2300, True, False),
    (3, 3, 2500, True, False),  # an early review in a filtered deck that reschedules
    (3, 1, 0, False, True),  # a preview: a filtered deck that does not reschedule
    (4, 0, 2500, False, False),  # set due date
    (4, 0, 0, False, False),  # reset (Forget)
    (4, 3, 2500, False, False),  # a manual row, even with a button: Anki drops them all
    (5, 0, 2500, False, False),  # rescheduled by FSRS
    (5, 3, 2500, False, False),
    (1, 0, 2500, False, False),  # no button
    (6, 3, 2500, False, False),  # a kind this Anki does not have
])
def test_the_rows_kept_are_the_rows_ankis_fsrs_keeps(kind: int, ease: int, factor: int,
                                                     answer: bool, preview: bool) -> None:
    row = AnkiReview(revlog_id=1, guid="g", ordinal=0, ease=ease, kind=kind, millis=0,
                     factor=factor)
    assert (row.is_answer, row.is_preview) == (answer, preview)


def _log(*rows: tuple[int, int, int]) -> list[AnkiReview]:
    """One card's log, oldest first, from (kind, ease, factor) rows a minute apart."""
    return [AnkiReview(revlog_id=60_000 * (i + 1), guid="g", ordinal=0, ease=ease, kind=kind,
                       millis=0, factor=factor, card_id=7) for i, (kind, ease, factor)
            in enumerate(rows)]


LEARN, REVIEW, RESET, SET_DUE, PREVIEW = (0, 3, 250), (1, 3, 250), (4, 0, 0), (4, 0, 250), \
    (3, 1, 0)


@pytest.mark.parametrize(("rows", "dropped"), [
    ((LEARN, LEARN, REVIEW, REVIEW), []),  # no reset: every answer counts
    ((LEARN, REVIEW, SET_DUE, REVIEW), []),  # a due date set is no reset
    ((LEARN, REVIEW, RESET, LEARN, LEARN, REVIEW), [1, 2]),  # learnt again after the reset
    ((LEARN, REVIEW, RESET, PREVIEW, LEARN, REVIEW), [1, 2]),  # a preview changes nothing
    ((LEARN, REVIEW, RESET), [1, 2]),  # reset and not answered since: nothing counts
    ((LEARN, RESET, SET_DUE, REVIEW, REVIEW), [1]),  # reviewed straight after the reset
    ((REVIEW, LEARN, LEARN), [1]),  # an old Anki's reset left no row: the learning restarts
])
def test_answers_before_a_reset_are_the_ones_ankis_fsrs_forgets(
        rows: tuple[tuple[int, int, int], ...], dropped: list[int]) -> None:
    log = _log(*rows)
    assert sorted(r.revlog_id // 60_000 for r in log if r.revlog_id in forgotten(log)) == dropped
    other = [AnkiReview(revlog_id=r.revlog_id + 1, guid="h", ordinal=1, ease=r.ease,
                        kind=r.kind, millis=0, factor=r.factor, card_id=8) for r in _log(LEARN)]
    assert forgotten(log + other) == forgotten(log)  # each card's log on its own


def test_previews_are_skipped_and_every_memory_is_ankis_own(
        tmp_path: Path, store: Store, phone: Phone, runner: CliRunner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    phone.col.set_config("fsrs", True)
    # Both apps start a study day at 04:00 in the same zone (this test's machine's).
    offset = LOCAL.utcoffset(START) or timedelta(0)
    assert phone.study_day_starts_at() == (4 * 3600 - offset.total_seconds()) % 86400
    cards: dict[tuple[str, str], CardId] = {}
    for question_id, facet, ease, when, where in FORTNIGHT:
        card_id = cards.setdefault((question_id, facet), phone.card(question_id, facet))
        if where == "forget":
            phone.forget(card_id, when)
        elif where:
            phone.in_filtered_deck(card_id, ease, when, reschedule=where == "resched")
        else:
            phone.answer(card_id, ease, when)
    logged = phone.col.db.list("SELECT id FROM revlog WHERE cid IN (SELECT id FROM cards)")
    assert sorted(logged) == sorted(int(when.timestamp() * 1000) for *_, when, _ in FORTNIGHT)
    filtered = phone.col.db.all("SELECT factor FROM revlog WHERE type = 3 ORDER BY id")
    # what Anki logged: a filtered deck's row each, factor 0 for the previews only
    assert [factor == 0 for factor, in filtered] == [True, True, False]

    back = LATER_LOCAL
    package = phone.export(tmp_path / "back.apkg")
    dry = anki_import.import_anki(store, back, package, dry_run=True)
    # two previews, three answers before beta-2's reset, and the reset itself
    assert (dry.previews, dry.forgotten, dry.not_answers) == (2, 3, 1)
    assert len(dry.planned) == len(FORTNIGHT) - 2 - 3 - 1
    monkeypatch.setenv("EMDRILL_NOW", back.now.isoformat())
    said = runner.invoke(app, ["import", str(package), "--dry-run"])
    assert said.exit_code == 0, said.output
    assert "previews in Anki (a filtered deck that does not reschedule), skipped: 2 reviews" \
        in said.output
    assert "answers before a reset in Anki (Forget), skipped: 3 reviews" in said.output
    done = anki_import.import_anki(store, back, package)
    assert (done.previews, done.forgotten) == (2, 3)
    recorded = [(r.question_id, r.reviewed_at) for r in review_log.last_reviews(store, 100)]
    assert (("beta-1", day(2, 12)) not in recorded and ("alpha-1", day(3, 12)) not in recorded)

    # No emdrill-side history on any of these cards: emdrill's memory is Anki's.
    for (question_id, facet), card_id in sorted(cards.items()):
        memory = getattr(card_reads.load_card(store, question_id), facet)
        stability, difficulty = phone.anki_memory(card_id)
        assert memory.stability == pytest.approx(stability, abs=1e-3), (question_id, facet)
        assert memory.difficulty == pytest.approx(difficulty, abs=1e-3), (question_id, facet)
