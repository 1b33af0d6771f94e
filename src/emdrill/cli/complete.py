"""Shell completion for values: question ids and family slugs, read from the collection.

The shell calls emdrill with click's completion variable set (`emdrill --show-completion
bash` prints the hook); these callbacks answer for ID arguments and --family options."""

from __future__ import annotations

from emdrill import env

# Every command's options name these callbacks, so this module loads with any command
# (`--help`, `where` and `deck --help` too); the store they read through (`ops.names`, a
# read-only Store) is imported only when the shell asks for names.


def question_ids(incomplete: str) -> list[str]:
    from emdrill.ops import names

    return names.question_ids(env.db_path(), incomplete)


def family_slugs(incomplete: str) -> list[str]:
    from emdrill.ops import names

    return names.family_slugs(env.db_path(), incomplete)
