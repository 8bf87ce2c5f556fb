"""The one place a run gets its codes: :class:`CodeSource`.

A code comes from the first of the providers of
:data:`awscli_mfa_plugin.codes.providers.PROVIDERS` that has one:
``--token-code``, the recipe's ``mfa_process``, a YubiKey through ``ykman``
(``--prompt ykman``, :mod:`~awscli_mfa_plugin.codes.ykman`), a pipe on
standard input, or a person.  Who asks the person is chosen by ``--prompt`` or the
profile's ``mfa_prompt`` (:mod:`~awscli_mfa_plugin.codes.asker`): the
terminal (:mod:`~awscli_mfa_plugin.codes.terminal`), or a desktop dialog
(:mod:`~awscli_mfa_plugin.codes.dialog`) when there is none.  In
``--credential-process`` mode standard input and output belong to the SDK
that runs the process, so the terminal is the controlling terminal.

Runs in other processes that need the same device take turns
(:mod:`~awscli_mfa_plugin.codes.turns`), and no code is sent to STS twice
(:mod:`~awscli_mfa_plugin.codes.spent`).
"""
import contextlib

from awscli_mfa_plugin.codes import asker
from awscli_mfa_plugin.codes import providers
from awscli_mfa_plugin.codes.providers import exchange_code
from awscli_mfa_plugin.codes.spent import SpentCodes
from awscli_mfa_plugin.codes.turns import Turn, Turns
from awscli_mfa_plugin.errors import Cancelled, UsageError


