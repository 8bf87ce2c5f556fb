"""Where the one-time code comes from, and the terminal prompt that asks for it.

This is the only module that imports prompt_toolkit, and it does so inside
:meth:`TerminalPrompter.ask`, so a run that gets its code from a flag or a
pipe never pays for loading it.
"""
import re
import time

from awscli_mfa_plugin.errors import Cancelled, InvalidCodeError, UsageError

CODE_PERIOD = 30  # seconds a TOTP code lives (RFC 6238 default, as AWS uses)

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


def obtain_code(token_code, env, prompter, device):
    """The code from the first source that has one.

    In order: the ``--token-code`` flag, standard input when it is not a
    terminal, else ``prompter`` (a person at the terminal).
    """
    if token_code is not None:
        return _checked(token_code, "--token-code")
    if not env.stdin_is_terminal():
        line = env.stdin.readline() if env.stdin else ""
        if not line.strip():
            raise UsageError(
                "No MFA code: pass --token-code, pipe the code on standard "
                "input, or run in a terminal to be asked for it."
            )
        return _checked(line, "standard input")
    return prompter.ask(device)


def exchange_code(token_code, env, prompter, device, use, tries=CODE_TRIES):
    """Obtain a code and return ``use(code)``, asking again if STS rejects it.

    Only a person at the prompt is asked again (up to ``tries`` codes in
    all), told that the code was wrong or already used and how long the
    current one lasts; a code from ``--token-code`` or a pipe fails at once,
    since asking the same source again would give the same code.
    """
    code = obtain_code(token_code, env, prompter, device)
    at_prompt = token_code is None and env.stdin_is_terminal()
    attempt = 1
    while True:
        try:
            return use(code)
        except InvalidCodeError:
            if not at_prompt:
                raise
            if attempt >= tries:
                raise InvalidCodeError(
                    f"STS rejected {tries} codes in a row: each was wrong or "
                    "already used; nothing was changed. Check that the device "
                    f"showing the codes is {device} and that its clock is right."
                ) from None
        attempt += 1
        code = prompter.ask(device, notice=retry_notice(attempt, tries))


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
        import sys

        from prompt_toolkit import PromptSession
        from prompt_toolkit.input import create_input
        from prompt_toolkit.output import create_output
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

        output_file = self._output_file or sys.stderr
        session = PromptSession(
            input=create_input(self._input_file or sys.stdin),
            output=create_output(stdout=output_file),
        )
        if notice:
            output_file.write(notice + "\n")
            output_file.flush()
        try:
            text = session.prompt(
                self.MESSAGE.format(device=device or "your MFA device"),
                validator=SixDigits(),
                validate_while_typing=False,
                bottom_toolbar=toolbar,
                refresh_interval=0.5,
            )
        except (KeyboardInterrupt, EOFError):
            raise Cancelled() from None
        return normalize_code(text)
