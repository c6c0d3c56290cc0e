"""Every error the app raises on purpose, in one place (as osmnx's ``_errors``).

Each carries a message a person can act on; the CLI prints it and the app shows it
instead of a stack trace.  The modules that raise them import them from here.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the data: where, which feature, why."""

    file: str
    feature: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.feature}: {self.reason}"


class DataError(ValueError):
    """Raised when bundled data has problems; carries them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        head = "\n".join(str(p) for p in problems[:20])
        more = f"\n… and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} data problem(s):\n{head}{more}")


class TourError(DataError):
    """A tour file refers to something the data does not have."""


class CurationError(ValueError):
    """An entry that cannot be turned into a feature; names the file and entry."""


class NoDocuments(ValueError):
    """The district has no plan document for a requested period."""


class DatabaseError(RuntimeError):
    """The database is down, misconfigured or not loaded: a message for people, not a trace."""


class AssetError(RuntimeError):
    """An element wants an asset that is not vendored: it would need the internet."""
