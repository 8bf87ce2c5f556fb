"""Codes from a YubiKey's OATH applet, read with Yubico's ``ykman``.

``--prompt ykman`` or ``mfa_prompt = ykman`` choose it, as aws-vault's
ykman prompt does.  The code of the OATH account ``mfa_ykman_account`` is
read with ``ykman oath accounts code --single ACCOUNT``; without that key
the account is found in ``ykman oath accounts list`` from the MFA
device's ARN: an account named the ARN itself, or AWS's own label
``Amazon Web Services:<device name>@<account ID>``.

``ykman`` is run as an argument list (never through a shell), with no
standard input - so it can never wait at a password prompt of its own -
and its standard error read as it comes: ``Touch your YubiKey...`` is
passed on as a sentence naming the device, its ``Error:`` lines become
one sentence each.  A run that does not end within :data:`LIMIT` seconds
(a touch that never comes) is stopped.

A YubiKey gives the code of the current 30-second window on demand.  When
that code was already sent to STS (:mod:`~awscli_mfa_plugin.codes.spent`),
the source says so and waits for the next window instead of sending it
again.  Standard library only, loaded only by a run that uses it.
"""
import os
import re
import shutil
import subprocess
import threading
import time

from awscli_mfa_plugin.codes.providers import normalize_code, seconds_left
from awscli_mfa_plugin.errors import CodeProcessError, Unanswered, UsageError

#: The choice of ``--prompt`` / ``mfa_prompt``, and the program run.
CHOICE = PROGRAM = "ykman"

#: Seconds ``ykman`` may take: a YubiKey waits about 15 s for a touch
#: before ykman says it timed out; this bounds a ykman that hangs.
LIMIT = 30

#: What ykman writes on stderr while the key waits for a touch.
_TOUCH = "Touch your YubiKey"
#: The label AWS gives a virtual MFA device in its QR code.
_AWS_ISSUER = "Amazon Web Services"
_ARN = re.compile(r"arn:[a-z-]+:iam::(?P<account>[0-9]{12}):mfa/(?:.*/)?(?P<name>[^/]+)")


def origin_of(account):
    """How sentences name the source: ``the YubiKey account 'X' (ykman)``."""
    return f"the YubiKey account {account!r} (ykman)"


class YkmanSource:
    """Gives the code of a YubiKey's OATH account for a device: ``source(device)``.

    ``environ`` is the run's environment (ykman's PATH and settings);
    ``say(line)`` tells the person on stderr; ``account`` is
    ``mfa_ykman_account`` (``None``: found from the device's ARN);
    ``spent`` a :class:`~awscli_mfa_plugin.codes.spent.SpentCodes` or
    ``None``.  ``clock`` and ``sleep`` are the spent codes' clock and how
    to wait for the next window; ``limit`` bounds each ykman run.
    """

    def __init__(self, environ, say, account=None, spent=None, limit=LIMIT,
                 clock=time.time, sleep=time.sleep, which=shutil.which):
        self._environ = environ
        self._say = say
        self._account = account
        self._spent = spent
        self._limit = limit
        self._clock = clock
        self._sleep = sleep
        self._which = which
        self.origin = origin_of(account) if account else "the YubiKey (ykman)"

    def check(self):
        """The path of ``ykman``; :class:`UsageError` when it is not installed."""
        found = self._which(PROGRAM, path=self._environ.get("PATH", os.defpath))
        if not found:
            raise UsageError(
                "mfa_prompt or --prompt asks for ykman, which is not installed "
                "(not on PATH); install YubiKey Manager (ykman), or choose "
                "another way to give the code.")
        return found

    def __call__(self, device):
        """The six-digit code for ``device``, never one already sent to STS."""
        program = self.check()
        account = self._account or self._find_account(program, device)
        self.origin = origin_of(account)
        if self._spent is not None and self._spent.spent_this_window(device):
            self._wait_for_next_window(device)
        code = self._code(program, account, device)
        if self._spent is not None and self._spent.was_spent(device, code):
            # Another run sent this window's code between the look and the read.
            self._wait_for_next_window(device)
            code = self._code(program, account, device)
        return code

    def _wait_for_next_window(self, device):
        left = seconds_left(self._clock())
        self._say(f"The code the YubiKey gives now for {device} was already "
                  "used (STS accepts each code once); waiting "
                  f"{left} s for the next one.")
        self._sleep(left)

    def _code(self, program, account, device):
        out, errors = self._run(
            [program, "oath", "accounts", "code", "--single", account], device)
        code = normalize_code(out.strip())
        if code is None:
            raise CodeProcessError(
                f"ykman gave no six-digit code for the YubiKey account "
                f"{account!r}; AWS takes six-digit TOTP codes, so the account "
                "must be one made from AWS's QR code.")
        return code

    def _find_account(self, program, device):
        out, _ = self._run([program, "oath", "accounts", "list"], device)
        names = [line.strip() for line in out.splitlines() if line.strip()]
        found = accounts_for(device, names)
        if len(found) == 1:
            return found[0]
        if not found:
            raise CodeProcessError(
                f"No OATH account on the YubiKey is named for {device}; set "
                "mfa_ykman_account to its name as 'ykman oath accounts list' "
                "shows it.")
        raise CodeProcessError(
            f"Several OATH accounts on the YubiKey match {device} ("
            + ", ".join(repr(name) for name in found)
            + "); set mfa_ykman_account to the one to use.")

    def _run(self, argv, device):
        """``(stdout, stderr lines)`` of a ykman run that succeeded."""
        try:
            process = subprocess.Popen(
                argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, env=dict(self._environ))
        except OSError as error:
            raise CodeProcessError(
                f"ykman ({argv[0]}) cannot be run "
                f"({error.strerror or error}); reinstall it, or choose "
                "another way to give the code.") from None
        errors = _Stderr(process.stderr, lambda: self._say(
            f"Touch your YubiKey for the code of {device} (waiting at most "
            f"{self._limit:g} s)."))
        out = _Stdout(process.stdout)
        try:
            process.wait(timeout=self._limit)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise Unanswered(
                f"The YubiKey gave no code for {device} within "
                f"{self._limit:g} s (not touched?), so ykman was stopped; "
                "nothing was changed.") from None
        lines = errors.lines()
        if process.returncode != 0:
            raise failure(lines, process.returncode, device, argv[-1])
        return out.text(), lines


