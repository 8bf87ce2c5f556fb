"""Run a test's child process as an unprivileged user, where the machine allows it.

The tests run as root (in CI, in containers).  What a user without root
meets - a root-owned lock file in their own ``~/.aws`` - needs a child
process that is not root.  ``setpriv`` switches to the user id below and
keeps only ``CAP_DAC_READ_SEARCH``, so that the child can still read the
interpreter and this virtualenv (they may sit under root's 0700 home) but
can write nothing it does not own, exactly like that user.
"""
import functools
import os
import shutil
import subprocess
import sys

import pytest

#: A user id that owns nothing on the machine but what a test gives it.
UID = GID = 23456


@functools.lru_cache(maxsize=None)
def _prefix():
    """The command prefix that runs a program as :data:`UID`, or a reason why not."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "the tests do not run as root, so they cannot switch users"
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None, "setpriv (util-linux) is not installed"
    prefix = [setpriv, f"--reuid={UID}", f"--regid={GID}", "--clear-groups",
              "--inh-caps=+dac_read_search", "--ambient-caps=+dac_read_search"]
    probe = subprocess.run(
        [*prefix, sys.executable, "-c", "import os, awscli_mfa_plugin; print(os.geteuid())"],
        capture_output=True, text=True, timeout=60)
    if probe.returncode != 0 or probe.stdout.strip() != str(UID):
        return None, f"setpriv could not run Python as uid {UID}: {probe.stderr.strip()[-200:]}"
    return prefix, None


def prefix():
    """The prefix for ``subprocess`` argv; skips the test, saying why, if unavailable."""
    command, reason = _prefix()
    if command is None:
        pytest.skip(reason)
    return command


def give(*paths):
    """Hand ``paths`` (recursively) to the unprivileged user."""
    for path in paths:
        for root, folders, files in os.walk(path):
            os.chown(root, UID, GID)
            for name in folders + files:
                os.chown(os.path.join(root, name), UID, GID, follow_symlinks=False)
        os.chown(path, UID, GID, follow_symlinks=False)
