"""Where the one-time code comes from: an ordered list of providers, and the retry.

Each provider (:data:`PROVIDERS`, tried in order) answers one
:class:`Ask`: ``--token-code`` (:class:`TokenFlag`), the recipe's
``mfa_process`` command (:class:`CodeProcess`), a line on standard input
when it is not a terminal (:class:`Pipe`), else a person
(:class:`Person`: the terminal of :mod:`~awscli_mfa_plugin.codes.terminal`
or a desktop dialog of :mod:`~awscli_mfa_plugin.codes.dialog`).
:func:`obtain_code` takes the first code given; :func:`exchange_code`
sends it to STS once and asks a person again when STS rejects it.
Nothing here imports prompt_toolkit.
"""
import shlex
import subprocess
import threading
import time

from awscli_mfa_plugin.errors import (
    CodeProcessError, InvalidCodeError, MfaSwitchError, UsageError)
from awscli_mfa_plugin.values import Value
# One rule for what a code is, the command line's and the prompt's.
from awscli_mfa_plugin.request.parse import normalize_code  # noqa: F401

CODE_PERIOD = 30  # seconds a TOTP code lives (RFC 6238 default, as AWS uses)

#: Seconds an ``mfa_process`` command may take.  Generous, because tools
#: like ``ykman`` wait for the user to touch the key before printing.
PROCESS_TIMEOUT = 60

#: Seconds to wait, once the ``mfa_process`` command exited, for the rest of
#: its output when a background child of it keeps its standard output open.
OUTPUT_GRACE = 2
#: Seconds to wait for the end of that output before a line is enough.
PIPE_END_WAIT = 0.25

#: How many codes a person at the prompt may try before the run gives up.
CODE_TRIES = 3

def seconds_left(now=None, period=CODE_PERIOD):
    """Seconds until the current TOTP window ends (1..period).

    >>> seconds_left(now=60.0)
    30
    >>> seconds_left(now=89.5)
    1
    """
    now = time.time() if now is None else now
    return period - int(now % period)


class Ask(Value):
    """What a provider is asked: one code for one device."""

    #: ``--token-code``, else ``None``.
    token_code: str | None
    #: The run's :class:`~awscli_mfa_plugin.environment.Environment`.
    env: object
    #: Who asks a person (``ask(device, notice=...)``); ``None``: nobody can.
    prompter: object = None
    device: str | None = None
    #: The recipe's ``mfa_process`` command, else ``None``.
    process: str | None = None
    #: What a person reads first (a code of this window was already used).
    notice: str | None = None
    #: ``--prompt`` / ``mfa_prompt`` (see :mod:`~awscli_mfa_plugin.codes.asker`).
    choice: str | None = None
    #: A device that gives codes itself (``giver(device)`` and its
    #: ``origin``), such as :class:`~awscli_mfa_plugin.codes.ykman.YkmanSource`.
    giver: object = None


class TokenFlag:
    """``--token-code``: the code typed on the command line."""

    #: True for a source the user set up for this run: when it applies,
    #: nobody is asked, so nobody needs to be found (or waited for).
    configured = True
    #: True when asking again after the code's window gives the next code.
    renews = False

    def applies(self, ask):
        """True when this provider gives the code (nothing is read yet)."""
        return ask.token_code is not None

    def code(self, ask):
        """``(code, where it came from)``, or ``None`` to try the next one."""
        return _checked(ask.token_code, "--token-code"), "--token-code"


class CodeProcess:
    """``mfa_process``: a command that prints the code (ykman, a password manager)."""

    configured = True
    renews = True

    def applies(self, ask):
        return bool(ask.process)

    def code(self, ask):
        return (run_code_process(ask.process, ask.env),
                f"the mfa_process command {ask.process.strip()!r}")


class Giver:
    """A device that gives codes itself: a YubiKey through ykman (``--prompt ykman``).

    It waits for the next window itself rather than give a spent code, so
    it is never asked again here.
    """

    configured = True
    renews = False

    def applies(self, ask):
        return ask.giver is not None

    def code(self, ask):
        return ask.giver(ask.device), ask.giver.origin


class Pipe:
    """A line on standard input, when it is not a terminal."""

    configured = False
    renews = False

    def applies(self, ask):
        return not ask.env.stdin_is_terminal()

    def code(self, ask):
        line = ask.env.stdin.readline() if ask.env.stdin else ""
        if line.strip():
            return _checked(line, "standard input"), "standard input"
        return None


class Person:
    """A person, asked at the terminal or in a desktop dialog; where is ``None``."""

    configured = False
    renews = False

    def applies(self, ask):
        return True

    def code(self, ask):
        if ask.prompter is None:
            raise UsageError(
                "No MFA code: pass --token-code, pipe the code on standard "
                "input, or run in a terminal to be asked for it."
            )
        return ask.prompter.ask(ask.device, notice=ask.notice), None


