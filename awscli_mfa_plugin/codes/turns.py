"""Whose turn it is to use an MFA device: locks every mfa-switch process shares.

Terraform starts one credential process per provider at once, scripts run
switches in parallel.  Callers that need a code of the same MFA device take
turns (:meth:`Turns.devices`): one asks and exchanges while the others wait,
then re-read what it stored and, most often, need no code at all.  Only
one process asks a person at a time, whatever the device
(:meth:`Turns.person`), so two prompts never share a terminal and two
dialogs never stack.

Everything lives in a private folder (mode 0700, beside the AWS CLI's own
cache in ``~/.aws/cli``): the lock files; a note of who holds each lock
(process ID and what it switches), which a waiter quotes; and the outcome a
holder leaves when its prompt is cancelled, so that those who waited for
that prompt stop too.  The locks are ``flock`` on POSIX, taken directly
(the lock ``filelock`` takes there, without the cost of importing it), and
``filelock``'s ``LockFileEx`` on Windows; the system releases them when
their holder dies; a lock file that is a symbolic link is refused, never followed.  A
wait ends after :data:`WAIT_LIMIT` seconds in a sentence.
"""
import contextlib
import dataclasses
import errno
import hashlib
import json
import os
import stat
import tempfile
import time
from typing import Mapping

from awscli_mfa_plugin.files import atomic
from awscli_mfa_plugin.errors import BusyError, Cancelled, ConfigError, Unanswered

#: Seconds a caller waits for another's turn before it gives up with a
#: sentence.  A person needs some of them to find the device and type a
#: code; the AWS SDK for Go stops a credential process after a minute.
WAIT_LIMIT = 60

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
# A FIFO opens at once, never waiting for a writer; the file is checked on
# the descriptor before anything is read from it.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

#: The most of a private file that is read: its end, where the newest of
#: what it remembers is.  Each file is a few lines when mfa-switch wrote it.
READ_LIMIT = 1 << 20


@dataclasses.dataclass(frozen=True)
class Turn:
    """What a caller learned while it waited for its turn."""

    #: True when another process held a device's turn first.
    waited: bool = False
    #: Device -> sentence, for each device whose prompt was cancelled by the
    #: person while this caller waited for it.
    cancelled: Mapping[str, str] = dataclasses.field(default_factory=dict)


def device_key(serial_number):
    """A file-name-safe key for a device (ARNs have ``:`` and ``/``).

    >>> device_key("arn:aws:iam::123456789012:mfa/alice")
    'fb6f2fd2cb1cfddde47ea766'
    """
    return hashlib.sha256(serial_number.encode("utf-8")).hexdigest()[:24]


def private_folder(path):
    """Create ``path`` with mode 0700 if needed and check that it is ours.

    Raises :class:`ConfigError` when it cannot be made, is a symbolic link
    or something other than a folder, or belongs to another user.
    """
    # Every folder made on the way is 0700 whatever the umask (~/.aws/cli
    # too, which the AWS CLI's cache shares).
    atomic.make_private_dirs(path)
    try:
        info = os.lstat(path)
    except OSError as error:
        raise _folder_error(path, error.strerror or str(error)) from None
    if stat.S_ISLNK(info.st_mode):
        raise _folder_error(path, "it is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        raise _folder_error(path, "it is not a folder")
    # Root (sudo keeping HOME) works in the user's folder, which it made
    # the user's own; anyone else must own it.
    if hasattr(os, "getuid") and info.st_uid != os.getuid() \
            and os.geteuid() != 0:
        raise _folder_error(path, "it belongs to another user")
    if stat.S_IMODE(info.st_mode) & 0o077:
        try:
            os.chmod(path, 0o700)
        except OSError as error:
            raise _folder_error(path, error.strerror or str(error)) from None
    return path


def _trusted_owners(folder):
    """The user IDs whose files in ``folder`` are trusted; ``None``: any (Windows).

    The user's own; a run as root (sudo keeping HOME) also trusts the
    folder's owner, to whom it gives what it writes there, and root.
    """
    if not hasattr(os, "getuid"):
        return None
    if os.geteuid() != 0:
        return {os.getuid()}
    try:
        return {0, os.stat(folder).st_uid}
    except OSError:
        return {0}


def remove_foreign(folder):
    """Remove what other users left in ``folder``; the names removed.

    The folder is private now, but it may have been open to others before
    (mode 0777): a lock another user holds, a note in their words, spent
    codes they made up.  None of it is trusted; every such entry goes,
    under a lock on the folder itself, so that two runs never remove what
    the other just made.  Raises :class:`ConfigError` for one that cannot
    be removed.
    """
    owners = _trusted_owners(folder)
    if owners is None:
        return []
    removed = []
    with _folder_locked(folder):
        for name in sorted(os.listdir(folder)):
            path = os.path.join(folder, name)
            try:
                info = os.lstat(path)
            except FileNotFoundError:
                continue
            if info.st_uid in owners:
                continue
            try:
                if stat.S_ISDIR(info.st_mode):
                    os.rmdir(path)
                else:
                    os.unlink(path)
            except FileNotFoundError:
                continue
            except OSError:
                raise _folder_error(
                    folder, f"{name} in it belongs to another user and cannot "
                    "be removed") from None
            removed.append(name)
    return removed


@contextlib.contextmanager
def _folder_locked(folder):
    """An exclusive ``flock`` on the folder itself, where the system has one."""
    try:
        import fcntl
    except ImportError:
        yield
        return
    fd = os.open(folder, os.O_RDONLY | _CLOEXEC | getattr(os, "O_DIRECTORY", 0))
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _check_own_file(fd, path):
    """Refuse the open file ``fd`` unless it is a regular file of this user."""
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(
            f"{path} is not a regular file (a FIFO or a folder?), so "
            "mfa-switch does not use it; remove it and try again.")
    owners = _trusted_owners(os.path.dirname(path))
    if owners is not None and info.st_uid not in owners:
        raise ConfigError(
            f"{path} belongs to another user, so mfa-switch does not trust "
            "it; remove it and try again.")


def _folder_error(path, why):
    return ConfigError(
        f"Cannot keep mfa-switch's locks in {path}: {why}; remove it (it "
        "holds nothing but locks and notes) and try again.")


def read_private(path):
    """The text of a file in the private folder, ``""`` if it is not there.

    Read as the credentials file is: a symbolic link is not followed (and
    reads as nothing), a FIFO is never waited for.  Anything but a regular
    file, or a file of another user, is refused with a sentence
    (:class:`ConfigError`), checked on the open descriptor.  Of a file
    larger than :data:`READ_LIMIT`, its end is read, from a line start.
    """
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC)
    except OSError as error:
        # ELOOP (EMLINK on some BSDs): a symbolic link, not followed.
        if error.errno in (errno.ENOENT, errno.ELOOP, errno.EMLINK, errno.ENOTDIR):
            return ""
        raise ConfigError(
            f"Cannot read {path}: {error.strerror or error}; remove it and "
            "try again.") from None
    try:
        _check_own_file(fd, path)
        start = max(0, os.fstat(fd).st_size - READ_LIMIT)
        os.lseek(fd, start, os.SEEK_SET)
        chunks, left = [], READ_LIMIT
        while left > 0:
            chunk = os.read(fd, left)
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as error:
        raise ConfigError(
            f"Cannot read {path}: {error.strerror or error}; remove it and "
            "try again.") from None
    finally:
        os.close(fd)
    if start:
        data = data.partition(b"\n")[2]
    return data.decode("utf-8", "replace")


