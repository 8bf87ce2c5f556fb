"""Files the editor changes: locking, reading, atomic replacement, private folders.

The file-system half of :mod:`~awscli_mfa_plugin.files.inifile`: an
exclusive lock beside the real (symlink-resolved) file for the whole
read-modify-write, a read that never opens a FIFO or a device, and a
replacement through a fsynced temporary file and a rename that keeps the
owner and an owner-only mode.  It knows nothing of INI.
"""

import contextlib
import errno
import os
import stat
import sys
import tempfile
import time

from awscli_mfa_plugin import errors

# Flags that some systems lack (Windows has none of the first three): where
# one is missing, what it guards against cannot happen there either, or is
# checked by hand (a symlinked lock file: _try_lock looks with lstat).
_OPEN_FLAGS = (getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOINHERIT", 0)
               | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


#: Seconds to wait for another writer's lock before giving up with a sentence.
LOCK_TIMEOUT = 30.0

_TEMP_SUFFIX = ".tmp"

_LOCK_SUFFIX = ".lock"


def _temp_prefix(real_path):
    # Hidden, named after the file and this tool, so a stray one (left by a
    # SIGKILL) is recognisable and can be swept up by the next writer.
    return "." + os.path.basename(real_path) + ".mfa-switch-"


def lock_path(real_path):
    """The lock file that serializes writers of ``real_path`` (symlinks resolved).

    Hidden and named after this tool (``.credentials.mfa-switch.lock``): it
    exists only while a write is under way.  Earlier versions locked
    ``credentials.lock`` and left it behind; that name is not used any more,
    so one left root-owned by a run as root blocks nobody.

    >>> lock_path("/home/alice/.aws/credentials")
    '/home/alice/.aws/.credentials.mfa-switch.lock'
    """
    folder, name = os.path.split(real_path)
    return os.path.join(folder, "." + name + ".mfa-switch" + _LOCK_SUFFIX)


def make_private_dirs(folder):
    """Create ``folder`` and any missing parents, each 0700 whatever the umask.

    Run as root inside another user's folder (``sudo`` keeping ``HOME``, a
    container on a mounted ``~/.aws``), each new folder gets the owner of
    the folder it is made in, so that user can still use it.
    """
    missing = []
    while folder and not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, 0o700)
        except FileExistsError:
            continue  # another run made it first
        except OSError as exc:
            raise _file_error("create the folder", directory, exc) from None
        os.chmod(directory, 0o700)  # whatever the umask says
        give_to_owner(directory, os.path.dirname(directory))


def resolve(path):
    # Dotfiles setups symlink ~/.aws/credentials: edit the real file (and
    # keep the link) by working next to the link's final target.
    return os.path.realpath(os.fsdecode(os.fspath(path)))


def _file_error(action, path, exc):
    reason = exc.strerror or str(exc)
    return errors.CredentialsFileError("Cannot {} {}: {}.".format(action, path, reason))


def _owner_of(path):
    """``(uid, gid)`` of ``path``, or ``None`` where that cannot be told."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_uid, st.st_gid


def give_to_owner(target, folder, owner=None):
    """As root, hand what we just created in ``folder`` to the folder's owner.

    ``target`` is a path or a file descriptor.  Run as root in a user's
    ``~/.aws`` (sudo keeping HOME, a container on a mounted folder), a new
    file or lock left root's would lock that user out of their own files.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return
    owner = owner or _owner_of(folder)
    if owner is None or owner[0] == 0:
        return
    with contextlib.suppress(OSError):
        if isinstance(target, int):
            os.fchown(target, *owner)
        else:
            os.chown(target, *owner, follow_symlinks=False)


