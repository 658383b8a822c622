"""What a learner-facing checker returns: :class:`CheckResult`, a short report of verdicts.

Its text (``print(result)``, ``repr``) and its notebook display (``_repr_html_``) are built
from verdicts only (``ok``/``WRONG``, shapes, the names of cases and of likely mistakes),
never from the digits of a floating-point difference, and never from object ids, so a
committed notebook shows the same output on every machine.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

__all__ = ["CaseResult", "CheckResult"]


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case of a check.

    Attributes
    ----------
    name : str
        What the case is, e.g. ``"batch of 1: m=1, n_in=3, n_out=4"``.
    ok : bool
        Whether the learner's output agreed with the reference (and no input was changed).
    note : str
        Why not, in words (``""`` when ``ok``): ``"Z has shape (5, 4), expected (4, 5)"``,
        ``"raised ValueError: ..."``, ``"P has NaN or inf"``, ``"changed its input Z"``.
    """

    name: str
    ok: bool
    note: str = ""

    @property
    def verdict(self) -> str:
        """``"ok"`` or ``"WRONG"``."""
        return "ok" if self.ok else "WRONG"


@dataclass(frozen=True)
class CheckResult:
    """The report of a learner-facing checker such as ``check.dense_forward(fn)``.

    Attributes
    ----------
    exercise : str
        The checker, e.g. ``"dense_forward"`` or ``"activation('relu')"``.
    signature : str
        The function the learner writes, e.g. ``"dense_forward(A_prev, W, b)"``.
    passed : bool
        Every case agreed with the reference.
    attempted : bool
        ``False`` when the function still raises ``NotImplementedError`` (the skeleton).
    diagnosis : str or None
        The likely mistake, in words, with a hint (printed as ``likely mistake: ...``); else a
        true description of what went wrong in the first failing case, naming that case
        (``what went wrong: ...``); for a checker called the wrong way, the problem and the
        right call (``problem: ...``). ``None`` when passed or not attempted.
    mistake : str or None
        A short key for the recognised mistake (e.g. ``"W_not_transposed"``; ``"misuse"`` and
        ``"not_a_function"`` for a wrong call of the checker, ``"timeout"``), ``None`` when no
        listed mistake matched.
    cases : tuple of CaseResult
        Per-case outcomes.
    tolerance : str
        The tolerance of the comparisons, e.g. ``"rtol 1e-10, atol 1e-12"``.
    table : tuple of (str, str, str)
        Extra per-tensor verdicts (``check.backprop``: layer, tensor, verdict); may be empty.
    table_title : str
        What the table is about, e.g. ``"gradients of case '3 layers [4, 6, 5, 3], m=5'"``.
    """

    exercise: str
    signature: str
    passed: bool
    attempted: bool
    diagnosis: str | None
    mistake: str | None
    cases: tuple[CaseResult, ...]
    tolerance: str
    table: tuple[tuple[str, str, str], ...] = ()
    table_title: str = ""

    # ------------------------------------------------------------------ text

    def _headline(self) -> str:
        if not self.attempted:
            return (
                f"not attempted yet: {self.signature} still raises NotImplementedError; "
                "write your code in its cell, run that cell, then run this check again."
            )
        if not self.cases:
            return f"check.{self.exercise}: not run, the checker was called the wrong way"
        n_ok = sum(c.ok for c in self.cases)
        verdict = "passed" if self.passed else "WRONG"
        return (
            f"check.{self.exercise}: {verdict}, {n_ok} of {len(self.cases)} cases agree "
            f"with the reference ({self.tolerance})"
        )

    @property
    def _diagnosis_label(self) -> str:
        if not self.cases:
            return "problem"
        return "likely mistake" if self.mistake not in (None, "timeout") else "what went wrong"

    def lines(self) -> list[str]:
        """The report as lines of text (what ``print`` shows)."""
        lines = [self._headline()]
        if not self.attempted:
            return lines
        if self.diagnosis:
            lines.append(f"{self._diagnosis_label}: {self.diagnosis}")
        if self.table:
            lines.append(f"{self.table_title}:")
            lines.extend(_format_rows(("layer", "tensor", "verdict"), self.table))
        if self.passed:
            lines.append("cases: " + "; ".join(c.name for c in self.cases))
        elif self.cases:
            rows = [(c.name, c.verdict, c.note) for c in self.cases]
            lines.extend(_format_rows(("case", "verdict", "note"), rows))
        return lines

    def __str__(self) -> str:
        return "\n".join(self.lines())

    def __repr__(self) -> str:
        return str(self)

    # ------------------------------------------------------------------ notebook

    def _repr_html_(self) -> str:
        """A short report for Jupyter: the verdict line, the likely mistake, a table."""
        esc = html.escape
        colour = "#1a7f37" if self.passed else ("#555555" if not self.attempted else "#b42318")
        parts = [f'<div class="mlp-lab-check"><p style="color: {colour}"><strong>{esc(self._headline())}</strong></p>']
        if not self.attempted:
            return parts[0] + "</div>"
        if self.diagnosis:
            parts.append(f"<p><strong>{self._diagnosis_label}:</strong> {esc(self.diagnosis)}</p>")
        if self.table:
            parts.append(f"<p>{esc(self.table_title)}:</p>")
            parts.append(_html_table(("layer", "tensor", "verdict"), self.table))
        if self.passed:
            parts.append("<p>cases: " + esc("; ".join(c.name for c in self.cases)) + "</p>")
        elif self.cases:
            parts.append(_html_table(("case", "verdict", "note"), [(c.name, c.verdict, c.note) for c in self.cases]))
        parts.append("</div>")
        return "\n".join(parts)


def _format_rows(header: tuple[str, str, str], rows: tuple | list) -> list[str]:
    """Left-aligned columns; the last column is not padded."""
    all_rows = [header, *rows]
    w0 = max(len(r[0]) for r in all_rows)
    w1 = max(len(r[1]) for r in all_rows)
    return [f"  {a:<{w0}}  {b:<{w1}}  {c}".rstrip() for a, b, c in all_rows]


def _html_table(header: tuple[str, str, str], rows: tuple | list) -> str:
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(str(x))}</td>" for x in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
