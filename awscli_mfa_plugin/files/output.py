"""Standard output for what the user asked to be printed: checked first, written whole or not at all.

``--export`` and ``--credential-process`` print secrets that a shell or an
SDK reads; ``--list`` and ``--version`` print text.  When standard output
cannot take them (closed, a pipe nobody reads any more, a full device),
the run must end in one sentence and a non-zero status, with nothing
stored that the caller never received.  Two steps make that so:

* :func:`check` before anything is switched, for what can be seen without
  writing: a closed descriptor, one opened read-only, a pipe or socket
  whose reader has gone (``poll`` reports ``POLLERR``/``POLLHUP``);
* :func:`write` for what shows only when writing (``/dev/full``, a disk
  that fills, a reader that leaves in between): the caller writes *before*
  it stores anything, so a failure here leaves every file as it was.

Standard library only: the ``aws-mfa-switch`` fast path uses it too.
"""
import os
import stat

from awscli_mfa_plugin.errors import OutputError

try:  # POSIX only; elsewhere only what writing shows is caught
    import fcntl
    import select
except ImportError:  # pragma: no cover - Windows
    fcntl = select = None


def problem(stream):
    """Why ``stream`` cannot be written to, as the end of a sentence; ``None`` if it can.

    Only what can be seen without writing a byte is looked at; a stream
    without a file descriptor (a test's ``StringIO``) is taken as fine.

    >>> import io
    >>> problem(None), problem(io.StringIO())
    ('is closed', None)
    """
    if stream is None or getattr(stream, "closed", False):
        return "is closed"
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):
        return None
    try:
        mode = os.fstat(fd).st_mode
    except OSError:
        return "is closed"
    if fcntl is not None:
        try:
            access = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        except OSError:
            return "is closed"
        if access == os.O_RDONLY:
            return "is not open for writing"
    if (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)) and _reader_gone(fd):
        return "is a pipe whose reader has gone"
    return None


def _reader_gone(fd):
    # Linux reports POLLERR on a pipe's write end once no reader is left;
    # other systems and sockets report POLLHUP.  Nothing is written.
    if select is None or not hasattr(select, "poll"):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    for _, events in poller.poll(0):
        if events & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
            return True
    return False


def check(stream, what):
    """Raise :class:`OutputError` now if ``what`` could not be printed on ``stream``.

    ``what`` names the output in the sentence, e.g. ``"--export"``.
    """
    reason = problem(stream)
    if reason is not None:
        raise OutputError(
            f"Standard output {reason}, so {what} would have nowhere to print "
            "to; nothing was changed."
        )


def write(stream, text, what, note=""):
    """Write ``text`` to ``stream`` and flush; :class:`OutputError` if it did not arrive.

    ``what`` names the text in the sentence, e.g. ``"The credentials"``;
    ``note`` ends it, e.g. ``"nothing was stored"``.
    After a failure the descriptor is pointed at ``os.devnull`` (the way
    Python's documentation handles ``SIGPIPE``), so that the interpreter's
    own flush at exit finds nothing left to fail on and the exit status
    stays the one returned.
    """
    try:
        stream.write(text)
        stream.flush()
    except (AttributeError, OSError, ValueError) as error:
        discard(stream)
        reason = getattr(error, "strerror", None) or "it is closed"
        raise OutputError(
            f"{what} could not be printed on standard output ({reason})"
            + (f"; {note}." if note else ".")
        ) from None


def discard(stream):
    """Point ``stream``'s descriptor at the null device, so that nothing waits on it."""
    try:
        fd = stream.fileno()
        null = os.open(os.devnull, os.O_WRONLY)
    except (AttributeError, OSError, ValueError):
        return
    try:
        os.dup2(null, fd)
    except OSError:
        pass
    finally:
        os.close(null)
