"""Opening a collection and what it holds: the bundled deck loaded on first use, the
settings, the families and decks a session's scope may name, and the interview in force.

Each takes the store and a `Clock` read once at the edge; nothing here reads the system clock.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from emdrill.core import scheduler
from emdrill.core.errors import InputError
from emdrill.core.order import SessionScope
from emdrill.core.settings import Settings, validate_setting, with_defaults
from emdrill.core.timing import Clock
from emdrill.ops import backups
from emdrill.store import card_reads, setting_rows, study_days
from emdrill.store import decks as store_decks
from emdrill.store import interview as store_interview
from emdrill.store.db import FIRST_USE_WAIT_MS, Store, open_store, set_test_kill
from emdrill.store.migrations import LATEST

if TYPE_CHECKING:
    from emdrill.core.interview import Interview

HOT_PATH_SCHEMA = 4  # the migration that added the running sums `rebuild_aggregates` fills

__all__ = ["Store", "set_test_kill"]  # the handle commands pass around; the kill test hook


def open_collection(path: Path, *, now: datetime, seed: int | None = None,
                    autoload: bool = True, local: tzinfo | None = None) -> Store:
    """Open the database at `path`; load the bundled deck the first time, so drills just work.
    `seed` makes interval fuzz repeatable. A database about to be migrated is backed up
    first; given the user's zone (`local`), the first open of a study day backs up too."""
    if seed is not None:
        scheduler.seed(seed)
    backups.clean_partials(path)  # what a killed backup left behind
    migrated, version = backups.before_migration(path, now=now)
    store = open_store(path, version=version, now=now)
    if 0 < store.migrated_from < HOT_PATH_SCHEMA:
        store_decks.rebuild_aggregates(store)
    if autoload and card_reads.question_count(store) == 0:
        _load_bundled(store, now, local)
    if local is not None:
        backups.daily(store, now=now, local=local)
        if 0 < store.migrated_from < LATEST:  # a file this open migrated (and so wrote)
            # days still counted under the migrations' placeholder: count them in the user's
            # zone; an open that migrates nothing writes nothing here (a new file's days are
            # set when the bundled deck loads)
            study_days.count_days_under(
                store, offset_minutes=Clock(now, local).utc_offset_minutes())
    if migrated is not None:
        backups.prune(path, keep=settings(store).backups)
    return store


def _load_bundled(store: Store, now: datetime, local: tzinfo | None) -> None:
    from emdrill.ops import decks  # deck parsing is only needed on first use

    # Several commands may start on a new collection at once (`next | grade --batch`): the
    # files are parsed before the write lock, the count is read again under it, so only the
    # first one loads, and the others wait for that load (FIRST_USE_WAIT_MS), not fail.
    files = decks.parse_paths(decks.bundled_paths())
    with store.transact("load the bundled deck", orm=True, wait_ms=FIRST_USE_WAIT_MS):
        if card_reads.question_count(store) == 0:
            decks.load_parsed(store, files, now=now)
            if local is not None:  # nothing counted yet: count study days in the user's zone
                study_days.count_days_under(
                    store, offset_minutes=Clock(now, local).utc_offset_minutes())


def family_names(store: Store) -> dict[str, str]:
    """Family slug -> display name, in deck order."""
    return {f.slug: f.name for f in store_decks.families(store)}


def settings(store: Store) -> Settings:
    """The settings in force, read and validated once while nothing but answers is written
    (`Store.memo`): a change through `emdrill config`, an import or another process's
    write reads them again."""
    return store.memo("settings", lambda: Settings.from_stored(setting_rows.stored_settings(store)))


def setting_values(store: Store) -> dict[str, str]:
    """Every setting as text, stored or default."""
    return with_defaults(setting_rows.stored_settings(store))


def change_setting(store: Store, key: str, value: str) -> str:
    """Validate, then save one setting; returns the value as stored."""
    normal = validate_setting(key, value)
    setting_rows.save_setting(store, key, normal)
    if key == "leech-lapses":  # which questions are leeches changed: their tallies with it
        store_decks.rebuild_aggregates(store)
    return normal


def deck_summary(store: Store) -> list[tuple[str, str, str, str, int, int]]:
    return store_decks.deck_summary(store)


def question_list(store: Store, *, family: str | None = None,
                  ) -> list[tuple[str, str, str, str, bool]]:
    """(id, deck, family, text, suspended) of every question, or of one family's."""
    if family is not None:
        check_scope(store, SessionScope(family=family))
    return [row for row in card_reads.question_ids(store) if family in (None, row[2])]


def check_scope(store: Store, scope: SessionScope) -> SessionScope:
    """The scope, once its family and deck are known to be loaded; else one clear error."""
    if scope.family is not None:
        names = family_names(store)
        if scope.family not in names:
            raise InputError(f"--family: no family '{scope.family}' (known: "
                             f"{', '.join(names) or 'none loaded'})")
    if scope.deck is not None:
        decks = sorted({row[0] for row in store_decks.deck_summary(store)})
        if scope.deck not in decks:
            raise InputError(f"--deck: no deck '{scope.deck}' (loaded: "
                             f"{', '.join(decks) or 'none'}; see `emdrill deck list`)")
    return scope



def booked(store: Store, clock: Clock) -> Interview | None:
    """The interview whose plan is running now, if any (one small read, kept while nothing
    but answers is written, as `settings` is; the plan's modules load only when there is
    one)."""
    found = store.memo("interview", lambda: store_interview.load_interview(store))
    return found if found is not None and found.active(clock.now) else None
