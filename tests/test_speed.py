"""What keeps a parse fast on hostile input: the collector paused, the table text bounded, the
searches stopped before work they cannot finish. Each with the behaviour it must keep."""

from __future__ import annotations

import gc
import threading

from conftest import seed_names, seed_text

from govparse_ml import parse, pipeline
from govparse_ml.format import schema
from govparse_ml.tables import solver, stage
from govparse_ml.tables.identities import relations
from govparse_ml.tables.values import Group, RawValue

SEED = seed_text(seed_names()[1])  # a complete report: 198 cells


def _collector_seen(monkeypatch) -> list[bool]:
    """A stage first in the parse that records whether the collector runs while parses run."""
    seen: list[bool] = []
    probe = pipeline.Stage("probe", lambda doc: seen.append(gc.isenabled()))
    monkeypatch.setattr(pipeline, "STAGES", (probe, *pipeline.STAGES))
    return seen


def test_the_collector_is_paused_during_a_parse_and_restored_after(monkeypatch) -> None:
    seen = _collector_seen(monkeypatch)
    assert gc.isenabled()
    parse(SEED, model=None)
    assert seen == [False]
    assert gc.isenabled()


def test_a_collector_the_caller_disabled_stays_disabled(monkeypatch) -> None:
    seen = _collector_seen(monkeypatch)
    gc.disable()
    try:
        parse(SEED, model=None)
        assert seen == [False]
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_overlapping_parses_in_threads_restore_the_collector() -> None:
    start = threading.Barrier(4)

    def work() -> None:
        start.wait()
        for _ in range(3):
            parse(SEED, model=None)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert gc.isenabled()


def test_table_text_past_the_inputs_limit_is_not_read_and_a_warning_says_so() -> None:
    """A report followed by ~60,000 characters of table rows (pasted again and again): the
    report's cells as read alone, and a warning where the reading stopped."""
    alone = parse(SEED, model=None)
    rows = [f"{row.label}\t{'12' * len(row.columns)}" for row in schema.tables("2021")["applications"].rows]
    junk = "\n".join(rows * (stage.MAX_TABLE_CHARS // sum(len(r) for r in rows) + 2))
    report = parse(SEED + "\n" + junk, model=None)
    assert [w for w in report.warnings if "past the inputs limit" in w]
    assert [(c.table, c.row, c.col, c.value) for c in report.cells()] == [
        (c.table, c.row, c.col, c.value) for c in alone.cells()
    ]
    assert not [w for w in alone.warnings if "past the inputs limit" in w]


def test_a_relation_whose_search_must_pass_its_bound_is_not_searched(monkeypatch) -> None:
    """Each row adds at least as many partial sums as there were: with 100 readings of each of
    its 22 rows, the search of Σ outcomes = 总计 must pass the work bound after its first row
    (100 sums, 2,100 readings to come), and goes no further."""
    steps = {"n": 0}
    real = solver._relation_step

    def counted(*args):
        steps["n"] += 1
        return real(*args)

    monkeypatch.setattr(solver, "_relation_step", counted)
    rel = relations("2021")[0]
    rows = (*rel.lhs, *rel.rhs)
    groups = []
    for row in rows:
        group = Group(rel.table, (row,), (7,), [RawValue("1", [1])], 0, [1])
        groups.append((group, [tuple(str(i + j) for j in range(7)) for i in range(100)]))
    members = [(k, +1 if row in rel.lhs else -1) for k, row in enumerate(rows)]
    prior = [[0.0] * len(cands) for _, cands in groups]
    assert solver.solve_relation(groups, members, rel, prior, "2021") is None
    assert steps["n"] == 1


def test_a_small_relation_is_still_solved_exactly() -> None:
    """Two readings of 总计 and one of each outcome: the one that adds up is chosen."""
    rel = relations("2021")[1]  # new + carried_in = total_processed + carried_out
    readings = {"new": ["5"], "carried_in": ["1"], "total_processed": ["3", "4"], "carried_out": ["2"]}  # 5 + 1 = 4 + 2
    groups = []
    for row in (*rel.lhs, *rel.rhs):
        group = Group(rel.table, (row,), (7,), [RawValue("1", [1])], 0, [1])
        groups.append((group, [tuple([x] * 7) for x in readings[row]]))
    members = [(k, +1 if k < len(rel.lhs) else -1) for k in range(len(groups))]
    prior = [[0.0] * len(cands) for _, cands in groups]
    assert solver.solve_relation(groups, members, rel, prior, "2021") == {0: 0, 1: 0, 2: 1, 3: 0}


def test_one_inputs_limit_for_every_reading_of_a_document(monkeypatch) -> None:
    """A text whose headers do not say its format is read in both: the glued digits of both
    readings are cut within the one inputs limit of the document (each reading had its own)."""
    import random

    from govparse_ml.tables import candidates

    made: list[candidates.SearchBudget] = []
    real_init = candidates.SearchBudget.__init__

    def init(self, *args, **kwargs) -> None:
        made.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(candidates.SearchBudget, "__init__", init)
    rng = random.Random(3)
    spec = schema.tables("2019")["applications"]
    text = "\n".join([spec.title] + [r.label + "".join(rng.choice("0123456789") for _ in range(20)) for r in spec.rows])
    report = parse(text, model=None)
    assert [w for w in report.warnings if "format version not stated" in w]
    assert len(made) == 1
