"""What ``check_loss`` found: one ``Problem`` per fault, gathered in a ``CheckReport``."""

from __future__ import annotations

import html
from dataclasses import dataclass, field

SEVERITIES = ("error", "warning")


@dataclass(frozen=True)
class Problem:
    """One fault of a custom loss.

    Attributes:
        severity: ``"error"`` (the loss is wrong or will not train) or ``"warning"`` (it works,
            but loses something: sample weights, saving, float16).
        code: a stable short id such as ``"no-gradient"``.
        message: what was seen: shapes, dtypes, backend, input.
        fix: a concrete change that removes the problem.
        backend: the library it was seen on (``None`` when it does not depend on one).
    """

    severity: str
    code: str
    message: str
    fix: str
    backend: str | None = None

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            msg = (
                f"Invalid value for argument `severity`. Expected one of {SEVERITIES}. "
                f"Received: severity={self.severity!r}"
            )
            raise ValueError(msg)


@dataclass
class CheckReport:
    """The result of :func:`~anyloss.check_loss`.

    Attributes:
        name: the checked loss' name.
        problems: every problem found, errors first.
        backends: the libraries the loss ran on.
        inputs: the input kinds the loss accepted (``"regression"``, ``"binary"``, ...).
    """

    name: str
    problems: list[Problem] = field(default_factory=list)
    backends: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no problem is an error (warnings allowed)."""
        return not self.errors

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def codes(self) -> set[str]:
        """The codes of all problems (handy in tests: ``"no-gradient" in report.codes()``)."""
        return {p.code for p in self.problems}

    def summary(self) -> str:
        """One line: the verdict, the counts, what it ran on."""
        verdict = "OK" if self.ok else "FAILED"
        counts = f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"
        ran = f"backends: {', '.join(self.backends) or 'none'}"
        inputs = f"inputs: {', '.join(self.inputs) or 'none accepted'}"
        return f"check_loss({self.name}): {verdict}, {counts} [{ran}; {inputs}]"

    def __str__(self) -> str:
        lines = [self.summary()]
        for p in self.problems:
            where = f" [{p.backend}]" if p.backend else ""
            lines.append(f"  {p.severity.upper():7} {p.code}{where}: {p.message}")
            lines.append(f"          fix: {p.fix}")
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        rows = [f"**{self.summary()}**", ""]
        if self.problems:
            rows += ["| severity | code | backend | problem | fix |", "|---|---|---|---|---|"]
            rows += [
                f"| {p.severity} | `{p.code}` | {p.backend or ''} | {_md(p.message)} | "
                f"{_md(p.fix)} |"
                for p in self.problems
            ]
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        head = f"<p><b>{html.escape(self.summary())}</b></p>"
        if not self.problems:
            return head
        cells = "".join(
            f"<tr><td>{p.severity}</td><td><code>{p.code}</code></td>"
            f"<td>{html.escape(p.backend or '')}</td><td>{html.escape(p.message)}</td>"
            f"<td>{html.escape(p.fix)}</td></tr>"
            for p in self.problems
        )
        return (
            f"{head}<table><thead><tr><th>severity</th><th>code</th><th>backend</th>"
            f"<th>problem</th><th>fix</th></tr></thead><tbody>{cells}</tbody></table>"
        )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
