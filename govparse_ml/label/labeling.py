"""Stage 4: label every unit heading, table, prose or other.

The trained classifier labels a unit when it is loaded and sure enough; otherwise the rules
do, and they always label the pieces of a line cut into several (the model never trained on
those). Each label records its source and confidence, so a user can see which units the model
decided and which the rules.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, NamedTuple, Protocol

from govparse_ml import provenance
from govparse_ml.classifier import features, resolve
from govparse_ml.document import Doc, Unit
from govparse_ml.label import rules

if TYPE_CHECKING:
    from govparse_ml.document import Line

# Below this probability the model's label gives way to the rule's.
DEFAULT_THRESHOLD = 0.5


class UnitModel(Protocol):
    """What the labelling stage needs of a trained model."""

    def predict_units(self, units: list[Unit]) -> tuple[list[str], list[float]]: ...


class UnitLabel(NamedTuple):
    """The label of a unit, how sure its source is, and which source gave it.

    A named tuple: one is made per unit of every report (a frozen dataclass took 1 µs each)."""

    label: str
    confidence: float
    source: str  # "model" | "rule"


def label_units(
    units: list[Unit], model: UnitModel | None = None, threshold: float = DEFAULT_THRESHOLD
) -> list[UnitLabel]:
    """Labels of the units, from the model where it is confident, from the rules elsewhere."""
    if model is None or not units:
        return [UnitLabel(r.label, r.confidence, "rule") for r in rules.label_units(units)]
    labels, confidences = model.predict_units(units)
    out = [UnitLabel(label, float(conf), "model") for label, conf in zip(labels, confidences, strict=True)]
    for i, unit in enumerate(units):
        # A few patterns are surer than any model: a page number is never table text, even
        # inside a table, where the model has seen few of them.
        rule = rules.decisive_label(unit)
        if rule is not None and out[i].label != rule.label:
            out[i] = UnitLabel(rule.label, rule.confidence, "rule")
    unsure = _unsure(units, confidences, threshold)
    if unsure:
        # The rules look at neighbours too, so they label the whole document, and then
        # stand in for the model where it is unsure.
        rule_labels = rules.label_units(units)
        for i in unsure:
            out[i] = UnitLabel(rule_labels[i].label, rule_labels[i].confidence, "rule")
    return out


def _unsure(units: list[Unit], confidences: list[float], threshold: float) -> list[int]:
    """The units the model is no judge of: those it is not sure enough of, and the pieces of a
    line cut into several (a whole report on one line), which its training data leaves out."""
    pieces = Counter([u.line for u in units])
    if len(pieces) == len(units) == len(confidences):  # no line cut into several (most reports): the confidence says
        return [i for i, conf in enumerate(confidences) if conf < threshold]
    return [
        i for i, (u, conf) in enumerate(zip(units, confidences, strict=True)) if conf < threshold or pieces[u.line] > 1
    ]


def label_lines(lines: list[Line], units: list[Unit], unit_labels: list[UnitLabel]) -> None:
    """Give each physical line the label of the unit that covers most of it."""
    best: dict[int, tuple[int, UnitLabel]] = {}
    for unit, lab in zip(units, unit_labels, strict=True):
        size = len(unit.text)
        if unit.line not in best or size > best[unit.line][0]:
            best[unit.line] = (size, lab)
    for line in lines:
        if line.n in best:
            lab = best[line.n][1]
            line.label = lab.label  # type: ignore[assignment]
            line.confidence = round(lab.confidence, 4)
            line.source = lab.source  # type: ignore[assignment]


def label_document(doc: Doc) -> None:
    """The labels stage: every unit labelled by the model (resolved from ``doc.model``) with the
    rules as fallback, and every line given the label of the unit that covers most of it."""
    warnings = doc.report.warnings
    model = resolve.resolve(doc.model, warnings)
    doc.report.provenance = provenance.describe(model, doc.threshold)
    try:
        unit_labels = label_units(doc.units, model, doc.threshold)
    except Exception as exc:  # a model that fails on this text must not cost the user the report
        if model is None:
            raise
        warnings.append(f"line classifier failed ({type(exc).__name__}: {exc}): labels come from the rules")
        unit_labels = label_units(doc.units, None, doc.threshold)
    label_lines(doc.report.lines, doc.units, unit_labels)
    doc.labels = [u.label for u in unit_labels]


def clear_caches() -> None:
    """Empty the caches of the labels stage: rule labels, jieba tokens, the model's text scores."""
    rules.clear_caches()
    features.clear_caches()
    resolve.clear_caches()
