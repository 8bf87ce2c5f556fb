"""files/atomic.py under files/inifile.py: atomic writes, modes, symlinks, locks, kills and each platform's lock.

Split from tests/files/test_inifile.py, which keeps the lossless edits.
"""
import contextlib
import os
import random
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from botocore.configloader import raw_config_parse

from awscli_mfa_plugin import errors
from awscli_mfa_plugin.files import atomic
from awscli_mfa_plugin.files import inifile
from tests import asuser
from tests.files import new_credentials

REPO_ROOT = Path(__file__).resolve().parent.parent.parent



def botocore_reads(path):
    """The file as botocore's credential provider reads it."""
    return raw_config_parse(str(path))


# --------------------------------------------------------------------------
# Files: atomic writes, modes, symlinks, temp files
# --------------------------------------------------------------------------


@contextlib.contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


class TestFilesystem:
    @pytest.mark.parametrize("mask", [0o000, 0o022, 0o077])
    def test_new_file_is_0600_and_new_folder_0700(self, tmp_path, mask):
        """Whatever the umask, a new credentials file is 0600 in a 0700 folder."""
        path = tmp_path / "home" / ".aws" / "credentials"
        with umask(mask):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert stat.S_IMODE((path.parent.parent).stat().st_mode) == 0o700
        seen = []
        with umask(mask):  # the lock file, looked at while it is held
            inifile.update_section(
                path, "plugins", {"x": "y"},
                check=lambda sections: seen.append(
                    os.lstat(inifile.lock_path(str(path))).st_mode))
        assert stat.S_ISREG(seen[0]) and stat.S_IMODE(seen[0]) == 0o600
        assert sorted(os.listdir(path.parent)) == ["credentials"]

    @pytest.mark.parametrize("before,after", [(0o644, 0o600), (0o640, 0o600), (0o666, 0o600), (0o700, 0o700)])
    def test_existing_mode_loses_group_and_other_bits(self, tmp_path, before, after):
        """An existing file keeps its owner bits and is never left readable by others."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\nregion = x\n")
        path.chmod(before)
        inifile.store_credentials(path, {"dev": new_credentials()})
        assert stat.S_IMODE(path.stat().st_mode) == after

    @pytest.mark.parametrize("mode", [0o400, 0o444, 0o500, 0o044])
    def test_a_file_without_the_owner_write_bit_is_never_written(self, tmp_path, mode):
        """Read-only is the owner's decision, refused by the mode bits (root too)."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\nregion = x\n")
        path.chmod(mode)
        for write in (lambda: inifile.store_credentials(path, {"dev": new_credentials()}),
                      lambda: inifile.check_credentials_targets(path, ["dev"]),
                      lambda: inifile.check_writable(path)):
            with pytest.raises(errors.CredentialsFileError, match=f"read-only \\(mode {mode:04o}\\)"):
                write()
        assert path.read_bytes() == b"[default]\nregion = x\n"
        assert stat.S_IMODE(path.stat().st_mode) == mode
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    @pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own a file for someone else")
    def test_owner_is_kept_when_root_writes(self, tmp_path):
        """Root (say, in a container mounting ~/.aws) leaves the file its owner's."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        os.chown(path, 12345, 23456)
        inifile.store_credentials(path, {"dev": new_credentials()})
        st_ = path.stat()
        assert (st_.st_uid, st_.st_gid) == (12345, 23456)

    def test_symlink_is_followed_and_kept(self, tmp_path):
        """A dotfiles symlink stays a symlink; its target is updated, and the lock
        and temp files live next to the target."""
        dotfiles = tmp_path / "dotfiles" / "aws"
        dotfiles.mkdir(parents=True)
        real = dotfiles / "credentials"
        real.write_bytes(b"[default]\nregion = x\n")
        real.chmod(0o600)
        aws = tmp_path / "home" / ".aws"
        aws.mkdir(parents=True)
        link = aws / "credentials"
        link.symlink_to(os.path.relpath(real, aws))
        inifile.store_credentials(link, {"dev": new_credentials("sym")})
        assert link.is_symlink() and os.readlink(link) == os.path.relpath(real, aws)
        assert botocore_reads(real)["dev"]["aws_session_token"] == "token-sym"
        assert sorted(os.listdir(aws)) == ["credentials"]
        assert sorted(os.listdir(dotfiles)) == ["credentials"]

    def test_symlink_chain_and_dangling_link(self, tmp_path):
        """A chain of links is followed to the end; a dangling link gets its target created."""
        real = tmp_path / "store" / "credentials"
        middle = tmp_path / "middle"
        link = tmp_path / "credentials"
        middle.symlink_to(real)
        link.symlink_to(middle)
        inifile.store_credentials(link, {"dev": new_credentials("chain")})
        assert link.is_symlink() and middle.is_symlink()
        assert stat.S_IMODE(real.stat().st_mode) == 0o600
        assert stat.S_IMODE(real.parent.stat().st_mode) == 0o700
        assert botocore_reads(real)["dev"]["aws_session_token"] == "token-chain"

    def test_something_else_in_the_files_place(self, tmp_path):
        """A FIFO where the file should be is refused at once, not waited on."""
        path = tmp_path / "credentials"
        os.mkfifo(path)
        with pytest.raises(errors.CredentialsFileError, match="not a regular file"):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert stat.S_ISFIFO(os.lstat(path).st_mode)

    def test_no_temp_files_after_success(self, tmp_path):
        """A normal write leaves only the file: no temp file, no lock file."""
        path = tmp_path / "credentials"
        for i in range(3):
            inifile.store_credentials(path, {"dev": new_credentials(str(i))})
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    @pytest.mark.parametrize("failure", ["fsync", "replace", "interrupt"])
    def test_failure_mid_write_leaves_file_and_no_temp(self, tmp_path, monkeypatch, failure):
        """An error (or Ctrl-C) while writing: the old file is intact and the temp file gone."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\nregion = x\n")

        def broken(*args, **kwargs):
            if failure == "interrupt":
                raise KeyboardInterrupt()
            raise OSError(28, "No space left on device")

        monkeypatch.setattr(os, "fsync" if failure == "fsync" else "replace", broken)
        expected = KeyboardInterrupt if failure == "interrupt" else errors.CredentialsFileError
        with pytest.raises(expected):
            inifile.store_credentials(path, {"dev": new_credentials()})
        monkeypatch.undo()
        assert path.read_bytes() == b"[default]\nregion = x\n"
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    def test_stale_temp_files_are_swept(self, tmp_path):
        """A temp file left by a killed writer is removed by the next write; other files stay."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        (tmp_path / ".credentials.mfa-switch-abc123.tmp").write_bytes(b"partial")
        (tmp_path / ".credentials.other.tmp").write_bytes(b"not ours")
        inifile.store_credentials(path, {"dev": new_credentials()})
        assert sorted(os.listdir(tmp_path)) == [".credentials.other.tmp", "credentials"]


# --------------------------------------------------------------------------
# Concurrency, locks and kills: separate processes
# --------------------------------------------------------------------------

_WRITER = r"""
import os, sys, time
from awscli_mfa_plugin.files import atomic
from awscli_mfa_plugin.files import inidoc, inifile
path, name, go, rounds = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
while not os.path.exists(go):
    time.sleep(0.001)