@contextlib.contextmanager
def locked(real):
    """Hold an exclusive lock (``flock``; ``msvcrt.locking`` on Windows) on :func:`lock_path`.

    A separate file is locked because the data file's inode is replaced on
    every write.  It is opened with ``O_NOFOLLOW``, so a symlink planted
    there is refused, never followed (nor its target created).  It is
    unlinked while still held, so none stays in the user's folder; a waiter
    whose ``flock`` then succeeds on the unlinked file sees that the path
    no longer leads to it and locks the next one.  A run as root hands a
    new lock file to the owner of the file it guards, so that even one left
    by a crash stays usable by that user.  The kernel drops a ``flock``
    when its holder dies, so a leftover file never blocks anyone.

    Hand-written, not the ``filelock`` package, which was tried and
    measured (commit e2f4c6e, 2026-12-02, 2 shared cores): AWS CLI v2
    imports this plugin from a folder that does not hold its dependencies
    (the source tree of an editable install; see install.plugin_folder),
    where ``import filelock`` fails, so every switch under v2 ended in "No
    module named 'filelock'"; it also added 19 ms (median of 21) to every
    ``aws`` process that writes - ``aws mfa-switch`` against a bare
    ``aws sts assume-role`` went from 1.042x to 1.069x the instructions -
    and a locked edit that changes nothing took 1.17 ms against the old
    hand-written lock's 0.29 ms.  This lock, which also creates and removes
    its file each time, takes 0.39 ms against filelock's 0.95 ms in the
    same run (bench/lock.py --against e2f4c6e, medians of 3000 edits).
    What filelock would have added is the few lines below: ``O_NOFOLLOW``,
    the unlinked-file recheck, the timeout.
    """
    if _LOCK is None:
        raise errors.CredentialsFileError(
            "mfa-switch cannot lock files on this system yet, so it does not "
            "write {}.".format(real)
        )
    path = lock_path(real)
    deadline = time.monotonic() + LOCK_TIMEOUT
    pause = 0.005
    while True:
        held = _try_lock(path, real)
        if held is not None:
            break
        if time.monotonic() >= deadline:
            raise errors.CredentialsFileError(
                "Another program has held the lock {} for {:g} seconds (another "
                "mfa-switch run?), so {} was not changed; try again when it has "
                "finished.".format(path, LOCK_TIMEOUT, real)
            )
        time.sleep(pause)
        pause = min(pause * 2, 0.1)
    fd, st = held
    try:
        yield
    finally:
        if _LOCK.unlink_while_held:
            try:
                _unlink_if_same(path, st)  # still held: nobody can lock it meanwhile
            finally:
                os.close(fd)  # releases the flock
        else:
            # Windows cannot remove a file that is open, so the lock is
            # dropped first; the removal then fails harmlessly (and the file
            # stays) if another writer has opened it meanwhile.
            try:
                _LOCK.release(fd)
            finally:
                os.close(fd)
            _unlink_if_same(path, st)


def _unlink_if_same(path, st):
    with contextlib.suppress(OSError):
        if os.path.samestat(os.lstat(path), st):
            os.unlink(path)


