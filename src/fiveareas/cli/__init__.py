"""The command line. Commands live by layer of work; importing them registers them on `app`."""

from fiveareas.cli import classify, collect, macro, measure, scf, web  # noqa: F401  (registers the commands)
from fiveareas.cli.common import app

__all__ = ["app"]
