"""Intent groups: questions that train the same intent, so that one answer serves them all.

A group is a connected set of the deck's sibling links (`siblings`, either way round, within
a family): the deck names the questions close enough to share an answer, and emdrill takes
the links as they are (no similarity guess is added, so a group is what the deck author
said). A question with no sibling is a group of its own. Coverage, the plan and readiness
count groups; seeing one member introduces its group.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from emdrill.core.cards import Question


def intent_groups(questions: Iterable[Question]) -> dict[str, str]:
    """Each question's group, named by the group's first id in sorted order."""
    qs = {q.id: q for q in questions}
    parent = {qid: qid for qid in qs}

    def root(qid: str) -> str:
        while parent[qid] != qid:
            parent[qid] = parent[parent[qid]]
            qid = parent[qid]
        return qid

    for q in qs.values():
        for other in q.siblings:
            if other in qs and qs[other].family == q.family:
                a, b = root(q.id), root(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    return {qid: root(qid) for qid in qs}


def members(groups: Mapping[str, str]) -> dict[str, list[str]]:
    """Each group's question ids, sorted."""
    found: dict[str, list[str]] = {}
    for qid in sorted(groups):
        found.setdefault(groups[qid], []).append(qid)
    return found


def seen_groups(groups: Mapping[str, str], seen: Iterable[str]) -> set[str]:
    """Groups with at least one member seen."""
    return {groups[qid] for qid in seen if qid in groups}


def group_count(groups: Mapping[str, str], ids: Sequence[str] | None = None) -> int:
    return len({groups[q] for q in (groups if ids is None else ids) if q in groups})
