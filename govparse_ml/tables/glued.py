"""Cutting digits glued together into cells: ``640020470`` for seven cells.

The cuts obey the hard constraints of a number's text (no leading zeros, a sign only at the
start of a run, the decimals and a unit with the last number of a run) and are pruned with
the row identities as cells complete: a row's total must be the sum of its parts.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from functools import cache
from typing import NamedTuple

from govparse_ml.tables.identities import row_adds_up
from govparse_ml.tables.values import UNIT_SUFFIX, Cells, RawValue, number

# At most this many candidate readings of one group are kept.
MAX_CANDIDATES = 5000
# At most this many cuts are tried per group under its row identities: without a bound, a long
# glued run that no cut fits (37 digits for 7 cells: C(36, 6) cuts) took a minute. Cut row by
# row, every reading of a 7-cell row with a total is found in fewer: < 3,000 steps up to 20
# digits, < 20,000 up to 28, ~40,000 at 31 (random rows); a 40-digit run stops here in ~0.1 s.
MAX_CUT_STEPS = 100_000


def glued_readings(
    values: list[RawValue], n: int, checked: list[tuple[int, int]], budget: list[int] | None = None
) -> Iterator[Cells]:
    """Cut glued digit runs into ``n`` cells, pruning with the row identities as cells complete;
    at most ``budget[0]`` cuts are tried (``MAX_CUT_STEPS`` if not given)."""
    ends = {s + w: (s, w) for s, w in checked}
    variants = [_variants(v) for v in values]
    budget = budget if budget is not None else [MAX_CUT_STEPS]  # shared by the variants
    glued = [v.glued or v.numbered_tail for v in values]
    widths = None if any(v.blank for v in values) else _row_widths(checked, n)
    for texts in itertools.product(*variants):
        if widths is not None and _plain_runs(texts, glued):
            # Every row has a total, no cell is blank, the glued runs are plain digits: cut row by row, each
            # row's span once. An unglued token that is not plain digits (a null mark) is a cell.
            yield from _cut_rows([(t, not _plain(t)) for t in texts], widths, budget)
            continue
        tokens3 = [(t, v.blank, g) for t, v, g in zip(texts, values, glued, strict=True)]
        yield from _cut_tokens(tokens3, n, ends, budget)


def _variants(value: RawValue) -> list[str]:
    """The texts a value may stand for: the last one or two digits of a run that goes straight
    into an item number may be that number."""
    options = [value.raw]
    if value.numbered_tail:
        options += [value.raw[:-k] for k in (1, 2) if len(value.raw) > k and value.raw[:-k][-1:].isdigit()]
    return options


def _plain(text: str) -> bool:
    return text.isdigit() and text.isascii()


def _plain_runs(texts: tuple[str, ...], glued: list[bool]) -> bool:
    """Whether every glued run of the texts is plain digits."""
    return all(_plain(t) for t, g in zip(texts, glued, strict=True) if g)


def _row_widths(checked: list[tuple[int, int]], n: int) -> tuple[int, ...] | None:
    """The widths of the rows if every row of the group has a total, else None."""
    if not checked or sum(w for _, w in checked) != n:
        return None
    return tuple(w for _, w in checked)


class _Joined(NamedTuple):
    """Digit tokens joined into one string, a *fixed* token (a null mark) as one ``\\x00``."""

    digits: str
    fixed: dict[int, str]  # where a fixed token stands -> its text
    limit: list[int]  # a piece starting at i ends at or before limit[i] (the next token)


def _join(tokens: list[tuple[str, bool]]) -> _Joined:
    fixed: dict[int, str] = {}
    chars, boundary = [], set()
    for text, is_fixed in tokens:
        if is_fixed:
            fixed[len(chars)] = text
            chars.append("\x00")
        else:
            chars.extend(text)
        boundary.add(len(chars))
    digits = "".join(chars)
    size = len(digits)
    limit = [size] * (size + 1)
    for i in range(size - 1, -1, -1):
        limit[i] = i + 1 if i + 1 in boundary else limit[i + 1]
    return _Joined(digits, fixed, limit)


def _cut_rows(tokens: list[tuple[str, bool]], widths: tuple[int, ...], budget: list[int]) -> Iterator[Cells]:
    """Cuts of digit tokens into rows of ``widths`` cells, each row's last cell the sum of the
    others; a cell never spans two tokens, and a *fixed* token (a null mark) is one cell.

    Row by row over the positions of the joined digits: the cuts of each span into one row are
    found once (choosing the total first turns them into a subset-sum walk whose partial sums
    cannot pass the total) and a row is only tried where the rows after it can still be cut, so
    long runs cost thousands of steps, not an exhaustive search. A row holding a fixed token
    cannot be checked: every cut of its span is taken.
    """
    joined = _join(tokens)
    size = len(joined.digits)
    rest = [sum(widths[r + 1 :]) for r in range(len(widths))]  # fewest digits the later rows need

    @cache
    def row_cuts(start: int, end: int, width: int) -> tuple[tuple[str, ...], ...]:
        return _row_cuts(joined, start, end, width, budget)

    @cache
    def feasible(r: int, start: int) -> bool:
        if r == len(widths):
            return start == size
        return any(
            feasible(r + 1, end) and row_cuts(start, end, widths[r])
            for end in range(start + widths[r], size - rest[r] + 1)
        )

    def walk(r: int, start: int) -> Iterator[tuple[str, ...]]:
        if r == len(widths):
            yield ()
            return
        for end in range(start + widths[r], size - rest[r] + 1):
            if not feasible(r + 1, end):
                continue
            for cut in row_cuts(start, end, widths[r]):
                for more in walk(r + 1, end):
                    yield (*cut, *more)

    if feasible(0, 0):
        yield from walk(0, 0)


def _row_cuts(joined: _Joined, start: int, end: int, width: int, budget: list[int]) -> tuple[tuple[str, ...], ...]:
    """The cuts of ``digits[start:end]`` into one row of ``width`` cells whose last is the sum of
    the others (every cut if a fixed token is in it and is no number)."""
    digits, fixed, limit = joined
    inside = [text for f, text in fixed.items() if start <= f < end]
    if inside:
        found = _any_cuts(joined, start, end, width, budget)
        if all(number(text) is not None for text in inside):  # numbers after all: check the total
            found = (c for c in found if row_adds_up(c, 0, width))
        return tuple(itertools.islice(found, MAX_CANDIDATES))
    out = []
    for k in range(1, end - start - (width - 1) + 1):
        first = end - k
        if limit[first] < end or (k > 1 and digits[first] == "0"):
            continue
        total = int(digits[first:end])
        for parts in _parts_summing_to(digits, limit, start, first, width - 1, total, budget):
            out.append((*parts, digits[first:end]))
    return tuple(out)


def _any_cuts(joined: _Joined, start: int, end: int, count: int, budget: list[int]) -> Iterator[tuple[str, ...]]:
    """Every cut of ``digits[start:end]`` into ``count`` pieces, a fixed token one piece."""
    digits, fixed, limit = joined
    if count == 1:
        if start < end <= limit[start] and (end - start == 1 or digits[start] != "0"):
            yield (fixed.get(start, digits[start:end]),)
        return
    for k in range(1, min(limit[start], end - count + 1) - start + 1):
        if k > 1 and digits[start] == "0":
            break
        budget[0] -= 1
        if budget[0] < 0:
            return
        for more in _any_cuts(joined, start + k, end, count - 1, budget):
            yield (fixed.get(start, digits[start : start + k]), *more)


def _parts_summing_to(
    digits: str, limit: list[int], start: int, end: int, count: int, total: int, budget: list[int]
) -> list[tuple[str, ...]]:
    """Cuts of ``digits[start:end]`` into ``count`` numbers (no leading zeros, none across a token
    boundary) that add up to ``total``, in order. A list, not a generator: its caller takes every
    cut, and the budget is spent step by step as before (a generator per level cost more than the steps)."""
    if count == 1:
        fits = start < end <= limit[start] and (end - start == 1 or digits[start] != "0")
        return [(digits[start:end],)] if fits and int(digits[start:end]) == total else []
    # By their lengths alone: no part has more than ``size - count + 1`` digits, and some part has
    # at least ``ceil(size / count)`` (with no leading zero if more than one).
    size = end - start
    if total >= count * 10 ** (size - count + 1):
        return []
    widest = -(-size // count)
    if widest > 1 and total < 10 ** (widest - 1):
        return []
    longest = min(limit[start], end - (count - 1)) - start
    if digits[start : start + 1] == "0":
        longest = min(longest, 1)
    out: list[tuple[str, ...]] = []
    for k in range(1, longest + 1):
        budget[0] -= 1
        if budget[0] < 0:
            return out
        piece = digits[start : start + k]
        value = int(piece)
        if value > total:
            break  # longer pieces are only larger
        for rest in _parts_summing_to(digits, limit, start + k, end, count - 1, total - value, budget):
            out.append((piece, *rest))
    return out


def _cut_tokens(
    tokens: list[tuple[str, bool, bool]], n: int, ends: dict[int, tuple[int, int]], budget: list[int] | None = None
) -> Iterator[Cells]:
    """Depth-first: every token gives one cell, a glued one gives one or more; stops when
    ``budget[0]`` (cuts left to try) runs out."""
    budget = budget if budget is not None else [MAX_CUT_STEPS]
    cells: list[str | None] = []
    count = len(tokens)
    # Fewest and most cells the tokens from i on can give.
    least = [count - i for i in range(count + 1)]
    most = [0] * (count + 1)
    for i in range(count - 1, -1, -1):
        text, _, glued = tokens[i]
        most[i] = most[i + 1] + (_max_cells(text) if glued else 1)

    def walk(ti: int) -> Iterator[Cells]:
        if ti == count:
            if len(cells) == n:
                yield tuple(cells)
            return
        text, blank, glued = tokens[ti]
        if blank or not glued:
            cells.append(None if blank else text)
            if _complete_ok(cells, ends):
                yield from walk(ti + 1)
            cells.pop()
            return
        yield from split(ti, text)

    def split(ti: int, text: str) -> Iterator[Cells]:
        for piece in _first_pieces(text):
            budget[0] -= 1
            if budget[0] < 0:
                return
            rest = text[len(piece) :]
            cells.append(piece)
            if _complete_ok(cells, ends):
                if not rest:
                    if least[ti + 1] <= n - len(cells) <= most[ti + 1]:
                        yield from walk(ti + 1)
                elif len(cells) + 1 + least[ti + 1] <= n:
                    yield from split(ti, rest)
            cells.pop()

    yield from walk(0)


def _first_pieces(text: str) -> Iterator[str]:
    """Possible first numbers of a glued run: a sign only at its start, no leading zeros."""
    sign = text[0] if text[0] in "+-" else ""
    body = text[len(sign) :]
    digits = body if body[-1:].isdigit() else UNIT_SUFFIX.sub("", body)
    point = digits.find(".")
    int_len = point if point >= 0 else len(digits)
    for k in range(1, int_len + 1):
        piece = body[:k]
        if len(piece) > 1 and piece.startswith("0"):
            break
        yield sign + (body if k == int_len else piece)  # the decimals and the unit stay with the last number


def _max_cells(text: str) -> int:
    digits = text.lstrip("+-")
    digits = (digits if digits[-1:].isdigit() else UNIT_SUFFIX.sub("", digits)).split(".")[0]
    return max(1, len(digits))


def _complete_ok(cells: list[str | None], ends: dict[int, tuple[int, int]]) -> bool:
    """Whether the row the last cell completes (if any) adds up (:func:`row_adds_up`, on the list
    as it is: no copy of every cell so far at each step)."""
    span = ends.get(len(cells))
    return span is None or row_adds_up(cells, *span)
