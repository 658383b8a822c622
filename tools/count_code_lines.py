"""Count code lines (blanks, comments and docstrings excluded) of mlp_lab's core, mlp_lab/check and benchmarks/.

Usage: ``python tools/count_code_lines.py [ROOT]`` (ROOT defaults to the repository this file is in).
A line counts when it holds a token of code; docstrings (the first string statement of a module,
class or function) and comment-only lines do not. "core" is mlp_lab/ without check/ and bench/.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path


def docstring_lines(tree: ast.AST) -> set[int]:
    """Line numbers covered by docstrings."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                    and isinstance(body[0].value.value, str):
                lines.update(range(body[0].lineno, body[0].end_lineno + 1))
    return lines


def code_lines(path: Path) -> int:
    """Number of lines of ``path`` that hold code."""
    source = path.read_text()
    skip = docstring_lines(ast.parse(source))
    ignored = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
               tokenize.ENDMARKER, tokenize.ENCODING}
    lines: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type not in ignored:
            lines.update(n for n in range(tok.start[0], tok.end[0] + 1) if n not in skip)
    return len(lines)


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    package = root / "mlp_lab"
    groups = {
        "mlp_lab core (engine, PyTorch side, shared)": [
            p for p in sorted(package.rglob("*.py"))
            if not {"check", "course"} & set(p.relative_to(package).parts[:-1])],
        "mlp_lab/course (tooling: notebook form, Jupyter, animation)": sorted((package / "course").rglob("*.py")),
        "mlp_lab/check (learner checkers)": sorted((package / "check").rglob("*.py")),
        "benchmarks": sorted((root / "benchmarks").rglob("*.py")),
    }
    for name, files in groups.items():
        counts = {p.relative_to(root): code_lines(p) for p in sorted(files)}
        if not counts:
            continue
        print(f"{name}: {sum(counts.values())} code lines in {len(counts)} files")
        if "-v" in sys.argv:
            for p, n in counts.items():
                print(f"    {n:5d}  {p}")
    return 0


if __name__ == "__main__":
    sys.exit(main([a for a in sys.argv[1:] if a != "-v"]))
