"""`emdrill interview --jd FILE`: the families a job description stresses, and the command
that narrows the plan to the top ones."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from emdrill.ops.jd import Weighed, command
from emdrill.ui.console import out
from emdrill.ui.fmt import plural


def _in_proposal(w: Weighed) -> int:
    return sum(w.questions.get(f, 0) for f in w.ranking.proposed)


def jd_json(w: Weighed) -> dict[str, Any]:
    """The `interview --jd FILE --json` shape: families best first, each with its share of
    the job description's vote (0 to 1) and its questions; the proposed scope."""
    return {
        "families": [{"family": f.family, "share": round(f.share, 4),
                      "questions": w.questions.get(f.family, 0)}
                     for f in w.ranking.families],
        "passages": w.ranking.passages,
        "proposed": list(w.ranking.proposed), "questions": _in_proposal(w),
        "command": command(w),
    }


def show_jd(w: Weighed, *, console: Console | None = None) -> None:
    con = console or out()
    narrow = con.width < 60
    voted = plural(w.ranking.passages, "passage")
    con.print(Text(f"What the job description stresses ({voted} about the work):",
                   style="bold"))
    table = Table(box=None, show_edge=False, pad_edge=False)
    for name, right in (("family", False), ("share", True), ("questions", True)):
        table.add_column(name, justify="right" if right else "left", no_wrap=narrow)
    for f in w.ranking.families:
        name = f.family if narrow else w.names.get(f.family, f.family)
        mark = "*" if f.family in w.ranking.proposed else " "
        table.add_row(f"{mark} {name}", f"{f.share:.0%}", str(w.questions.get(f.family, 0)))
    con.print(table)
    share = sum(f.share for f in w.ranking.families if f.family in w.ranking.proposed)
    con.print(Text(f"Proposed scope (*): {', '.join(w.ranking.proposed)}: "
                   f"{plural(_in_proposal(w), 'question')}, {share:.0%} of what it stresses. "
                   "Set it with:"), soft_wrap=not narrow)
    con.print(Text(f"  {command(w)}", style="bold"), soft_wrap=True)