#: Where codes come from, in the order they are tried.
PROVIDERS = (TokenFlag(), CodeProcess(), Giver(), Pipe(), Person())


def configured(ask):
    """True when a source set up for this run gives the code: nobody is asked."""
    return any(p.configured and p.applies(ask) for p in PROVIDERS)


def obtain_code(token_code, env, prompter, device, process=None, notice=None):
    """The code from the first provider that has one (see :data:`PROVIDERS`).

    ``prompter`` is ``None`` when nobody can be asked.
    """
    return _obtain(Ask(token_code, env, prompter, device, process, notice))[0]


def _obtain(ask):
    """``(code, where it came from, provider)``; where is ``None`` for a person."""
    for provider in PROVIDERS:
        if provider.applies(ask):
            found = provider.code(ask)
            if found is not None:
                return found + (provider,)
    raise AssertionError("the last provider always answers")


def run_code_process(command, env, timeout=PROCESS_TIMEOUT):
    """Run the ``mfa_process`` command and return the code it prints.

    The command line is split like a POSIX shell would split it
    (``shlex.split``) and run without a shell, so a profile value can never
    smuggle in a second command; whoever needs a pipe writes
    ``sh -c '...'`` explicitly.  Its stderr and stdin stay the user's, so a
    tool can say "touch your key" or ask for its own password; its stdout
    must be the six digits alone.  The command's own exit is waited for, not
    the end of its output: a background child it leaves may hold that open.

    >>> import sys, types
    >>> env = types.SimpleNamespace(environ={})
    >>> run_code_process(f"{sys.executable} -c 'print(123456)'", env)
    '123456'

    Raises :class:`CodeProcessError` when the command cannot be run, fails
    or times out, and :class:`UsageError` when it prints anything but six
    digits.
    """
    shown = command.strip()
    try:
        argv = shlex.split(command)
    except ValueError as error:
        raise CodeProcessError(
            f"The mfa_process command {shown!r} cannot be split into "
            f"arguments ({error}); fix its quotes in your AWS config."
        ) from None
    if not argv:
        raise CodeProcessError("The mfa_process setting is empty; remove it "
                               "or name the command that prints the code.")
    try:
        process = subprocess.Popen(argv, stdout=subprocess.PIPE,
                                   env=dict(env.environ))
    except FileNotFoundError:
        raise CodeProcessError(
            f"The mfa_process command {argv[0]!r} was not found; install it "
            "or fix mfa_process in your AWS config."
        ) from None
    except PermissionError:
        raise CodeProcessError(
            f"The mfa_process command {argv[0]!r} cannot be run (permission "
            "denied); make it executable or fix mfa_process."
        ) from None
    except OSError as error:
        raise CodeProcessError(
            f"The mfa_process command {argv[0]!r} cannot be run "
            f"({error.strerror or error}); fix mfa_process in your AWS config."
        ) from None
    output = _Output(process.stdout)
    try:
        # The command itself, not whatever it left running: a child it
        # started in the background may hold standard output open for
        # long after the code was printed.
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise CodeProcessError(
            f"The mfa_process command {shown!r} printed no code within "
            f"{timeout} seconds and was stopped."
        ) from None
    if process.returncode != 0:
        raise CodeProcessError(
            f"The mfa_process command {shown!r} failed with exit status "
            f"{process.returncode}; run it yourself to see why."
        )
    text = output.collected(OUTPUT_GRACE).decode("utf-8", "replace")
    return _checked(text, f"the mfa_process command {shown!r}")


class _Output:
    """Collects a pipe in a thread, so nobody waits for its end of file.

    A thread rather than ``select``, which does not work on pipes on
    Windows; a daemon thread, so that a background child holding the pipe
    open never keeps mfa-switch from exiting.
    """

    def __init__(self, pipe):
        self._pipe = pipe
        self._chunks = []
        self._changed = threading.Condition()
        self._ended = False
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        try:
            while True:
                chunk = self._pipe.read1(4096)
                if not chunk:
                    break
                with self._changed:
                    self._chunks.append(chunk)
                    self._changed.notify_all()
        finally:
            with self._changed:
                self._ended = True
                self._changed.notify_all()
            self._pipe.close()

    def collected(self, grace):
        """What was written, once the pipe ended or, failing that, a line came.

        Called after the writer exited, when what it wrote is in the pipe
        already: the end of the pipe normally follows at once.  When a
        background child keeps the pipe open, a complete line is enough,
        and ``grace`` seconds bound the wait for one.
        """
        with self._changed:
            if not self._changed.wait_for(lambda: self._ended,
                                          timeout=PIPE_END_WAIT):
                self._changed.wait_for(
                    lambda: self._ended or b"\n" in b"".join(self._chunks),
                    timeout=grace)
            return b"".join(self._chunks)


