"""Mock rehearsals written through the table model (`RehearsalRow`): a new rehearsal, and its
link to the grade it led to. Only the mock command imports this (`ops/mock.py`), so reading
rehearsals (`practice.py`, for `stats`) never loads the ORM."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emdrill.core.mock import Rehearsal
from emdrill.store.db import Store
from emdrill.store.tables import RehearsalRow


def add_rehearsal(store: Store, r: Rehearsal,
                  detail: Sequence[Mapping[str, object]] = ()) -> int:
    """`detail`: the coach's findings in full (rule, ok, sentence, fix), when a text was
    typed; without it the (rule, ok) pairs of `r.findings` are stored."""
    row = RehearsalRow(
        question_id=r.question_id, review_id=r.review_id, started_at=r.started_at,
        target_seconds=r.target, answer_seconds=r.answer_seconds,
        follow_ups=[{"text": t, "seconds": round(sec, 1)} for t, sec in r.follow_ups],
        check_intent=r.checks[0], check_system=r.checks[1], check_story=r.checks[2],
        check_result=r.checks[3], check_learning=r.checks[4], answer_text=r.answer_text,
        findings=[dict(f) for f in detail] or [{"rule": rule, "ok": ok}
                                               for rule, ok in r.findings],
    )
    with store.transact("add a rehearsal", orm=True), store.session() as s:
        s.add(row)
        s.flush()
        assert row.id is not None
        return row.id


def link_review(store: Store, rehearsal_id: int, review_id: int) -> None:
    with store.transact("link a rehearsal to its review", orm=True), store.session() as s:
        row = s.get(RehearsalRow, rehearsal_id)
        if row is not None:
            row.review_id = review_id
            s.add(row)
