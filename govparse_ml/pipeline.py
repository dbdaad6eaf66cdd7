"""``parse(text)``: the stages of :data:`STAGES`, run in order over one :class:`~govparse_ml.document.Doc`.

lines → units → labels → sections → tables (with their checks) → structure. Each stage reads
what the stages before it wrote into the ``Doc`` and adds its own part. ``parse`` never raises on
a ``str``: a guarded stage that fails leaves a warning and the stages after it work with what
there is; every input line is in ``Report.lines``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from govparse_ml import provenance, sections, validate
from govparse_ml.classifier.resolve import ModelArg
from govparse_ml.document import Doc, Meta, Report
from govparse_ml.label import labeling
from govparse_ml.tables import stage as tables_stage
from govparse_ml.text import normalize, units


@dataclass(frozen=True)
class Stage:
    """One step of :func:`parse`: a function that reads and fills in a :class:`Doc`."""

    name: str
    run: Callable[[Doc], None]
    clear_caches: Callable[[], None] | None = None
    # What a failure of this stage is called in the report's warnings; None: a failure is a bug
    # that propagates (the stages before the labels cannot fail on a str).
    failure: str | None = None


STAGES: tuple[Stage, ...] = (
    Stage("lines", normalize.read_lines, normalize.clear_caches),
    Stage("units", units.cut_units),
    Stage("labels", labeling.label_document, labeling.clear_caches),
    Stage("sections", sections.assemble_sections, sections.clear_caches, failure="sections could not be assembled"),
    Stage("tables", tables_stage.read_tables, tables_stage.clear_caches, failure="tables could not be read"),
    Stage("structure", validate.warn_structure),
)


def parse(
    text: str,
    *,
    model: ModelArg = "default",
    threshold: float = labeling.DEFAULT_THRESHOLD,
) -> Report:
    """Parse the plain text of a report into a checked :class:`Report`.

    ``model`` is ``"default"`` (the shipped line classifier, loaded once), ``None`` (rules
    only) or a loaded model (see :func:`govparse_ml.classifier.estimator.load_model` and
    :func:`govparse_ml.classifier.store.load_arrays`).
    """
    if not isinstance(text, str):
        hint = (
            " (decode it first: govparse_ml.io.files.read_text(path).text for a file, "
            "govparse_ml.io.files.decode_bytes(data).text for bytes)"
            if isinstance(text, bytes | bytearray)
            else ""
        )
        raise TypeError(f"parse() takes the report's text as str, not {type(text).__name__}{hint}")
    report = Report(Meta(), [], tables_stage.empty_tables(), [], [], [])
    report.provenance = provenance.describe(None, threshold)  # until a model labels the lines
    doc = Doc(text, report, model, threshold)
    with _collector_paused():
        for stage in STAGES:
            if doc.finished:
                break
            if stage.failure is None:
                stage.run(doc)
                continue
            try:
                stage.run(doc)
            except Exception as exc:  # a bug must not cost the user the rest of the report
                report.warnings.append(f"{stage.failure}: {type(exc).__name__}: {exc}")
    return report


_gc_lock = threading.Lock()
_gc_state = {"parses": 0, "was_enabled": False}  # parses running, and whether the collector ran before


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while parses run (restored as it was when the last
    ends). A parse makes tens of thousands of short-lived objects that reference counting frees;
    the collector's full passes over the heap (model, caches, the parse's own tokens) took 35-55 %
    of the time of a 150,000-character line. A counter under a lock: threads may overlap."""
    with _gc_lock:
        if _gc_state["parses"] == 0:
            _gc_state["was_enabled"] = gc.isenabled()
            gc.disable()
        _gc_state["parses"] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_state["parses"] -= 1
            if _gc_state["parses"] == 0 and _gc_state["was_enabled"]:
                gc.enable()


def clear_caches() -> None:
    """Empty every stage's caches keyed by line text (normalised lines, rule labels, cell pieces,
    the model's text scores…). They make a corpus fast, since table labels and headings recur from
    report to report; each is bounded, so this is for measuring or for freeing memory, never needed."""
    for stage in STAGES:
        if stage.clear_caches is not None:
            stage.clear_caches()
