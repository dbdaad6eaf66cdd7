"""``govparse-ml label FILE``: a pre-labeled JSONL of a report for a person to correct.

One object per input line, in the labeled format ``train`` reads (``training_data/README.md``),
with what the parser knew: ``{"text", "label", "confidence", "source", "review"}``. ``review``
is true where the label is uncertain (confidence under ``--review-below``, or a rule's label
where the model was unsure), so the person reads those first; ``train`` ignores the extra
fields. Blank lines have label null and are never marked.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path
from typing import Any

from govparse_ml.io.files import InputError, read_text

_log = logging.getLogger("govparse_ml.label")


def labeled_records(text: str, model: Any, review_below: float) -> list[dict[str, Any]]:
    from govparse_ml.pipeline import parse

    report = parse(text, model=model)
    model_used = report.provenance.get("labels_by") == "model"
    out = []
    for line in report.lines:
        uncertain = line.label is not None and (
            (line.confidence is not None and line.confidence < review_below) or (model_used and line.source == "rule")
        )
        out.append(
            {
                "text": line.text,
                "label": line.label,
                "confidence": None if line.confidence is None else round(line.confidence, 4),
                "source": line.source,
                "review": bool(uncertain),
            }
        )
    return out


def label_file(args: Any, model: Any) -> int:
    decoded = read_text(args.file)
    records = labeled_records(decoded.text, None if args.rules_only else model, args.review_below)
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.output:
        out = Path(args.output)
        if not out.parent.is_dir():
            raise InputError(f"{out}: directory {out.parent} does not exist; create it first")
        if out.exists() and out.resolve() == Path(args.file).resolve():
            raise InputError(f"{out} is the input file: give another output name")
        out.write_text(data, encoding="utf-8")
    else:
        sys.stdout.write(data)
    n_review = sum(r["review"] for r in records)
    n_labeled = sum(r["label"] is not None for r in records)
    _log.info(
        f'{len(records)} lines, {n_labeled} labeled, {n_review} marked "review": true '
        f"(confidence below {args.review_below} or a rule's label where the model was unsure)"
    )
    return 0
