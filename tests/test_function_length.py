"""No function in mlp_lab/ (benchmarks aside) has more than 60 lines of code (issue 15).

Lines of code: lines holding a code token, so blank lines, comment-only lines and the
docstring do not count. Run this file directly to print the longest functions.
"""

from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

import mlp_lab

MAX_LINES = 60
_SKIP = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}


def function_lengths(root: Path) -> list[tuple[int, str]]:
    """``(lines of code, "path:line name")`` for every function under ``root``, longest first."""
    rows = []
    for path in sorted(root.rglob("*.py")):
        if "bench" in path.relative_to(root).parts:
            continue
        src = path.read_text()
        code = {
            n for tok in tokenize.generate_tokens(io.StringIO(src).readline) if tok.type not in _SKIP
            for n in range(tok.start[0], tok.end[0] + 1)
        }
        for node in ast.walk(ast.parse(src)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            lines = set(range(node.lineno, node.end_lineno + 1)) & code
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(getattr(first.value, "value", None), str):
                lines -= set(range(first.lineno, first.end_lineno + 1))  # the docstring
            rows.append((len(lines), f"{path.relative_to(root.parent)}:{node.lineno} {node.name}"))
    return sorted(rows, reverse=True)


def test_no_function_over_60_lines_of_code() -> None:
    rows = function_lengths(Path(mlp_lab.__file__).parent)
    assert len(rows) > 50  # the scan found the library
    too_long = [f"{n} lines: {name}" for n, name in rows if n > MAX_LINES]
    assert not too_long, "\n".join(too_long)


def test_the_count_skips_docstring_comments_and_blank_lines(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text('def f():\n    """Doc.\n\n    More.\n    """\n    # note\n\n    x = 1\n    return x\n')
    assert function_lengths(pkg) == [(3, "pkg/m.py:1 f")]


if __name__ == "__main__":  # pragma: no cover
    for n, name in function_lengths(Path(mlp_lab.__file__).parent)[: int(sys.argv[1]) if len(sys.argv) > 1 else 5]:
        print(f"{n:4d}  {name}")
