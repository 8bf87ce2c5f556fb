"""The terminal questions mfa-switch asks, drawn with prompt_toolkit.

This is the only module that imports prompt_toolkit, and it does so inside
:class:`TerminalPrompter`'s methods, so a run that gets its code from a
flag, a command or a pipe never pays for loading it.
"""
from awscli_mfa_plugin.codes.providers import normalize_code, seconds_left
from awscli_mfa_plugin.errors import Cancelled


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
