"""The parser's warnings: every guess or unreadable cell leaves one."""

from __future__ import annotations

from govreports.model import ParseWarning


class Notes:
    """Collects warnings in the order the parser meets what they are about."""

    def __init__(self) -> None:
        self.warnings: list[ParseWarning] = []

    def add(self, code: str, detail: str) -> None:
        self.warnings.append(ParseWarning(code=code, detail=detail))

    def cell(self, code: str | None, where: str, text: str) -> None:
        """A cell's reading warning (`missing_cell`, `dash_as_zero`, …), naming the cell and its text."""
        if code is not None:
            self.add(code, f"{where}: {text!r}" if text else f"{where}: blank")
