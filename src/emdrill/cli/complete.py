"""Shell completion for values: question ids and family slugs, read from the collection.

The shell calls emdrill with click's completion variable set (`emdrill --show-completion
bash` prints the hook); these callbacks answer for ID arguments and --family options."""

from __future__ import annotations

from emdrill import env
from emdrill.ops import names


def question_ids(incomplete: str) -> list[str]:
    return names.question_ids(env.db_path(), incomplete)


def family_slugs(incomplete: str) -> list[str]:
    return names.family_slugs(env.db_path(), incomplete)
