"""Turns between processes, and the memory of spent codes (codes/turns.py, codes/spent.py).

A real second process holds the locks here; tests/test_many_callers.py
drives whole switches.
"""
import os
import subprocess
import sys
import textwrap
import time

import pytest

from awscli_mfa_plugin.codes.spent import SpentCodes
from awscli_mfa_plugin.codes.turns import Turns, device_key, private_folder
from awscli_mfa_plugin.errors import BusyError, Cancelled, ConfigError, Unanswered

DEVICE = "arn:aws:iam::123456789012:mfa/alice"

HOLDER = textwrap.dedent("""
    import sys, time
    from awscli_mfa_plugin.codes.turns import Turns
    turns = Turns(sys.argv[1], print)
    with turns.devices([sys.argv[2]], "switching 'dev'"):
        print("holding", flush=True)
        time.sleep(float(sys.argv[3]))
""")


class Holder:
    """Another process that holds a device's turn for ``seconds``."""

    def __init__(self, folder, seconds):
        self.process = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(folder), DEVICE, str(seconds)],
            stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline() == "holding\n"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def test_a_wait_ends_in_a_sentence_after_the_limit(tmp_path):
    said = []
    folder = tmp_path / "turns"
    with Holder(folder, 30) as holder:
        started = time.monotonic()
        with pytest.raises(BusyError) as error:
            with Turns(str(folder), said.append, limit=1).devices([DEVICE], "x"):
                pass
        took = time.monotonic() - started
    pid = holder.process.pid
    assert said == [
        f"Another mfa-switch (process {pid}, switching 'dev') is using the MFA "
        f"device {DEVICE}; waiting for it to finish (at most 1 s)."]
    assert str(error.value) == (
        f"Another mfa-switch (process {pid}, switching 'dev') has been using "
        f"the MFA device {DEVICE} for more than 1 s, so this one stopped "
        "waiting and changed nothing; answer or cancel its prompt, then try "
        "again.")
    assert error.value.exit_code == 255
    assert 0.9 < took < 10


def test_a_turn_comes_when_the_holder_is_done(tmp_path):
    said = []
    with Holder(tmp_path, 0.5):
        with Turns(str(tmp_path), said.append).devices([DEVICE], "x") as turn:
            assert turn.waited and not turn.cancelled
    assert len(said) == 1


def test_nobody_waits_for_a_holder_that_died(tmp_path):
    holder = Holder(tmp_path, 60)
    holder.process.kill()
    holder.process.wait()
    said = []
    with Turns(str(tmp_path), said.append).devices([DEVICE], "x") as turn:
        assert not turn.waited
    assert said == []


def test_a_cancelled_turn_is_told_to_those_who_waited(tmp_path):
    first = Turns(str(tmp_path), print, clock=lambda: 100.0)
    with pytest.raises(Cancelled):
        with first.devices([DEVICE], "switching 'dev'"):
            raise Cancelled()
    later = Turns(str(tmp_path), print)
    # Learned only by a run that waited from before the cancellation.
    name = "device-" + device_key(DEVICE)
    assert later._cancelled_since(name, DEVICE, 99.0) == (
        f"The prompt of another mfa-switch (process {os.getpid()}) for the "
        f"code of {DEVICE} was cancelled while this one waited for it; "
        "nothing was changed.")
    assert later._cancelled_since(name, DEVICE, 101.0) is None
    with later.devices([DEVICE], "x") as turn:
        assert turn.cancelled == {}
    with pytest.raises(Unanswered):
        with first.devices([DEVICE], "switching 'dev'"):
            raise Unanswered("nobody")
    assert "went unanswered while this one waited" in \
        later._cancelled_since(name, DEVICE, 99.0)


def test_the_folder_is_private_and_never_a_link(tmp_path):
    folder = tmp_path / "cli" / "mfa-switch"
    private_folder(str(folder))
    assert os.stat(folder).st_mode & 0o777 == 0o700
    os.chmod(folder, 0o755)
    private_folder(str(folder))
    assert os.stat(folder).st_mode & 0o777 == 0o700
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    link = tmp_path / "link"
    link.symlink_to(elsewhere)
    with pytest.raises(ConfigError, match="it is a symbolic link"):
        private_folder(str(link))


def test_a_lock_file_that_is_a_link_is_refused_not_followed(tmp_path):
    target = tmp_path / "precious"
    target.write_text("keep me\n")
    folder = tmp_path / "turns"
    private_folder(str(folder))
    os.symlink(target, folder / "person.lock")
    with pytest.raises(ConfigError, match="is a symbolic link, which mfa-switch "
                                          "does not follow"):
        with Turns(str(folder), print).person("x"):
            pass
    assert target.read_text() == "keep me\n"


# -- spent codes ---------------------------------------------------------------

class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


def test_a_spent_code_is_known_for_a_few_windows_and_only_for_its_device(tmp_path):
    clock = Clock(3000.0)
    spent = SpentCodes(str(tmp_path), clock)
    assert not spent.spent_this_window(DEVICE)
    spent.add(DEVICE, "123456")
    assert spent.was_spent(DEVICE, "123456")
    assert spent.spent_this_window(DEVICE)
    assert not spent.was_spent(DEVICE, "654321")
    assert not spent.was_spent(DEVICE + "2", "123456")
    clock.now += 30
    assert spent.was_spent(DEVICE, "123456")
    assert not spent.spent_this_window(DEVICE)
    clock.now += 30 * 5
    assert not spent.was_spent(DEVICE, "123456")


def test_spent_codes_are_kept_as_hashes_in_a_private_file(tmp_path):
    spent = SpentCodes(str(tmp_path), Clock(3000.0))
    spent.add(DEVICE, "123456")
    (path,) = tmp_path.iterdir()
    assert os.stat(path).st_mode & 0o777 == 0o600
    text = path.read_text()
    assert "123456" not in text and DEVICE not in text


def test_without_filelock_the_same_lock_is_taken(tmp_path, monkeypatch):
    # AWS CLI v2 cannot import filelock from an editable install's source
    # tree; the flock taken instead excludes filelock's, and the other way.
    monkeypatch.setitem(sys.modules, "filelock", None)
    with Holder(tmp_path, 30):
        with pytest.raises(BusyError):
            with Turns(str(tmp_path), print, limit=0.5).devices([DEVICE], "x"):
                pass
    with Turns(str(tmp_path), print).devices([DEVICE], "x") as turn:
        assert not turn.waited
        holder = subprocess.run(
            [sys.executable, "-c", HOLDER.replace("Turns(sys.argv[1], print)",
                                                  "Turns(sys.argv[1], print, limit=0.5)"),
             str(tmp_path), DEVICE, "0"], capture_output=True, text=True)
        assert holder.returncode != 0 and "BusyError" in holder.stderr
