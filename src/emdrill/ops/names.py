"""What the shell completes from the collection: question ids and family slugs."""

from __future__ import annotations

from pathlib import Path

from emdrill.store.names import question_names


def question_ids(db: Path, prefix: str) -> list[str]:
    return [q for q in question_names(db)[0] if q.startswith(prefix)]


def family_slugs(db: Path, prefix: str) -> list[str]:
    return [f for f in question_names(db)[1] if f.startswith(prefix)]
