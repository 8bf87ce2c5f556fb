"""The facts about the outside world a run needs, in one swappable object.

Only :func:`Environment.from_process` looks at ``sys`` and ``os``; every
other module receives an ``Environment`` so tests can hand in their own.
"""
import dataclasses
import datetime
import os
import sys
from typing import Any, Callable, Mapping


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


@dataclasses.dataclass(frozen=True)
class Environment:
    """Standard streams, environment variables and the clock."""

    stdin: Any
    stdout: Any
    stderr: Any
    environ: Mapping[str, str]
    now: Callable[[], datetime.datetime] = _utcnow

    @classmethod
    def from_process(cls):
        """The environment of the running process."""
        return cls(sys.stdin, sys.stdout, sys.stderr, os.environ)

    def stdin_is_terminal(self):
        """True when a person can answer a prompt on standard input."""
        try:
            return bool(self.stdin) and self.stdin.isatty()
        except (AttributeError, ValueError):
            return False
