"""What the exported Anki cards say and how they look: the Story card's slots, alternates,
system answers, missing-story hints and button meanings, read from cards the real Anki
renders; and the contrast of every text colour in the CSS, day and night (WCAG AA: 4.5:1)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from conftest import DECK_HEADER, question
from emdrill.core.anki import STORY_BUTTONS, facet_rating
from emdrill.core.stories import Story
from emdrill.ops import anki_export, decks, opening
from emdrill.ops.anki_export import FIELDS, card_css, note_model
from emdrill.store import story_edits

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
AA = 4.5


# ---------------------------------------------------------------- contrast


def _luminance(colour: str) -> float:
    """WCAG 2 relative luminance of an sRGB colour written #rgb or #rrggbb."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_the_contrast_formula_gives_the_known_figures() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21.0)
    assert contrast("#fff", "#fff") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # AA's usual edge


def _rules(css: str) -> dict[str, dict[str, str]]:
    """selector -> {property: value}, each selector of a group on its own."""
    rules: dict[str, dict[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        decls = dict((name.strip(), value.strip())
                     for name, _, value in (d.partition(":") for d in body.split(";"))
                     if value.strip())
        for selector in selectors.split(","):
            rules.setdefault(" ".join(selector.split()), {}).update(decls)
    return rules


def _classes_on_cards() -> set[str]:
    """Every class a card's templates or fields put on an element."""
    model = note_model({})
    text = "".join(t["qfmt"] + t["afmt"] for t in model.templates)
    # the field builders write classes too: read them from the module's source
    text += Path(anki_export.__file__).read_text(encoding="utf-8")
    return {name for attr in re.findall(r'class="([^"]+)"', text) for name in attr.split()}


NIGHT_MARKS = (".nightMode", ".night_mode")


def test_every_text_colour_reaches_aa_contrast_day_and_night() -> None:
    rules = _rules(card_css())
    classes = _classes_on_cards() - {"card"}
    assert {"ask", "label", "meta", "intent", "slots"} <= classes
    day_background = rules[".card"]["background"]
    day_text = rules[".card"]["color"]
    measured = {}
    for cls in sorted(classes):
        colour = rules.get(f".{cls}", {}).get("color", day_text)
        measured[f"day .{cls}"] = contrast(colour, day_background)
    for mark in NIGHT_MARKS:
        around, on = rules[f"{mark} .card"], rules[f".card{mark}"]
        assert around == on  # the mark on the card itself or on an element around it
        background, text = on["background"], on["color"]
        for cls in sorted(classes):
            # a class with no night rule keeps its day colour, on the night background
            colour = (rules.get(f"{mark} .{cls}", {}).get("color")
                      or rules.get(f".{cls}", {}).get("color") or text)
            measured[f"{mark} .{cls}"] = contrast(colour, background)
    failing = {where: round(ratio, 2) for where, ratio in measured.items() if ratio < AA}
    assert not failing, f"below {AA}:1: {failing}"
    assert min(measured.values()) >= AA


# ---------------------------------------------------------------- the cards as Anki shows them


def card_deck(tmp_path: Path) -> Path:
    """alpha-1: slot 1 (also 5), no story of the user's; alpha-2: slot 5, which has a story;
    beta-1: a system answer."""
    path = tmp_path / "cards.toml"
    path.write_text(DECK_HEADER + question("alpha-1", "alpha", story=1, also="[5]")
                    + question("alpha-2", "alpha", story=5, also="[]")
                    + question("beta-1", "beta", story="system", also="[]"), encoding="utf-8")
    return path


@pytest.fixture
def phone(tmp_path: Path, home: Path) -> Iterator[Collection]:
    store = opening.open_collection(home / "emdrill.db", now=START, autoload=False)
    decks.load_paths(store, [card_deck(tmp_path)], now=START)
    story_edits.add_story(store, Story(title="Vendor SLA fight", slots=(5,)), now=START)
    package = tmp_path / "out.apkg"
    anki_export.export_anki(store, package, now=START)
    store.close()
    col = Collection(str(tmp_path / "phone.anki2"))
    load(col, package)
    yield col
    col.close()


def load(col: Collection, package: Path) -> None:
    options = ImportAnkiPackageOptions(with_scheduling=True, merge_notetypes=True)
    col.import_anki_package(ImportAnkiPackageRequest(package_path=str(package),
                                                     options=options))


def shown(col: Collection, question_id: str, *, back: bool) -> str:
    """The Story card's front or back as Anki renders it, as plain text on one line."""
    found = col.find_cards(f'"Id:{question_id}" card:Story')
    assert len(found) == 1
    card = col.get_card(found[0])
    rendered = card.answer() if back else card.question()
    rendered = re.sub(r"<style>.*?</style>", " ", rendered, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", rendered)).split())


def test_the_story_front_names_the_eight_slots_and_the_system_answer(
        phone: Collection) -> None:
    front = shown(phone, "alpha-1", back=False)
    assert "Which story would you tell? Name its slot, or the system answer." in front
    assert "Managing an underperformer" in front and "Difficult stakeholder" in front
    assert front.count("slot ") == 6  # the six slots this deck does not name
    assert "or: System answer (no core story)" in front
    html_front = phone.get_card(phone.find_cards('"Id:alpha-1" card:Story')[0]).question()
    assert '<li value="1">Managing an underperformer</li>' in html_front
    assert '<li value="8">slot 8</li>' in html_front


def test_a_system_answer_says_so_and_names_no_slot(phone: Collection) -> None:
    back = shown(phone, "beta-1", back=True)
    assert "Story System answer (no core story) Answer with your system for Leading the team" \
        in back
    assert "slot 9" not in back and "9 ·" not in back
    assert "None yet" not in back


def test_the_back_shows_the_alternates_and_what_a_missing_story_must_show(
        phone: Collection) -> None:
    back = shown(phone, "alpha-1", back=True)
    assert "1 · Managing an underperformer Also fits (press Hard): 5 · Difficult stakeholder" \
        in back
    assert ("Your story None yet for slot 1 (Managing an underperformer). Write one with "
            "emdrill story add ; it must show: the signals the plan") in back
    told = shown(phone, "alpha-2", back=True)
    assert "5 · Difficult stakeholder Your story Vendor SLA fight" in told
    assert "Also fits" not in told and "None yet" not in told


def test_the_back_says_what_each_button_records_and_the_import_agrees(
        phone: Collection) -> None:
    back = shown(phone, "alpha-2", back=True)
    assert ("Buttons Again : a wrong story · Hard : close: an alternate named here, or "
            "the right one told thinly · Good : the answer named here · Easy : the answer "
            "named here, told in full without a pause") in back
    for rating, _meaning in STORY_BUTTONS:  # the card's words are the import's mapping
        assert facet_rating(1, int(rating)) == ("story", rating)


def test_a_newer_export_brings_the_new_templates_and_keeps_the_fields(
        tmp_path: Path, home: Path, phone: Collection) -> None:
    deck = card_deck(tmp_path)
    deck.write_text(deck.read_text().replace('name = "Difficult stakeholder"',
                                             'name = "The stakeholder who said no"'))
    store = opening.open_collection(home / "emdrill.db", now=START, autoload=False)
    later = START + timedelta(days=1)
    decks.load_paths(store, [deck], now=later)
    anki_export.export_anki(store, tmp_path / "again.apkg", now=later)
    store.close()
    load(phone, tmp_path / "again.apkg")
    assert "The stakeholder who said no" in shown(phone, "alpha-1", back=False)
    assert "Difficult stakeholder" not in shown(phone, "alpha-1", back=True)
    notetype = phone.models.by_name("emdrill question")
    assert notetype is not None
    assert [f["name"] for f in notetype["flds"]] == list(FIELDS)
    # one note type, updated in place: no "emdrill question-xxxx" copy beside it
    assert [n.name for n in phone.models.all_names_and_ids()
            if n.name.startswith("emdrill")] == ["emdrill question"]
