"""The one exception of the collect path: a file that cannot be read as a table."""

from __future__ import annotations

from pathlib import Path


class MalformedFile(Exception):
    """A syntax-phase failure: names the file, the rule and the cause; nothing of it lands."""

    def __init__(self, path: Path, rule_id: str, cause: str) -> None:
        super().__init__(f"{path}: {rule_id} {cause}")
        self.path = path
        self.rule_id = rule_id
        self.cause = cause