class _Flock:
    """``flock`` (POSIX): dropped by the kernel when its holder dies."""

    unlink_while_held = True

    def __init__(self, fcntl):
        self.fcntl = fcntl

    def take(self, fd):
        """Lock ``fd`` at once: ``True``, or ``False`` if someone else holds it."""
        try:
            self.fcntl.flock(fd, self.fcntl.LOCK_EX | self.fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
                return False
            raise
        return True

    def release(self, fd):
        self.fcntl.flock(fd, self.fcntl.LOCK_UN)


class _MsvcrtLock:
    """``msvcrt.locking`` (Windows) on the first byte: also dropped when its holder dies."""

    unlink_while_held = False

    def __init__(self, msvcrt):
        self.msvcrt = msvcrt

    def take(self, fd):
        """Lock ``fd`` at once: ``True``, or ``False`` if someone else holds it."""
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            self.msvcrt.locking(fd, self.msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            # EACCES, or EDEADLOCK ("resource deadlock"), when it is held.
            if exc.errno in (errno.EACCES, getattr(errno, "EDEADLOCK", errno.EDEADLK),
                             errno.EDEADLK):
                return False
            raise
        return True

    def release(self, fd):
        os.lseek(fd, 0, os.SEEK_SET)
        with contextlib.suppress(OSError):
            self.msvcrt.locking(fd, self.msvcrt.LK_UNLCK, 1)


def lock_method(platform=None):
    """How files are locked on ``platform`` (``sys.platform``): ``flock``, ``msvcrt``, or ``None``.

    The module is imported here, not at the top, because each exists on
    one family of systems only.  ``None`` (neither importable) makes every
    write stop with a sentence rather than write unlocked.
    """
    platform = sys.platform if platform is None else platform
    try:
        if platform == "win32":
            import msvcrt

            return _MsvcrtLock(msvcrt)
        import fcntl

        return _Flock(fcntl)
    except ImportError:
        return None


_LOCK = lock_method()


def _try_lock(path, real):
    """``(fd, stat)`` holding the lock on the file at ``path``, or ``None`` if busy."""
    flags = os.O_RDWR | os.O_CREAT | _OPEN_FLAGS | _NOFOLLOW
    while True:
        try:
            fd = os.open(path, flags, 0o600)
        except OSError as exc:
            raise _lock_error(path, real, exc) from None
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise errors.CredentialsFileError(
                    "Cannot lock {}: {} is not a regular file; remove it and try "
                    "again.".format(real, path))
            if _foreign(st, real):
                raise _foreign_lock_error(path, real)
            try:
                taken = _LOCK.take(fd)
            except OSError as exc:
                raise _file_error("lock", real, exc) from None
            if not taken:
                os.close(fd)
                return None
            try:
                current = os.lstat(path)
            except FileNotFoundError:
                current = None
            if current is not None and stat.S_ISLNK(current.st_mode):
                # Only where O_NOFOLLOW is missing could the open follow it.
                raise _lock_error(path, real, PermissionError(13, "Permission denied"))
            if current is None or not os.path.samestat(current, st):
                os.close(fd)  # its holder unlinked it: lock the next one
                continue
            if (hasattr(os, "fchmod") and st.st_uid == os.geteuid()
                    and stat.S_IMODE(st.st_mode) != 0o600):
                with contextlib.suppress(OSError):
                    os.fchmod(fd, 0o600)  # whatever the umask left
            give_to_owner(fd, os.path.dirname(real), _owner_of(real))
            return fd, st
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise


def check_lock_file(real):
    """Refuse now a lock file the write could not use (taking it waits, or worse)."""
    path = lock_path(real)
    try:
        st = os.lstat(path)
    except OSError:
        return  # none there: the usual case, since writers remove theirs
    if not stat.S_ISLNK(st.st_mode) and _foreign(st, real):
        raise _foreign_lock_error(path, real)
    if stat.S_ISLNK(st.st_mode) or not os.access(path, os.R_OK | os.W_OK):
        raise _lock_error(path, real, PermissionError(13, "Permission denied"))


def check_room(real, size):
    """Refuse now a folder that cannot take the new file of about ``size`` bytes.

    The write puts a temporary file beside ``real``: on a read-only disk,
    in a folder the user cannot write, or on a full disk it would fail
    after STS has answered.  A folder that does not exist yet is made (and
    checked) by the write.
    """
    folder = os.path.dirname(real)
    try:
        info = os.statvfs(folder)
    except (OSError, AttributeError):  # missing, or Windows
        return
    if info.f_flag & getattr(os, "ST_RDONLY", 1):
        code = errno.EROFS
    elif not os.access(folder, os.W_OK | os.X_OK,
                       effective_ids=os.access in os.supports_effective_ids):
        code = errno.EACCES
    elif (info.f_bfree if os.geteuid() == 0 else info.f_bavail) \
            * info.f_frsize < size:
        code = errno.ENOSPC
    else:
        return
    raise _file_error("write a temporary file in", folder,
                      OSError(code, os.strerror(code)))


def _foreign(st, real):
    """True for a lock file of another user: not this one's, root's or the file owner's.

    Another user's lock (left in a folder once open to all) is never
    shared: they could hold it for as long as they like, and the wait would
    come after STS has answered.
    """
    if not hasattr(os, "geteuid"):
        return False
    owner = _owner_of(real) or _owner_of(os.path.dirname(real))
    return st.st_uid not in {os.geteuid(), 0, owner and owner[0]}


def _foreign_lock_error(path, real):
    return errors.CredentialsFileError(
        "Cannot lock {}: the lock file {} belongs to another user, and "
        "mfa-switch shares no lock with other users; remove it and try "
        "again.".format(real, path))


def _lock_error(path, real, exc):
    """The sentence for a lock file that cannot be opened."""
    try:
        st = os.lstat(path)
    except OSError:
        st = None
    if st is not None and stat.S_ISLNK(st.st_mode):
        return errors.CredentialsFileError(
            "Cannot lock {}: {} is a symbolic link, which mfa-switch never "
            "follows for a lock file; remove it and try again.".format(real, path)
        )
    if (st is not None and isinstance(exc, PermissionError)
            and hasattr(os, "geteuid") and st.st_uid != os.geteuid()):
        return errors.CredentialsFileError(
            "Cannot lock {}: the lock file {} belongs to another user (left by "
            "a run as root?) and cannot be opened; remove it and try "
            "again.".format(real, path)
        )
    return _file_error("lock", real, exc)


def _signature(st):
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _not_regular(real, mode):
    kind = next((name for test, name in _KINDS if test(mode)), "not a regular file")
    return errors.CredentialsFileError(
        "Cannot write {}: it is {}, not a regular file (botocore skips it "
        "unread); put a regular file in its place, or point the AWS CLI at "
        "another file.".format(real, kind)
    )


def read_file(real, *, skip_other=False):
    """``(bytes, stat)`` of the file, or ``(None, None)`` if it does not exist.

    Something other than a regular file in its place (a FIFO, a device, a
    folder) is never opened for reading: it reads as missing with
    ``skip_other``, as botocore reads it, and is an error otherwise, since
    the caller means to replace it.
    """
    try:
        mode = os.stat(real).st_mode
        if stat.S_ISREG(mode):
            # O_NONBLOCK: a FIFO swapped in since the stat must not hang us.
            fd = os.open(real, os.O_RDONLY | _OPEN_FLAGS)
            with open(fd, "rb") as handle:
                st = os.fstat(fd)
                if stat.S_ISREG(st.st_mode):
                    return handle.read(), st
                mode = st.st_mode
    except FileNotFoundError:
        return None, None
    except OSError as exc:
        raise _file_error("read", real, exc) from None
    if skip_other:
        return None, None
    raise _not_regular(real, mode)


def refuse_read_only(real, st=None):
    """Refuse a regular file whose owner may not write it (no ``u+w`` bit).

    A file made read-only (``chmod 0444``) is its owner's decision, which
    ``aws configure set`` honours too.  Decided by the mode bits, not by
    ``os.access``: root, who may write anything, is refused as well.
    ``st`` is the file's stat when the caller has it; a missing file is
    refused nothing (the write creates it).
    """
    if st is None:
        try:
            st = os.stat(real)
        except OSError:
            return  # missing, or the read says why
    if stat.S_ISREG(st.st_mode) and not st.st_mode & stat.S_IWUSR:
        raise errors.CredentialsFileError(
            "Cannot write {0}: it is read-only (mode {1:04o}), which "
            "mfa-switch takes as your decision and leaves it as it is; make "
            "it writable (chmod u+w {0}) if mfa-switch may change "
            "it.".format(real, stat.S_IMODE(st.st_mode)))


def refuse_other(real):
    try:
        mode = os.stat(real).st_mode
    except OSError:
        return  # missing, or the locked read says why
    if not stat.S_ISREG(mode):
        raise _not_regular(real, mode)


def _current_signature(real):
    try:
        return _signature(os.stat(real))
    except FileNotFoundError:
        return None


def _sweep_stale_temps(folder, prefix):
    # Temp files are only ever created under the lock, which we now hold:
    # any left over belong to a writer that was killed mid-write.
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if name.startswith(prefix) and name.endswith(_TEMP_SUFFIX):
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, name))


