"""Where the one-time code comes from, and the terminal questions mfa-switch asks.

Codes come from a flag, an ``mfa_process`` command, a pipe or a person
(:func:`obtain_code`), and each is sent to STS once (:func:`exchange_code`).  This is the only module that imports
prompt_toolkit, and it does so inside :class:`TerminalPrompter`'s methods,
so a run that gets its code from a flag, a command or a pipe never pays for
loading it.
"""
import re
import shlex
import subprocess
import threading
import time

from awscli_mfa_plugin.errors import (
    Cancelled, CodeProcessError, InvalidCodeError, MfaSwitchError, UsageError)

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

_SIX_DIGITS = re.compile(r"[0-9]{6}")  # ASCII only: STS refuses other digits


def normalize_code(text):
    """Return the six-digit code in ``text`` with spaces removed, or ``None``.

    >>> normalize_code(" 123 456 ")
    '123456'
    >>> normalize_code("12345") is None
    True
    >>> normalize_code("\u0661\u0662\u0663\u0664\u0665\u0666") is None
    True
    """
    candidate = "".join(text.split(" ")).strip("\t\r\n")
    return candidate if _SIX_DIGITS.fullmatch(candidate) else None


def seconds_left(now=None, period=CODE_PERIOD):
    """Seconds until the current TOTP window ends (1..period).

    >>> seconds_left(now=60.0)
    30
    >>> seconds_left(now=89.5)
    1
    """
    now = time.time() if now is None else now
    return period - int(now % period)


def obtain_code(token_code, env, prompter, device, process=None, notice=None):
    """The code from the first source that has one.

    In order: the ``--token-code`` flag, the ``mfa_process`` command
    (``process``), a line on standard input when it is not a terminal,
    else ``prompter``: a person at the terminal or in a desktop dialog,
    shown ``notice`` first.  ``prompter`` is ``None`` when nobody can be
    asked.
    """
    return _obtain(token_code, env, prompter, device, process, notice)[0]


def _obtain(token_code, env, prompter, device, process, notice, giver=None):
    """``(code, where it came from)``; where is ``None`` for a person."""
    if token_code is not None:
        return _checked(token_code, "--token-code"), "--token-code"
    if process:
        return (run_code_process(process, env),
                f"the mfa_process command {process.strip()!r}")
    if giver is not None:  # a device that gives codes itself (ykman)
        code = giver(device)
        return code, giver.origin
    if not env.stdin_is_terminal():
        line = env.stdin.readline() if env.stdin else ""
        if line.strip():
            return _checked(line, "standard input"), "standard input"
    if prompter is None:
        raise UsageError(
            "No MFA code: pass --token-code, pipe the code on standard "
            "input, or run in a terminal to be asked for it."
        )
    return prompter.ask(device, notice=notice), None


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
                  process=None, spent=None, sleep=time.sleep, giver=None):
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
    code, origin = _obtain(token_code, env, prompter, device, process, notice,
                           giver)
    attempt, refused_here, waited = 1, False, False
    while True:
        if spent is not None and spent.was_spent(device, code):
            if origin is not None and process and not waited:
                # A command such as ykman gives the next code once it is there.
                left = seconds_left()
                _say(env, f"The code from {origin} was already used (STS "
                          f"accepts each code once); waiting {left} s for the "
                          "next one.")
                sleep(left + 1)
                code, waited = run_code_process(process, env), True
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
                    _remember(spent, device, code)
                raise
            else:
                _remember(spent, device, code)
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


def _remember(spent, device, code):
    if spent is not None:
        spent.add(device, code)


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


class TerminalPrompter:
    """Asks a person for the code with prompt_toolkit.

    ``input_file``/``output_file`` default to the process's stdin and
    stderr: the prompt is drawn on stderr so stdout stays free for what the
    user asked to print.
    """

    MESSAGE = "MFA code for {device}: "
    INVALID = "A code is six digits (0-9); spaces are ignored."

    def __init__(self, input_file=None, output_file=None):
        self._input_file = input_file
        self._output_file = output_file

    def ask(self, device, notice=None):
        """Prompt until six digits are entered; raise Cancelled on Ctrl-C/D."""
        from prompt_toolkit.validation import ValidationError, Validator

        class SixDigits(Validator):
            def validate(self, document):
                if normalize_code(document.text) is None:
                    raise ValidationError(
                        message=TerminalPrompter.INVALID,
                        cursor_position=len(document.text),
                    )

        def toolbar():
            left = seconds_left()
            return f" The current code changes in {left:2d} s "

        if notice:
            self._say(notice)
        text = self._prompt(
            self.MESSAGE.format(device=device or "your MFA device"),
            validator=SixDigits(),
            validate_while_typing=False,
            bottom_toolbar=toolbar,
            refresh_interval=0.5,
        )
        return normalize_code(text)

    def choose(self, title, options):
        """Let the person pick one of ``options`` by its number; return it."""
        from prompt_toolkit.validation import ValidationError, Validator

        count = len(options)

        class InRange(Validator):
            def validate(self, document):
                text = document.text.strip()
                if not (text.isascii() and text.isdigit()
                        and 1 <= int(text) <= count):
                    raise ValidationError(
                        message=f"Type a number from 1 to {count}.",
                        cursor_position=len(document.text),
                    )

        self._say(title + "\n" + "\n".join(
            f"  {number}) {option}"
            for number, option in enumerate(options, start=1)))
        text = self._prompt(f"Device [1-{count}]: ", validator=InRange(),
                            validate_while_typing=False)
        return options[int(text.strip()) - 1]

    def confirm(self, question):
        """Ask a yes/no question; only an explicit yes counts."""
        answer = self._prompt(f"{question} [y/N] ")
        return answer.strip().lower() in ("y", "yes")

    def _say(self, text):
        import sys

        output = self._output_file or sys.stderr
        output.write(text + "\n")
        output.flush()

    def _prompt(self, message, **options):
        import sys

        from prompt_toolkit import PromptSession
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output

        session = PromptSession(
            input=create_input(self._input_file or sys.stdin),
            output=create_output(stdout=self._output_file or sys.stderr),
        )
        try:
            return session.prompt(message, **options)
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
