"""Exams: the sittings and their answers, in plain SQL."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from emdrill.core.exam import Exam, ExamAnswer
from emdrill.store.codec import from_db_time, to_db_time
from emdrill.store.db import Store


def answered_ids(store: Store) -> set[str]:
    """Every question with at least one review, of any kind (an exam never asks these)."""
    with store.read() as con:
        return {row[0] for row in con.execute(
            "SELECT id FROM question q WHERE EXISTS (SELECT 1 FROM review r "
            "WHERE r.question_num = q.num)")}


def save_exam(con: sqlite3.Connection, exam: Exam, *, picked: Sequence[str],
              slots: Sequence[int | None], reviews: Sequence[int]) -> int:
    """Written in the transaction that recorded the answers as reviews."""
    cur = con.execute("INSERT INTO exam (at, questions, intent_right, story_right) "
                      "VALUES (?, ?, ?, ?)", (to_db_time(exam.at), exam.questions,
                                              exam.intent_right, exam.story_right))
    exam_id = int(cur.lastrowid or 0)
    con.executemany(
        "INSERT INTO exam_answer (exam_id, question_id, family, picked, slot_named, "
        "intent_ok, story_ok, review_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [(exam_id, a.question_id, a.family, p, s, int(a.intent_ok), int(a.story_ok), r)
         for a, p, s, r in zip(exam.answers, picked, slots, reviews, strict=True)])
    return exam_id


def exams(store: Store) -> list[Exam]:
    """Every sitting, oldest first."""
    with store.read() as con:
        sittings = list(con.execute("SELECT id, at FROM exam ORDER BY at, id"))
        rows = list(con.execute("SELECT exam_id, question_id, family, intent_ok, story_ok "
                                "FROM exam_answer ORDER BY exam_id, rowid"))
    answers: dict[int, list[ExamAnswer]] = {}
    for exam_id, qid, family, intent_ok, story_ok in rows:
        answers.setdefault(exam_id, []).append(
            ExamAnswer(qid, family, bool(intent_ok), bool(story_ok)))
    return [Exam(from_db_time(at), tuple(answers.get(i, []))) for i, at in sittings]