for i in range(rounds):
    inifile.store_credentials(path, {name: {
        "aws_access_key_id": "ASIA" + name.upper().replace("-", ""),
        "aws_secret_access_key": "secret-%s-%d" % (name, i),
        "aws_session_token": "token-%s-%d" % (name, i),
    }})
"""


def run_python(code, *args, **kwargs):
    return subprocess.Popen(
        [sys.executable, "-c", code, *[str(a) for a in args]], cwd=REPO_ROOT, **kwargs
    )


class TestConcurrency:
    def test_sixteen_processes_all_land(self, tmp_path):
        """16 processes writing different sections at once: all 16 are there with
        their last values, the long-term section is intact, the file parses."""
        path = tmp_path / "credentials"
        original = b"# team file\n[default]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = lt\n"
        path.write_bytes(original)
        go = tmp_path / "go"
        rounds = 3
        writers = [run_python(_WRITER, path, "p-%02d" % i, go, rounds) for i in range(16)]
        time.sleep(0.3)  # let them start and wait at the line
        go.touch()
        for writer in writers:
            assert writer.wait(timeout=60) == 0
        view = botocore_reads(path)
        assert view["default"] == {"aws_access_key_id": "AKIAEXAMPLE", "aws_secret_access_key": "lt"}
        for i in range(16):
            name = "p-%02d" % i
            assert view[name]["aws_session_token"] == "token-%s-%d" % (name, rounds - 1)
        assert path.read_bytes().startswith(original)
        assert sorted(os.listdir(tmp_path)) == ["credentials", "go"]

    def test_threads_in_one_process_are_serialized_too(self, tmp_path):
        """flock locks belong to each open of the lock file, so threads of one
        process exclude each other as well: all their sections land."""
        path = tmp_path / "credentials"
        threads = [
            threading.Thread(
                target=inifile.store_credentials, args=(path, {"t%d" % i: new_credentials("t%d" % i)})
            )
            for i in range(8)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        view = botocore_reads(path)
        assert sorted(view) == ["t%d" % i for i in range(8)]

    def test_lock_timeout_is_a_clear_error(self, tmp_path, monkeypatch):
        """A lock held elsewhere: after the timeout, a sentence naming the lock, file untouched."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        lock = inifile.lock_path(str(path))
        holder = run_python(
            "import fcntl, os, sys, time\n"
            "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
            "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(60)\n",
            lock,
            stdout=subprocess.PIPE,
        )
        try:
            assert holder.stdout.readline() == b"locked\n"
            monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 0.3)
            started = time.monotonic()
            with pytest.raises(errors.CredentialsFileError) as caught:
                inifile.store_credentials(path, {"dev": new_credentials()})
            assert 0.3 <= time.monotonic() - started < 5
            assert lock in str(caught.value) and "0.3 seconds" in str(caught.value)
            assert path.read_bytes() == b"[default]\n"
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        # The holder died holding the lock: its lock file no longer blocks,
        # and the next writer removes it.
        monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 5)
        started = time.monotonic()
        inifile.store_credentials(path, {"dev": new_credentials("after")})
        assert time.monotonic() - started < 1
        assert botocore_reads(path)["dev"]["aws_session_token"] == "token-after"
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    def test_the_default_wait_stays_under_a_minute(self):
        assert 0 < inifile.LOCK_TIMEOUT < 60

    def test_a_failing_lock_is_a_sentence_not_a_traceback(self, tmp_path, monkeypatch):
        """Where flock fails (a filesystem without locks), writing stops with a sentence."""
        import errno
        import fcntl

        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")

        def no_locks(fd, operation):
            raise OSError(errno.ENOLCK, "No locks available")

        monkeypatch.setattr(fcntl, "flock", no_locks)
        with pytest.raises(errors.CredentialsFileError, match="Cannot lock .*No locks available"):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert path.read_bytes() == b"[default]\n"

    def test_no_lock_at_all_is_a_sentence_not_a_traceback(self, tmp_path, monkeypatch):
        """Where neither flock nor msvcrt exists, writing stops with a CredentialsFileError."""
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        monkeypatch.setattr(atomic, "_LOCK", None)
        with pytest.raises(errors.CredentialsFileError, match="cannot lock"):
            inifile.store_credentials(path, {"dev": new_credentials()})
        assert path.read_bytes() == b"[default]\n"

    def test_leftover_lock_file_does_not_block(self, tmp_path, monkeypatch):
        """A lock file left behind (nobody holding it) is reused, then removed."""
        path = tmp_path / "credentials"
        Path(inifile.lock_path(str(path))).write_bytes(b"")
        monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 0.5)
        inifile.store_credentials(path, {"dev": new_credentials()})
        assert botocore_reads(path)["dev"]["managed_by"] == "mfa-switch"
        assert sorted(os.listdir(tmp_path)) == ["credentials"]

    def test_an_old_versions_lock_file_is_not_used(self, tmp_path, monkeypatch):
        """credentials.lock, which earlier versions left (root-owned after a run
        as root), no longer takes part: even held, it blocks nobody."""
        import fcntl

        path = tmp_path / "credentials"
        old = tmp_path / "credentials.lock"
        fd = os.open(old, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 0.5)
            inifile.store_credentials(path, {"dev": new_credentials()})
        finally:
            os.close(fd)
        assert sorted(os.listdir(tmp_path)) == ["credentials", "credentials.lock"]

    def test_sigkill_leaves_old_or_new_file(self, tmp_path):
        """A writer of a multi-megabyte file SIGKILLed at random moments - half of
        them while it is writing - leaves exactly the old or the new content,
        never a mix; the next write sweeps any temp file left behind."""
        seed = random.randrange(1 << 30)
        rng = random.Random(seed)
        padding = "# " + "x" * 10000 + "\n"
        old = "".join(
            "[profile-%03d]\nregion = eu-west-1\n%s\n" % (i, padding) for i in range(300)
        ).encode()
        old += b"[target]\nmanaged_by = mfa-switch\naws_session_token = old\n"
        reference = tmp_path / "reference" / "credentials"
        reference.parent.mkdir()
        reference.write_bytes(old)
        inifile.store_credentials(reference, {"target": new_credentials("kill")})
        new = reference.read_bytes()
        assert new != old and len(new) > 3_000_000

        folder = tmp_path / "victim"
        folder.mkdir()
        path = folder / "credentials"
        child = _SLOW_DISK + (
            "creds = %r\nprint('ready', flush=True)\nsys.stdin.readline()\n"
            "inifile.store_credentials(sys.argv[1], {'target': creds})\n"
            "print('done', flush=True)\n" % new_credentials("kill")
        )

        def start():
            path.write_bytes(old)
            proc = run_python(child, path, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
            assert proc.stdout.readline() == b"ready\n"
            proc.stdin.write(b"go\n")
            proc.stdin.flush()
            return proc

        def finish(proc):
            proc.wait()
            proc.stdin.close()
            proc.stdout.close()

        proc = start()  # one uninterrupted run, to learn how long each phase takes
        started = time.monotonic()
        assert proc.stdout.readline() == b"writing\n"
        writing = time.monotonic()
        assert proc.stdout.readline() == b"done\n"
        done = time.monotonic()
        finish(proc)
        assert path.read_bytes() == new

        for attempt in range(6):
            proc = start()
            if attempt % 2:
                assert proc.stdout.readline() == b"writing\n"
                time.sleep(rng.uniform(0, (done - writing) * 1.1))
            else:
                time.sleep(rng.uniform(0, (done - started) * 1.1))
            proc.send_signal(signal.SIGKILL)
            finish(proc)
            data = path.read_bytes()
            assert data in (old, new), "partial file after SIGKILL (seed %d)" % seed
        assert botocore_reads(path)["target"]["managed_by"] == "mfa-switch"
        inifile.store_credentials(path, {"target": new_credentials("after")})
        assert sorted(os.listdir(folder)) == ["credentials"]

    def test_readers_never_see_a_partial_file(self, tmp_path):
        """While another process rewrites the file again and again on a slow disk,
        every read (as `aws` would do meanwhile) sees one complete version."""
        path = tmp_path / "credentials"
        base = "".join("[p%03d]\n# %s\n" % (i, "y" * 4000) for i in range(100))
        path.write_bytes(base.encode())
        child = _SLOW_DISK + (
            "for i in range(12):\n"
            "    inifile.store_credentials(sys.argv[1], {'target': {'aws_session_token': 't%d' % i}})\n"
        )
        writer = run_python(child, path, stdout=subprocess.DEVNULL)
        reads = 0
        try:
            while writer.poll() is None:
                data = path.read_bytes()
                assert data.startswith(base.encode()) and data.endswith(b"\n"), "partial read"
                reads += 1
        finally:
            writer.wait()
        assert writer.returncode == 0 and reads > 10
        assert botocore_reads(path)["target"]["aws_session_token"] == "t11"


# A child-process prelude that makes every file write slow (64 KiB chunks,
# each flushed, with a pause) and says "writing" when the first one starts,
# so that kills and reads land inside the write window, not only around it.
class TestLockFile:
    """The lock file: never followed if a link, never left to block its owner."""

    def dangling_link(self, tmp_path):
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        target = tmp_path / "elsewhere" / "planted"
        target.parent.mkdir()
        os.symlink(target, inifile.lock_path(str(path)))
        return path, target

    def test_a_dangling_symlink_is_refused_and_its_target_never_made(self, tmp_path):
        path, target = self.dangling_link(tmp_path)
        for attempt in (
            lambda: inifile.check_credentials_targets(path, ["dev"]),
            lambda: inifile.store_credentials(path, {"dev": new_credentials()}),
        ):
            with pytest.raises(errors.CredentialsFileError, match="is a symbolic link"):
                attempt()
        assert not os.path.lexists(target)
        assert path.read_bytes() == b"[default]\n"
        assert os.path.islink(inifile.lock_path(str(path)))

    def test_a_symlink_to_a_file_leaves_that_file_alone(self, tmp_path):
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        victim = tmp_path / "victim"
        victim.write_bytes(b"precious")
        victim.chmod(0o644)
        os.symlink(victim, inifile.lock_path(str(path)))
        with pytest.raises(errors.CredentialsFileError, match="is a symbolic link"):
            inifile.update_section(path, "plugins", {"a": "b"})
        assert victim.read_bytes() == b"precious"
        assert stat.S_IMODE(victim.stat().st_mode) == 0o644

    def test_a_lock_file_unlinked_under_a_waiter_is_not_trusted(self, tmp_path, monkeypatch):
        """A waiter that opened the lock file just before its holder removed it
        gets the flock on a file nobody else will look at: it must lock the
        file now at the path instead, or two writers would overlap."""
        import fcntl

        real = str(tmp_path / "credentials")
        path = inifile.lock_path(real)
        locked = []
        original = fcntl.flock

        def flock(fd, operation):
            if not locked:
                os.unlink(path)  # the holder's release, between open and flock
            locked.append(fd)
            return original(fd, operation)

        monkeypatch.setattr(fcntl, "flock", flock)
        with atomic.locked(real):
            assert len(locked) == 2
            assert os.path.samestat(os.lstat(path), os.fstat(locked[-1]))
        assert not os.path.lexists(path)

    def test_a_root_owned_leftover_is_a_sentence_for_the_user(self, tmp_path):
        """A lock file the user cannot open (root's, 0600): one sentence, at
        once, before anything else - never a wait of LOCK_TIMEOUT."""
        prefix = asuser.prefix()
        home = tmp_path / "home"
        home.mkdir()
        path = home / "credentials"
        path.write_bytes(b"[default]\nregion = x\n")
        asuser.give(home)
        lock = inifile.lock_path(str(path))
        Path(lock).write_bytes(b"")
        os.chmod(lock, 0o600)  # root's, as root left it
        code = (
            "import sys, time\n"
            "from awscli_mfa_plugin import errors\nfrom awscli_mfa_plugin.files import inifile\n"
            "for call in (lambda: inifile.check_credentials_targets(sys.argv[1], ['dev']),\n"
            "             lambda: inifile.store_credentials(sys.argv[1], {'dev': {'x': 'y'}})):\n"
            "    started = time.monotonic()\n"
            "    try:\n"
            "        call()\n"
            "    except errors.CredentialsFileError as error:\n"
            "        print(round(time.monotonic() - started, 3), error)\n"
        )
        result = subprocess.run([*prefix, sys.executable, "-c", code, str(path)],
                                capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
        lines = result.stdout.splitlines()
        assert result.returncode == 0 and len(lines) == 2, result.stderr
        for line in lines:
            seconds, sentence = line.split(" ", 1)
            assert float(seconds) < 1
            assert sentence == (
                "Cannot lock {}: the lock file {} belongs to another user (left by a "
                "run as root?) and cannot be opened; remove it and try again.".format(path, lock))
        assert path.read_bytes() == b"[default]\nregion = x\n"

    def test_a_lock_left_by_a_killed_root_run_is_the_users(self, tmp_path):
        """Root writing a user's file hands the lock file to that user at once:
        even when killed while holding it, the user's next write just works."""
        prefix = asuser.prefix()
        home = tmp_path / "home"
        home.mkdir()
        path = home / "credentials"
        path.write_bytes(b"[default]\nregion = x\n")
        asuser.give(home)
        holder = run_python(
            "import sys, time\nfrom awscli_mfa_plugin.files import atomic\n"
            "with atomic.locked(sys.argv[1]):\n"
            "    print('locked', flush=True)\n    time.sleep(60)\n",
            path, stdout=subprocess.PIPE)
        try:
            assert holder.stdout.readline() == b"locked\n"
        finally:
            holder.kill()
            holder.wait()
            holder.stdout.close()
        lock = Path(inifile.lock_path(str(path)))
        assert (lock.stat().st_uid, lock.stat().st_gid) == (asuser.UID, asuser.GID)
        code = ("import sys\nfrom awscli_mfa_plugin.files import inifile\n"
                "inifile.store_credentials(sys.argv[1], {'dev': {'aws_session_token': 't'}})\n")
        result = subprocess.run([*prefix, sys.executable, "-c", code, str(path)],
                                capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
        assert result.returncode == 0, result.stderr
        assert botocore_reads(path)["dev"]["aws_session_token"] == "t"
        assert sorted(os.listdir(home)) == ["credentials"]
        assert path.stat().st_uid == asuser.UID

    @pytest.mark.skipif(os.geteuid() != 0, reason="needs root to write for another user")
    def test_root_creates_nothing_the_owner_cannot_use(self, tmp_path):
        """New folders and files made by root in a user's folder are that user's."""
        home = tmp_path / "home"
        home.mkdir()
        os.chown(home, 34567, 45678)
        path = home / ".aws" / "credentials"
        inifile.store_credentials(path, {"dev": new_credentials()})
        for made in (path.parent, path):
            assert (made.stat().st_uid, made.stat().st_gid) == (34567, 45678)
        assert sorted(os.listdir(path.parent)) == ["credentials"]


_SLOW_DISK = r"""
import builtins, sys, time
from awscli_mfa_plugin.files import atomic
from awscli_mfa_plugin.files import inidoc, inifile

_real_open = builtins.open


_announced = []


class _SlowFile:
    def __init__(self, handle):
        self._handle = handle

    def write(self, data):
        if not _announced:
            _announced.append(True)
            print("writing", flush=True)
        view = memoryview(data)
        for i in range(0, len(view), 1 << 16):
            self._handle.write(view[i:i + (1 << 16)])
            self._handle.flush()
            time.sleep(0.001)
        return len(view)

    def __getattr__(self, name):
        return getattr(self._handle, name)

    def __enter__(self):
        self._handle.__enter__()
        return self

    def __exit__(self, *exc):
        return self._handle.__exit__(*exc)


def _slow_open(file, mode="r", *args, **kwargs):
    handle = _real_open(file, mode, *args, **kwargs)
    return _SlowFile(handle) if "w" in mode or "a" in mode else handle


builtins.open = _slow_open
"""


class FakeMsvcrt:
    """``msvcrt.locking`` as Windows documents it, played by ``flock`` here.

    ``LK_NBLCK`` raises ``OSError(EACCES)`` when another handle holds the
    lock; ``LK_UNLCK`` drops it.  Every call is recorded.
    """

    LK_UNLCK, LK_NBLCK = 0, 2

    def __init__(self, fail=None):
        self.calls = []
        self.fail = fail

    def locking(self, fd, mode, nbytes):
        import errno
        import fcntl

        self.calls.append((mode, nbytes, os.lseek(fd, 0, os.SEEK_CUR)))
        if self.fail is not None:
            raise self.fail
        if mode == self.LK_UNLCK:
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise OSError(errno.EACCES, "Permission denied") from None


class TestLockOnEachPlatform:
    """The lock is chosen by platform: flock on POSIX, msvcrt.locking on Windows."""

    @pytest.mark.parametrize("platform", ["linux", "darwin", "freebsd13"])
    def test_posix_systems_use_flock(self, platform):
        import fcntl

        method = atomic.lock_method(platform)
        assert isinstance(method, atomic._Flock)
        assert method.fcntl is fcntl and method.unlink_while_held

    def test_windows_uses_msvcrt_locking_on_the_first_byte(self, tmp_path, monkeypatch):
        fake = FakeMsvcrt()
        monkeypatch.setitem(sys.modules, "msvcrt", fake)
        method = atomic.lock_method("win32")
        assert isinstance(method, atomic._MsvcrtLock)
        assert not method.unlink_while_held  # Windows cannot remove an open file
        first = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT)
        second = os.open(tmp_path / "lock", os.O_RDWR)
        try:
            os.write(first, b"x")  # the position moves; the lock must not
            assert method.take(first) is True
            assert method.take(second) is False
            method.release(first)
            assert method.take(second) is True
        finally:
            os.close(first)
            os.close(second)
        assert fake.calls[:2] == [(fake.LK_NBLCK, 1, 0), (fake.LK_NBLCK, 1, 0)]
        assert (fake.LK_UNLCK, 1, 0) in fake.calls

    def test_a_windows_lock_failure_other_than_busy_is_raised(self, tmp_path, monkeypatch):
        import errno

        monkeypatch.setitem(sys.modules, "msvcrt",
                            FakeMsvcrt(fail=OSError(errno.ENOLCK, "No locks available")))
        method = atomic.lock_method("win32")
        fd = os.open(tmp_path / "lock", os.O_RDWR | os.O_CREAT)
        try:
            with pytest.raises(OSError, match="No locks"):
                method.take(fd)
        finally:
            os.close(fd)

    def test_no_lock_module_means_no_method(self, monkeypatch):
        monkeypatch.setitem(sys.modules, "msvcrt", None)  # import fails
        assert atomic.lock_method("win32") is None
        monkeypatch.setitem(sys.modules, "fcntl", None)
        assert atomic.lock_method("linux") is None

    @pytest.fixture
    def windows(self, monkeypatch):
        """This process as Windows looks to the editor: msvcrt, and no
        O_NOFOLLOW, O_CLOEXEC, O_NONBLOCK, fchmod, geteuid."""
        fake = FakeMsvcrt()
        monkeypatch.setitem(sys.modules, "msvcrt", fake)
        monkeypatch.setattr(atomic, "_LOCK", atomic.lock_method("win32"))
        monkeypatch.setattr(atomic, "_OPEN_FLAGS", 0)
        monkeypatch.setattr(atomic, "_NOFOLLOW", 0)
        for name in ("O_NOFOLLOW", "O_CLOEXEC", "O_NONBLOCK", "fchmod", "geteuid"):
            monkeypatch.delattr(os, name)
        return fake

    def test_a_write_as_on_windows_lands_and_leaves_no_lock_file(self, tmp_path, windows):
        path = tmp_path / "credentials"
        path.write_bytes(b"# mine\r\n[default]\r\nregion = eu-west-1\r\n")
        inifile.store_credentials(path, {"dev": new_credentials()})
        inifile.store_credentials(path, {"dev": new_credentials("again")})
        assert path.read_bytes().startswith(b"# mine\r\n[default]\r\nregion = eu-west-1\r\n")
        assert botocore_reads(path)["dev"]["aws_session_token"] == "token-again"
        assert sorted(os.listdir(tmp_path)) == ["credentials"]
        assert [mode for mode, _, _ in windows.calls].count(windows.LK_NBLCK) == 2

    def test_a_held_lock_as_on_windows_ends_in_the_sentence(self, tmp_path, windows, monkeypatch):
        path = tmp_path / "credentials"
        path.write_bytes(b"[default]\n")
        holder = os.open(inifile.lock_path(str(path)), os.O_RDWR | os.O_CREAT)
        try:
            assert atomic._LOCK.take(holder)
            monkeypatch.setattr(atomic, "LOCK_TIMEOUT", 0.3)
            with pytest.raises(errors.CredentialsFileError, match="has held the lock"):
                inifile.store_credentials(path, {"dev": new_credentials()})
        finally:
            os.close(holder)
        assert path.read_bytes() == b"[default]\n"

    def test_a_symlinked_lock_file_without_nofollow_is_refused(self, tmp_path, windows):
        real = str(tmp_path / "credentials")
        os.symlink(tmp_path / "elsewhere", inifile.lock_path(real))
        with pytest.raises(errors.CredentialsFileError, match="symbolic link"):
            with atomic.locked(real):
                pass