def write_private(path, text):
    """Replace ``path`` with ``text`` atomically; the new file is mode 0600."""
    folder, name = os.path.split(path)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.")
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            atomic.give_to_owner(handle.fileno(), folder)  # a run as root
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _file_lock(path):
    """``(lock, the exception a busy lock raises)`` for the file ``path``.

    filelock locks with ``flock`` on POSIX, so there :class:`_Flock`
    takes the same lock directly (each excludes the other) without the
    cost of importing filelock, a good part of what a switch adds to a
    bare ``aws sts assume-role`` (bench/, comparison 2).  Elsewhere
    (Windows) filelock's, made without ``mode=`` or ``blocking=``, which
    older filelock releases lack.  AWS CLI v2 imports this plugin from the
    folders of ``cli_legacy_plugin_path`` only; for an editable install
    that is the source tree, where filelock is out of its reach.
    """
    try:
        import fcntl  # noqa: F401 (flock is there)
    except ImportError:
        pass
    else:
        return _Flock(path), _Busy
    try:
        import filelock
    except ImportError:
        return _Flock(path), _Busy
    return filelock.FileLock(path), filelock.Timeout


class _Busy(Exception):
    """The lock stayed held for the whole timeout."""


class _Flock:
    """An exclusive ``flock`` on ``path``, where filelock cannot be imported."""

    def __init__(self, path):
        self._path = path
        self._fd = None

    def acquire(self, timeout):
        try:
            import fcntl
        except ImportError:
            raise ConfigError(
                "mfa-switch needs the filelock package to take turns with "
                "other runs on this system; install it where the AWS CLI "
                "imports the plugin from.") from None
        fd = os.open(self._path, os.O_RDWR | _NOFOLLOW | os.O_CLOEXEC)
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise _Busy() from None
                time.sleep(0.05)
            except OSError:
                os.close(fd)
                raise
            else:
                self._fd = fd
                return

    def release(self):
        os.close(self._fd)  # closing the only descriptor drops the flock
        self._fd = None


def _create_lock_file(path):
    """Make the lock file 0600 if it is missing; refuse one that is a link.

    An existing one must be a regular file of this user (checked on the
    open descriptor).
    """
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | _NOFOLLOW | _NONBLOCK
                     | _CLOEXEC, 0o600)
    except OSError as error:
        if os.path.islink(path):
            raise ConfigError(
                f"The lock file {path} is a symbolic link, which mfa-switch "
                "does not follow; remove it and try again.") from None
        raise ConfigError(
            f"Cannot lock {path}: {error.strerror or error}.") from None
    try:
        _check_own_file(fd, path)
        atomic.give_to_owner(fd, os.path.dirname(path))  # a run as root
    finally:
        os.close(fd)


