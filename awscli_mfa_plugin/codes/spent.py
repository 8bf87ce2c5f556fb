"""The codes already sent to STS, per MFA device: no code is sent twice.

STS accepts a one-time code once.  When a second exchange with the same
device comes within the same 30-second window (Terraform's second provider
on another profile, two scripts given the same ``--token-code``), the code
the device shows has been spent: the person is told to wait for the next
one, and a spent code typed or passed again is refused here, with a
sentence, instead of by STS.

What is kept is a hash of the device, the window and the code, never the
code itself, in one small file per device in the private folder of
:mod:`~awscli_mfa_plugin.codes.turns`, written while that device's turn is
held.  (The hash of a six-digit code can be reversed by trying them all;
it guards nothing but a code that is spent anyway.)
"""
import hashlib
import os
import re
import time

from awscli_mfa_plugin.codes.providers import CODE_PERIOD
from awscli_mfa_plugin.codes.turns import device_key, read_private, write_private
from awscli_mfa_plugin.errors import ConfigError

#: Windows a spent code is remembered for: STS takes a code a little
#: before and after its own window, and a person may type an old one.
REMEMBERED = 4

_DIGEST = re.compile(r"[0-9a-f]{64}")


class SpentCodes:
    """The spent codes of each device, in ``folder``."""

    def __init__(self, folder, clock=time.time):
        self._folder = folder
        self._clock = clock

    @property
    def folder(self):
        """The folder the spent codes are kept in."""
        return self._folder

    def was_spent(self, device, code):
        """True when ``code`` was sent for ``device`` in the last few windows."""
        now = self._window()
        digests = {_digest(device, window, code)
                   for window in range(now - REMEMBERED, now + 2)}
        return any(digest in digests for _, digest in self._entries(device))

    def spent_this_window(self, device):
        """True when a code of ``device`` was sent in the current window.

        The device then still shows a code that STS will refuse.
        """
        now = self._window()
        return any(window == now for window, _ in self._entries(device))

    def add(self, device, code):
        """Remember that ``code`` was sent for ``device`` now.

        Raises ``OSError`` when the folder cannot take the file.
        """
        now = self._window()
        try:
            entries = self._entries(device)
        except ConfigError:
            entries = []  # not a file of ours: the write replaces it
        entries.append((now, _digest(device, now, code)))
        write_private(self._path(device), "".join(
            f"{window} {digest}\n" for window, digest in entries))

    def _entries(self, device):
        """The entries of the windows :meth:`was_spent` looks at, no others.

        A window after the next one was written by a clock that ran ahead:
        no code of it can be typed now, and it is dropped, so the file stays
        a few lines long.
        """
        now = self._window()
        entries = []
        for line in read_private(self._path(device)).splitlines():
            window, _, digest = line.partition(" ")
            if window.isdigit() and now - REMEMBERED <= int(window) <= now + 1 \
                    and _DIGEST.fullmatch(digest):
                entries.append((int(window), digest))
        return entries

    def _window(self):
        return int(self._clock() // CODE_PERIOD)

    def _path(self, device):
        return os.path.join(self._folder, "spent-" + device_key(device))


def _digest(device, window, code):
    return hashlib.sha256(
        f"{device}\n{window}\n{code}".encode("utf-8")).hexdigest()
