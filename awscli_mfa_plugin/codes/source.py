"""The one place a run gets its codes: :class:`CodeSource`.

A code comes from ``--token-code``, the recipe's ``mfa_process``, a pipe on
standard input, or a person at the terminal (see
:func:`awscli_mfa_plugin.codes.prompt.obtain_code`).  In
``--credential-process`` mode standard input and output belong to the SDK
that runs the process, so the person is asked on the controlling terminal.
"""
import contextlib
import dataclasses

from awscli_mfa_plugin.codes.prompt import exchange_code
from awscli_mfa_plugin.errors import UsageError


class CodeSource:
    """Obtains codes for a run and hands each to the STS call that spends it.

    ``prompter_class`` builds a prompter on given streams (the controlling
    terminal in ``--credential-process`` mode); ``prompter`` is the one used
    on the run's own terminal.
    """

    def __init__(self, env, prompter, prompter_class, token_code=None,
                 for_process=False):
        self._env = env
        self._prompter = prompter
        self._prompter_class = prompter_class
        self.token_code = token_code
        self._for_process = for_process

    def exchange(self, recipe, use):
        """``use(code)`` with a code for ``recipe``'s device.

        A code STS rejects is asked for again while a person is at the
        prompt; from any other source it fails at once.
        """
        with self._streams(recipe.profile) as (env, prompter):
            return exchange_code(
                self.token_code, env, prompter, recipe.serial_number, use,
                process=recipe.code_process)

    def _streams(self, profile):
        if self._for_process:
            return process_code_source(
                self._env, self._prompter_class, self.token_code, profile)
        return contextlib.nullcontext((self._env, self._prompter))


@contextlib.contextmanager
def process_code_source(env, prompter_class, token_code, profile):
    """The ``(env, prompter)`` that ask for a code in credential_process mode.

    Standard input and output belong to the SDK that runs the process, so
    a person is asked on the controlling terminal; a code piped on stdin is
    never read.  Without a terminal (and without ``--token-code``) there is
    nobody to ask: :class:`UsageError` says what to do instead.
    """
    if token_code is not None:
        yield env, None
        return
    terminal = env.open_terminal()
    if terminal is None:
        raise UsageError(
            f"The credentials of {profile!r} need a new MFA code and there is "
            "no terminal to ask for it on; run 'aws mfa-switch --profile "
            f"{profile}' in a terminal first."
        )
    with terminal:
        yield (
            dataclasses.replace(env, stdin=terminal.input),
            prompter_class(input_file=terminal.input,
                           output_file=terminal.output),
        )