def exchange_code(token_code, env, prompter, device, use, tries=CODE_TRIES,
                  process=None, spent=None, sleep=time.sleep, choice=None,
                  giver=None):
    """Obtain a code and return ``use(code)``, asking again if STS rejects it.

    Only a person (``prompter``) is asked again (up to ``tries`` codes in
    all), told that the code was wrong or already used and how long the
    current one lasts; a code from ``--token-code``, ``mfa_process``
    (``process``) or a pipe fails at once, since asking the same source
    again would give the same code.

    ``spent`` (a :class:`~awscli_mfa_plugin.codes.spent.SpentCodes`) keeps
    a code from being sent twice: a person is told when the code the device
    shows now was already used, a spent code is refused before it reaches
    STS, ``mfa_process`` is run again once the next code is there, and
    every code sent is remembered.

    ``giver(device)`` is a source that gives codes itself, such as
    :class:`~awscli_mfa_plugin.codes.ykman.YkmanSource`; it waits for the
    next window itself rather than give a spent code, and names itself
    in sentences with its ``origin``.
    """
    notice = None
    if spent is not None and spent.spent_this_window(device):
        notice = spent_window_notice()
    ask = Ask(token_code, env, prompter, device, process, notice, choice,
              giver)
    code, origin, provider = _obtain(ask)
    attempt, refused_here, waited = 1, False, False
    while True:
        if spent is not None and spent.was_spent(device, code):
            if provider.renews and not waited:
                # A command such as ykman gives the next code once it is there.
                left = seconds_left()
                _say(env, f"The code from {origin} was already used (STS "
                          f"accepts each code once); waiting {left} s for the "
                          "next one.")
                sleep(left + 1)
                code, waited = provider.code(ask)[0], True
                continue
            if origin is not None:
                raise UsageError(
                    f"The MFA code from {origin} was already used for {device} "
                    "(STS accepts each code once); wait for the next code, in "
                    f"{seconds_left()} s, and pass that.")
            refused_here = True
        else:
            try:
                result = use(code)
            except InvalidCodeError:
                if origin is not None:
                    raise
                refused_here = False
            except MfaSwitchError as error:
                # STS may have taken the code before the run failed - unless
                # no connection was ever made.
                if error.code_may_be_spent:
                    _remember(spent, device, code, env)
                raise
            else:
                _remember(spent, device, code, env)
                return result
        if attempt >= tries:
            if refused_here:
                raise InvalidCodeError(
                    f"{tries} codes in a row were wrong or already used; "
                    "nothing was changed. Check that the device showing the "
                    f"codes is {device} and that its clock is right.")
            raise InvalidCodeError(
                f"STS rejected {tries} codes in a row: each was wrong or "
                "already used; nothing was changed. Check that the device "
                f"showing the codes is {device} and that its clock is right."
            ) from None
        attempt += 1
        code = prompter.ask(device, notice=(
            spent_retry_notice(attempt, tries) if refused_here
            else retry_notice(attempt, tries)))


def spent_window_notice(now=None):
    """What a person reads when the code the device shows was already used.

    >>> spent_window_notice(now=65.0)
    'The code the device shows now was already used by another switch (STS accepts each code once); wait for the next code, in 25 s, and type that.'
    """
    return (
        "The code the device shows now was already used by another switch "
        "(STS accepts each code once); wait for the next code, in "
        f"{seconds_left(now)} s, and type that."
    )


def spent_retry_notice(attempt, tries, now=None):
    """What a person reads after typing a code that was already sent.

    >>> spent_retry_notice(2, 3, now=65.0)
    'That code was already used (STS accepts each code once); wait for the next code, in 25 s, and type it (try 2 of 3).'
    """
    return (
        "That code was already used (STS accepts each code once); wait for "
        f"the next code, in {seconds_left(now)} s, and type it (try {attempt} "
        f"of {tries})."
    )


def _remember(spent, device, code, env):
    """Remember a code sent to STS; a failure to is one line, never a lost answer.

    STS has answered by now: its credentials must reach the user whether
    or not the folder of spent codes can take a file (read-only, full).
    """
    if spent is None:
        return
    try:
        spent.add(device, code)
    except OSError as error:
        _say(env, f"mfa-switch could not note in {spent.folder} that the code "
                  f"was used ({error.strerror or error}), so another switch "
                  "may send it to STS again, which refuses it.")


def _say(env, text):
    env.stderr.write(text + "\n")
    env.stderr.flush()


def retry_notice(attempt, tries, now=None):
    """What a person reads before being asked again.

    >>> retry_notice(2, 3, now=65.0)
    'STS rejected that code: it was wrong or already used. Wait for the next code (the current one changes in 25 s) and type it (try 2 of 3).'
    """
    return (
        "STS rejected that code: it was wrong or already used. Wait for the "
        f"next code (the current one changes in {seconds_left(now)} s) and "
        f"type it (try {attempt} of {tries})."
    )


def _checked(text, origin):
    code = normalize_code(text)
    if code is None:
        raise UsageError(
            f"The MFA code from {origin} is not six digits (0-9)."
        )
    return code