class CodeSource:
    """Obtains codes for a run and hands each to the STS call that spends it.

    ``prompter`` asks on the run's own terminal; ``prompter_class`` builds
    one on other streams (the controlling terminal in
    ``--credential-process`` mode).  ``prompt`` is ``--prompt``;
    ``state_dir`` the private folder of turns and spent codes (``None``:
    this run neither waits for others nor remembers codes).
    """

    def __init__(self, env, prompter, prompter_class, token_code=None,
                 for_process=False, prompt=None, state_dir=None,
                 dialog_class=None):
        self._env = env
        self._prompter = prompter
        self._prompter_class = prompter_class
        self.token_code = token_code
        self._for_process = for_process
        self._prompt = prompt
        self._dialog_class = dialog_class
        self._turns = Turns(state_dir, self._say) if state_dir else None
        self._spent = SpentCodes(state_dir) if state_dir else None
        self._turn = Turn()

    @classmethod
    def for_request(cls, request, env, prompter, prompter_class):
        """The code source of a :class:`~awscli_mfa_plugin.request.parse.Request`."""
        # The child of --exec owns standard input, as the SDK does that
        # runs a credential process: a person is asked on the terminal.
        return cls(env, prompter, prompter_class, request.token_code,
                   request.renews_itself, request.prompt,
                   request.state_dir or None)

    @contextlib.contextmanager
    def turn(self, planned):
        """Hold the turn of every device whose code ``planned`` needs.

        Yields a :class:`~awscli_mfa_plugin.codes.turns.Turn`.  Before any
        wait, a run that would have nobody to ask fails at once.  What is
        stored must be read again once the turn is held: another run may
        just have stored what this one needs.
        """
        needing = [e for e in planned if e.needs_code]
        for exchange in needing:
            self._check_asker(exchange.first)
        if not needing or self._turns is None:
            yield Turn()
            return
        names = [t.name for e in needing for t in e.targets]
        with self._turns.devices(
                [e.first.serial_number for e in needing],
                "switching " + ", ".join(repr(n) for n in names)) as turn:
            self._turn = turn
            try:
                yield turn
            finally:
                self._turn = Turn()

    def exchange(self, recipe, use):
        """``use(code)`` with a code for ``recipe``'s device.

        A code STS rejects is asked for again while a person is asked; from
        any other source it fails at once.
        """
        device = recipe.serial_number
        yubikey = self._yubikey(recipe)
        if yubikey is not None:
            # Touching the key is a person's part: one run at a time.
            with self._person_turn(True, recipe):
                return exchange_code(None, self._env, None, device, use,
                                     spent=self._spent, giver=yubikey)
        with self._asker(recipe) as (env, person):
            asks = person is not None and self._asks_person(recipe, env)
            if asks and device in self._turn.cancelled:
                raise Cancelled(self._turn.cancelled[device])
            with self._person_turn(asks, recipe):
                return exchange_code(
                    self.token_code, env, person, device, use,
                    process=recipe.code_process, spent=self._spent,
                    choice=self._choice(recipe))

    def _choice(self, recipe):
        return self._prompt or recipe.prompt or asker.AUTO

    def _configured(self, recipe, env=None):
        """True when a source set up for the run gives ``recipe``'s code."""
        return providers.configured(providers.Ask(
            self.token_code, env or self._env, process=recipe.code_process,
            choice=self._choice(recipe)))

    def _asks_person(self, recipe, env):
        """True when the code will come from a person, not a flag, command or pipe."""
        if self._configured(recipe, env):
            return False
        return (self._for_process or env.stdin_is_terminal()
                or self._choice(recipe) in asker.DIALOGS)

    def _yubikey(self, recipe):
        """The ykman source when the code comes from a YubiKey, else ``None``."""
        if self.token_code is not None or recipe.code_process \
                or self._choice(recipe) != asker.YKMAN:
            return None
        from awscli_mfa_plugin.codes.ykman import YkmanSource

        return YkmanSource(self._env.environ, self._say,
                           recipe.ykman_account, self._spent)

    def _check_asker(self, recipe):
        """Fail now, before any wait, when nobody could give the code."""
        if self._configured(recipe):
            return
        yubikey = self._yubikey(recipe)
        if yubikey is not None:
            yubikey.check()
            return
        if not self._for_process and not self._env.stdin_is_terminal():
            return  # a pipe may hold the code
        choice = self._choice(recipe)
        if choice in asker.DIALOGS:
            self._dialog(choice, recipe).tool()
            return
        if self._for_process:
            terminal = self._env.open_terminal()
            if terminal is not None:
                terminal.close()
                return
            if choice == asker.AUTO and self._desktop_dialog():
                return
            raise UsageError(asker.no_terminal_sentence(recipe.profile))

    @contextlib.contextmanager
    def _asker(self, recipe):
        """``(env, person)``: the environment codes are read with, and who asks."""
        if self._for_process:
            with process_code_source(
                    self._env, self._prompter_class, self.token_code,
                    recipe.profile, self._choice(recipe), recipe.code_process,
                    self._dialog_for(recipe)) as pair:
                yield pair
            return
        choice = self._choice(recipe)
        if choice in asker.DIALOGS:
            yield self._env, self._dialog(choice, recipe)
        elif self._env.stdin_is_terminal():
            yield self._env, self._prompter
        elif choice == asker.AUTO and self._desktop_dialog():
            yield self._env, self._dialog(self._desktop_dialog(), recipe)
        else:
            yield self._env, None

    def _person_turn(self, asks, recipe):
        if not asks or self._turns is None:
            return contextlib.nullcontext()
        return self._turns.person(f"switching {recipe.profile!r}")

    def _desktop_dialog(self):
        return asker.desktop_dialog(self._env.environ, self._env.platform)

    def _dialog(self, dialog, recipe):
        dialog_class = self._dialog_class
        if dialog_class is None:  # loaded only by a run that shows a dialog
            from awscli_mfa_plugin.codes.dialog import DialogPrompter as dialog_class
        return dialog_class(dialog, recipe.profile, self._env)

    def _dialog_for(self, recipe):
        return lambda dialog: self._dialog(dialog, recipe)

    def _say(self, line):
        self._env.stderr.write(line + "\n")
        self._env.stderr.flush()


@contextlib.contextmanager
def process_code_source(env, prompter_class, token_code, profile,
                        choice=asker.AUTO, process=None, dialog=None):
    """The ``(env, person)`` that give a code in credential_process mode.

    Standard input and output belong to the SDK that runs the process, so
    a code piped on stdin is never read, and a person is asked on the
    controlling terminal - or, when there is none and ``choice`` allows,
    in a desktop dialog made by ``dialog(name)``.  With nobody to ask (and
    neither ``--token-code`` nor ``mfa_process``), :class:`UsageError`
    says what to do instead.
    """
    quiet = env.replace(stdin=None)
    choice = choice or asker.AUTO
    if providers.configured(providers.Ask(token_code, quiet, process=process,
                                          choice=choice)):
        yield (env if token_code is not None else quiet), None
        return
    if choice in asker.DIALOGS and dialog is not None:
        yield quiet, dialog(choice)
        return
    terminal = env.open_terminal() if choice not in asker.DIALOGS else None
    if terminal is None:
        desktop = (asker.desktop_dialog(env.environ, env.platform)
                   if choice == asker.AUTO and dialog is not None else None)
        if desktop is None:
            raise UsageError(asker.no_terminal_sentence(profile))
        yield quiet, dialog(desktop)
        return
    with terminal:
        yield (
            env.replace(stdin=terminal.input),
            prompter_class(input_file=terminal.input,
                           output_file=terminal.output),
        )