def _fsync_folder(folder):
    try:
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some filesystems cannot fsync a folder; the rename stands
    finally:
        os.close(fd)


def replace_atomically(real, data, old_stat):
    """Write ``data`` over ``real`` via a fsynced temp file and a rename.

    Returns False (writing nothing) if the file changed since it was read,
    so that the caller re-reads and does not lose that change.

    Kept by hand rather than taken from a library: it must keep the old
    file's owner and owner-only mode, sweep temp files a killed writer left,
    and refuse to rename over a file that changed since it was read, which
    the atomic-write packages do not do together.
    """
    folder = os.path.dirname(real)
    prefix = _temp_prefix(real)
    _sweep_stale_temps(folder, prefix)
    try:
        fd, temp = tempfile.mkstemp(prefix=prefix, suffix=_TEMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise _file_error("write a temporary file in", folder, exc) from None
    try:
        try:
            with open(fd, "wb", closefd=True) as handle:
                handle.write(data)
                handle.flush()
                if old_stat is None:
                    mode = 0o600
                    give_to_owner(handle.fileno(), folder)
                else:
                    # Keep the owner's bits; credentials are nobody else's.
                    mode = stat.S_IMODE(old_stat.st_mode) & 0o700
                    if (hasattr(os, "geteuid") and (old_stat.st_uid, old_stat.st_gid)
                            != (os.geteuid(), os.getegid())):
                        # e.g. root in a container writing a mounted ~/.aws:
                        # the file must stay its owner's.
                        with contextlib.suppress(OSError):
                            os.fchown(handle.fileno(), old_stat.st_uid, old_stat.st_gid)
                if hasattr(os, "fchmod"):  # Windows has modes only for read-only
                    os.fchmod(handle.fileno(), mode)
                # Last, so that content, mode and owner are all on disk
                # before the rename makes them the real file.
                os.fsync(handle.fileno())
            old_signature = None if old_stat is None else _signature(old_stat)
            if _current_signature(real) != old_signature:
                return False
            os.replace(temp, real)
        except OSError as exc:
            raise _file_error("write", real, exc) from None
        temp = None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)
    _fsync_folder(folder)
    return True