class Turns:
    """The turns of one user's mfa-switch processes, kept in ``folder``.

    ``say(line)`` tells the user (on stderr) what a wait is for.
    """

    def __init__(self, folder, say, limit=WAIT_LIMIT, clock=time.time):
        self.folder = folder
        self._say = say
        self._limit = limit
        self._clock = clock

    @contextlib.contextmanager
    def devices(self, serial_numbers, what):
        """Hold the turn of every device in ``serial_numbers``; yield a :class:`Turn`.

        ``what`` says what this run does (``switching 'dev'``), for others
        to read while they wait.  Turns are taken in one order, so that two
        runs needing two devices each never wait for one another in a
        circle.  When the person cancels (Ctrl-C, Cancel in a dialog) while
        this holds the turns, those who waited for them learn it.
        """
        self._private_folder()
        held, waited, cancelled = [], False, {}
        try:
            for serial in sorted(set(serial_numbers)):
                name = "device-" + device_key(serial)
                lock, since = self._take(
                    name, what,
                    waiting=f"is using the MFA device {serial}",
                    busy=f"has been using the MFA device {serial}")
                held.append((name, lock))
                if since is not None:
                    waited = True
                    sentence = self._cancelled_since(name, serial, since)
                    if sentence:
                        cancelled[serial] = sentence
            try:
                yield Turn(waited, cancelled)
            except (Cancelled, KeyboardInterrupt) as error:
                result = ("unanswered" if isinstance(error, Unanswered)
                          else "cancelled")
                for name, _ in held:
                    self._note(name + ".outcome", {
                        "result": result, "at": self._clock(),
                        "pid": os.getpid(), "what": what})
                raise
        finally:
            for name, lock in reversed(held):
                self._give_back(name, lock)

    @contextlib.contextmanager
    def person(self, what):
        """Hold the one turn to ask a person for a code, whatever the device."""
        self._private_folder()
        lock, _ = self._take("person", what,
                             waiting="is asking for an MFA code",
                             busy="has been asking for an MFA code")
        try:
            yield
        finally:
            self._give_back("person", lock)

    def _private_folder(self):
        """Make the folder private, and drop what other users left in it."""
        private_folder(self.folder)
        removed = remove_foreign(self.folder)
        if removed:
            self._say(f"Removed {', '.join(removed)} from {self.folder}: "
                      "other users' files, which mfa-switch does not trust.")

    def _take(self, name, what, waiting, busy):
        """``(lock, None)``, or ``(lock, when the wait began)`` after waiting."""
        path = os.path.join(self.folder, name + ".lock")
        _create_lock_file(path)
        lock, busy_error = _file_lock(path)
        since = None
        try:
            try:
                lock.acquire(timeout=0)
            except busy_error:
                who = self._holder(name)
                self._say(f"Another mfa-switch{who} {waiting}; waiting for "
                          f"it to finish (at most {self._limit:g} s).")
                since = self._clock()
                try:
                    lock.acquire(timeout=self._limit)
                except busy_error:
                    raise BusyError(
                        f"Another mfa-switch{self._holder(name)} {busy} for "
                        f"more than {self._limit:g} s, so this one stopped "
                        "waiting and changed nothing; answer or cancel its "
                        "prompt, then try again.") from None
        except OSError as error:
            raise ConfigError(
                f"Cannot lock {path}: {error.strerror or error}.") from None
        self._note(name + ".holder", {"pid": os.getpid(), "what": what,
                                      "since": self._clock()})
        return lock, since

    def _give_back(self, name, lock):
        with contextlib.suppress(OSError):
            os.unlink(os.path.join(self.folder, name + ".holder"))
        lock.release()

    def _holder(self, name):
        """`` (process 4242, switching 'dev')`` from the holder's note, or ``""``."""
        note = self._read(name + ".holder")
        if not isinstance(note.get("pid"), int):
            return ""
        what = note.get("what")
        return f" (process {note['pid']}" + (
            f", {what})" if isinstance(what, str) and what else ")")

    def _cancelled_since(self, name, serial, since):
        note = self._read(name + ".outcome")
        at, result = note.get("at"), note.get("result")
        # Written while this one waited: not before, nor after now, which
        # only a clock that ran ahead (and was set right since) can write.
        if result not in ("cancelled", "unanswered") \
                or not isinstance(at, (int, float)) \
                or not since <= at <= self._clock():
            return None
        who = f" (process {note['pid']})" if isinstance(note.get("pid"), int) else ""
        ended = ("was cancelled" if result == "cancelled"
                 else "went unanswered")
        return (f"The prompt of another mfa-switch{who} for the code of "
                f"{serial} {ended} while this one waited for it; nothing was "
                "changed.")

    def _read(self, file_name):
        try:
            value = json.loads(read_private(os.path.join(self.folder, file_name)))
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def _note(self, file_name, values):
        # A note only helps others word their wait: never fail a run over one.
        with contextlib.suppress(OSError):
            write_private(os.path.join(self.folder, file_name),
                          json.dumps(values))
