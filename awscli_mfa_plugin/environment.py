"""The facts about the outside world a run needs, in one swappable object.

Only this module looks at ``sys``, ``os`` and ``/dev/tty``; every other
module receives an ``Environment`` so tests can hand in their own.
"""
from __future__ import annotations

import atexit
import datetime
import os
import sys
from collections.abc import Callable, Mapping

from awscli_mfa_plugin.files.output import discard
from awscli_mfa_plugin.values import Value


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


class Terminal(Value):
    """The controlling terminal, open for reading and for writing."""

    input: object
    output: object

    def close(self):
        """Close both streams."""
        for stream in (self.output, self.input):
            try:
                stream.close()
            except OSError:
                pass

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def open_controlling_terminal():
    """The process's controlling terminal (``/dev/tty``), or ``None``.

    It stays reachable when standard input and output are pipes, as they
    are for a ``credential_process`` child of an SDK.
    """
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    try:
        return Terminal(
            input=open(os.dup(fd), "r", encoding="utf-8", errors="replace"),
            output=open(fd, "w", encoding="utf-8", errors="replace"),
        )
    except OSError:
        os.close(fd)
        return None


class Messages:
    """Standard error for sentences: a closed or full stderr never changes the outcome.

    The exit status is what tells a caller how a run ended; a summary or an
    error sentence that cannot be shown (``2>&-``, ``2>/dev/full``) is
    dropped rather than turned into a second failure or a traceback.
    """

    def __init__(self, stream):
        self._stream = stream

    def write(self, text):
        try:
            self._stream.write(text)
        except (AttributeError, OSError, ValueError):
            pass
        return len(text)

    def flush(self):
        try:
            self._stream.flush()
        except (AttributeError, OSError, ValueError):
            pass

    def __getattr__(self, name):
        # isatty(), fileno() and the like, for prompt_toolkit and friends.
        return getattr(self._stream, name)


def _settle_standard_streams():
    """Flush stdout and stderr now, pointing one that cannot take it at ``os.devnull``.

    Python flushes both at exit, and exits 120 when that fails (stderr on
    ``/dev/full``, a closed stdout): with ``PYTHONUNBUFFERED`` unset, the
    default, a sentence that could not be shown is still in the buffer
    then, and the run's own exit status would be lost.  Run at exit, before
    the interpreter's flush, this leaves it nothing to fail on.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (AttributeError, OSError, ValueError):
            discard(stream)


class Environment(Value):
    """Standard streams, environment variables, the clock, the terminal, the OS."""

    stdin: object
    stdout: object
    stderr: object
    environ: Mapping[str, str]
    now: Callable[[], datetime.datetime] = _utcnow
    #: Opens the controlling terminal; ``None`` when there is none.
    open_terminal: Callable[[], Terminal | None] = open_controlling_terminal
    #: ``sys.platform``: which desktop dialog there can be.
    platform: str = sys.platform
    #: The process's command line after the program's name.
    argv: tuple = ()

    @classmethod
    def from_process(cls):
        """The environment of the running process.

        Its exit status is the run's, whatever standard streams it was given.
        """
        atexit.unregister(_settle_standard_streams)  # registered once
        atexit.register(_settle_standard_streams)
        return cls(sys.stdin, sys.stdout, Messages(sys.stderr), os.environ,
                   argv=tuple(sys.argv[1:]))

    def stdin_is_terminal(self):
        """True when a person can answer a prompt on standard input."""
        try:
            return bool(self.stdin) and self.stdin.isatty()
        except (AttributeError, ValueError):
            return False
