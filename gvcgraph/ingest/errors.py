"""Problems found in input files, reported all at once with file, place, field and expectation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in one input file.

    ``where`` is human-readable ("line 12", "sheet 'supply', row 4, column 'buyer'", "record 3");
    ``line`` is the line number when the input has lines, for sorting and tools.
    """

    file: str
    line: int | None
    where: str
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        if not self.line and self.where:
            place = f"{self.file} ({self.where})"
        if self.line and self.where and not self.where.startswith("line"):
            place = f"{self.file}:{self.line} ({self.where})"
        label = "warning" if self.severity == "warning" else "error"
        fld = f" {self.field}:" if self.field else ""
        return f"{place}: {label}:{fld} {self.message}"


@dataclass
class Problems:
    """A collector of problems for one run (several files)."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity == "warning"]

    def sorted(self) -> list[Problem]:
        return sorted(self.items, key=lambda p: (p.file, p.line or 0, p.where, p.field, p.message))


class InputError(Exception):
    """Raised when input files have errors; carries every problem found, not only the first."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        errors = [p for p in problems if p.severity == "error"]
        super().__init__(f"{len(errors)} error(s) in input")

    def report(self) -> str:
        """All problems, one per line, sorted by file and line."""
        return "\n".join(str(p) for p in sorted(self.problems, key=lambda p: (p.file, p.line or 0)))