def accounts_for(device, names):
    """The OATH accounts of ``names`` that hold the code of ``device``.

    An account named the device's ARN wins; else those that carry AWS's
    label for the device, ``<device name>@<account ID>``, with or without
    an issuer or a period.

    >>> arn = "arn:aws:iam::123456789012:mfa/alice"
    >>> accounts_for(arn, ["GitHub:alice", "Amazon Web Services:alice@123456789012"])
    ['Amazon Web Services:alice@123456789012']
    >>> accounts_for(arn, [arn, "Amazon Web Services:alice@123456789012"])
    ['arn:aws:iam::123456789012:mfa/alice']
    """
    exact = [name for name in names if name == device]
    if exact:
        return exact
    match = _ARN.fullmatch(device or "")
    if match is None:
        return []
    label = f"{match['name']}@{match['account']}".lower()
    return [name for name in names
            if name.rsplit(":", 1)[-1].split("/", 1)[-1].lower() == label]


def failure(lines, status, device, account):
    """The error for a ykman run that ended with ``status`` and stderr ``lines``.

    ykman (yubikey-manager's CLI) ends a failure with ``Error: <sentence>``
    on stderr and exit status 1; each sentence it has for a missing key,
    several keys, several or no matching accounts, a touch that timed out
    and a password it could not ask for becomes one of ours.
    """
    said = " ".join(lines)
    if "No YubiKey detected" in said:
        return CodeProcessError(
            f"No YubiKey is plugged in (ykman found none) to give the code "
            f"for {device}; plug it in and try again.")
    if "Multiple YubiKeys detected" in said:
        return CodeProcessError(
            "Several YubiKeys are plugged in and ykman cannot tell which one "
            f"holds the code for {device}; leave only that one plugged in.")
    if "Multiple matches" in said:
        return CodeProcessError(
            f"Several OATH accounts on the YubiKey match {account!r} "
            "(mfa_ykman_account); set it to an account's full name as "
            "'ykman oath accounts list' shows it.")
    if "No matching account" in said:
        return CodeProcessError(
            f"The YubiKey has no OATH account {account!r} "
            "(mfa_ykman_account); set it to a name 'ykman oath accounts "
            "list' shows.")
    if "Touch account timed out" in said:
        return Unanswered(
            f"The YubiKey was not touched in time to give the code for "
            f"{device}; nothing was changed.")
    if "Enter the password" in said or "Authentication to the YubiKey failed" in said:
        return CodeProcessError(
            "The YubiKey's OATH accounts are protected by a password; run "
            "'ykman oath access remember' once, so that ykman can read them "
            "without asking.")
    last = next((line for line in reversed(lines) if line.strip()), "")
    return CodeProcessError(
        f"ykman failed with exit status {status}"
        + (f" ({last.strip()})" if last else "")
        + "; run 'ykman oath accounts list' yourself to see why.")


class _Stdout:
    """Collects a pipe in a thread, so that a full pipe never blocks ykman."""

    def __init__(self, pipe):
        self._chunks = []
        self._thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self._thread.start()

    def _read(self, pipe):
        with pipe:
            for chunk in iter(lambda: pipe.read(4096), b""):
                self._chunks.append(chunk)

    def text(self):
        self._thread.join(timeout=2)
        return b"".join(self._chunks).decode("utf-8", "replace")


class _Stderr(_Stdout):
    """ykman's stderr, line by line: ``touched()`` is called at its touch request."""

    def __init__(self, pipe, touched):
        self._touched = touched
        super().__init__(pipe)

    def _read(self, pipe):
        with pipe:
            for line in iter(pipe.readline, b""):
                self._chunks.append(line)
                if line.startswith(_TOUCH.encode()):
                    self._touched()

    def lines(self):
        text = self.text()
        return [line.removeprefix("Error: ") for line in text.splitlines()]
