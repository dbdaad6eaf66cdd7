"""The package's structure, measured: import cycles, long functions, complex functions.

    python scripts/structure.py            # prints the import graph's cycles and the functions over the limits
    python scripts/structure.py --graph    # and the imports of every module

Every import counts, a lazy one inside a function too: a cycle is a cycle even when Python
tolerates it at run time. Cyclomatic complexity is radon's (``pip install radon``).
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "govparse_ml"
MAX_LINES = 60
MAX_COMPLEXITY = 15
# Functions allowed over a limit, each with the reason (keep this list short).
EXCEPTIONS: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, modules: set[str]) -> set[str]:
    """The package's modules that ``path`` imports (``from x import y`` counts y when y is a module)."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in modules)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([node.module] if node.module else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                out.add(full if full in modules else base)
    out.discard(name)
    # Importing a.b.c runs a/__init__ and a/b/__init__ too, but those only hold docstrings here.
    return {m for m in out if m in modules}


def import_graph() -> dict[str, set[str]]:
    paths = sorted(PACKAGE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    return {module_name(p): imports(p, modules) for p in paths}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def long_functions() -> list[tuple[str, int]]:
    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1
                where = f"{module_name(path)}:{node.name}"
                if n > MAX_LINES and where not in EXCEPTIONS:
                    out.append((f"{where} (line {node.lineno})", n))
    return out


def complex_functions() -> list[tuple[str, int]]:
    from radon.complexity import cc_visit

    out = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for block in cc_visit(path.read_text(encoding="utf-8")):
            name = f"{block.classname}.{block.name}" if getattr(block, "classname", None) else block.name
            where = f"{module_name(path)}:{name}"
            if block.complexity > MAX_COMPLEXITY and where not in EXCEPTIONS:
                out.append((f"{where} (line {block.lineno})", block.complexity))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--graph", action="store_true", help="print every module's imports")
    args = ap.parse_args(argv)
    graph = import_graph()
    if args.graph:
        for m in sorted(graph):
            print(f"{m}: {', '.join(sorted(graph[m])) or '-'}")
    found = cycles(graph)
    print(f"{len(graph)} modules, {sum(map(len, graph.values()))} imports, {len(found)} import cycles")
    for c in found:
        print("  cycle:", " ↔ ".join(c))
    long = long_functions()
    print(f"{len(long)} functions over {MAX_LINES} lines")
    for where, n in long:
        print(f"  {where}: {n} lines")
    try:
        complex_ = complex_functions()
    except ImportError:
        print("cyclomatic complexity: radon is not installed")
        complex_ = []
    else:
        print(f"{len(complex_)} functions of cyclomatic complexity over {MAX_COMPLEXITY}")
        for where, n in complex_:
            print(f"  {where}: {n}")
    return 1 if found or long or complex_ else 0


if __name__ == "__main__":
    sys.exit(main())
