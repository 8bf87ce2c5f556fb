"""``aws mfa-switch``: the AWS CLI's command, a thin adapter over the pipeline.

The AWS CLI builds this class only when ``mfa-switch`` is used (see the
placeholder in ``awscli_mfa_plugin/__init__.py``).  It reads the command
line into a :class:`~awscli_mfa_plugin.request.parse.Request`, hands it to
:func:`awscli_mfa_plugin.pipeline.run`, and is the one place where an error
becomes a sentence on stderr and an exit status.
"""
from awscli.customizations.assumerole import CACHE_DIR as CLI_CACHE_DIR
from awscli.customizations.commands import BasicCommand, BasicDocHandler
from botocore.exceptions import BotoCoreError, ClientError
from botocore.parsers import ResponseParserError

from awscli_mfa_plugin import pipeline
from awscli_mfa_plugin.codes.terminal import TerminalPrompter
from awscli_mfa_plugin.files import inifile
from awscli_mfa_plugin.codes.source import CodeSource
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import Cancelled, MfaSwitchError
from awscli_mfa_plugin.files.keystore import KeyringStore
from awscli_mfa_plugin.redaction import (
    redact, redacted_logs, unrecorded)
from awscli_mfa_plugin.request import arguments
from awscli_mfa_plugin.request.parse import check_profile_flags, from_parsed
from awscli_mfa_plugin.sts.sourcesession import client_creator
from awscli_mfa_plugin.sts.translate import translate


class MfaSwitchCommand(BasicCommand):
    """Switch a profile to MFA-backed temporary credentials."""

    NAME = "mfa-switch"
    DESCRIPTION = arguments.DESCRIPTION
    SYNOPSIS = ""
    EXAMPLES = arguments.EXAMPLES
    ARG_TABLE = arguments.ARG_TABLE

    def __init__(self, session, prompter=None, env=None):
        super().__init__(session)
        self._env = env or Environment.from_process()
        self._prompter = prompter or TerminalPrompter()
        self._after_dashes = None

    def __call__(self, args, parsed_globals):
        # Everything after "--" is the command of --exec, kept from the
        # parser: the CLI's own parser stopped there too, so the command's
        # --region or --output are its own.
        if "--" in args:
            at = args.index("--")
            args, self._after_dashes = args[:at], list(args[at + 1:])
        return super().__call__(args, parsed_globals)

    def create_help_command(self):
        """The CLI's help page, with a summary on its NAME line."""
        from awscli.customizations.commands import BasicHelp

        return BasicHelp(self._session, self, command_table={},
                         arg_table=self.arg_table,
                         event_handler_class=_SummarizedDocHandler)

    def _run_main(self, parsed_args, parsed_globals):
        # The one place errors become a sentence and an exit status; botocore's
        # own exceptions are translated so the CLI's handler never sees them.
        # unrecorded(): keep the STS answers out of the CLI's history database.
        with redacted_logs(), unrecorded():
            try:
                check_profile_flags(_command_line(self._env.argv))
                request = from_parsed(parsed_args, parsed_globals,
                                      self._session, CLI_CACHE_DIR,
                                      self._env.environ, self._after_dashes)
                return pipeline.run(request, self._tools(request))
            except KeyboardInterrupt:
                return self._fail(Cancelled())
            except MfaSwitchError as error:
                return self._fail(error)
            except (BotoCoreError, ClientError, ResponseParserError) as error:
                return self._fail(translate(error))

    def _tools(self, request):
        profiles = self._session.full_config.get("profiles", {})
        # Nothing of the keyring is imported until a profile uses it.
        keys = KeyringStore(self._env.environ)
        return pipeline.Tools(
            env=self._env,
            profiles=profiles,
            # botocore's chain reads the source's keys through the
            # pipeline's parse of the credentials file, not a parse of its own.
            client_creator=client_creator(self._session, request, profiles,
                                          keys.get, inifile.read_sections),
            codes=CodeSource.for_request(request, self._env, self._prompter,
                                         TerminalPrompter),
            prompter=self._prompter,
            open_browser=_open_browser,
            keys=keys,
        )

    def _fail(self, error):
        self._env.stderr.write(f"{redact(str(error))}\n")
        self._env.stderr.flush()
        return error.exit_code


class _SummarizedDocHandler(BasicDocHandler):
    """The CLI's help page, whose NAME line otherwise reads ``mfa-switch -``.

    The man page writer takes that line's text from the title's
    ``:subtitle:`` field.
    """

    def doc_title(self, help_command, **kwargs):
        super().doc_title(help_command, **kwargs)
        help_command.doc.style.new_paragraph()
        help_command.doc.writeln(f":subtitle: {arguments.SUMMARY}")
        help_command.doc.style.new_paragraph()


NAME_IN_LINE = MfaSwitchCommand.NAME


def _command_line(argv):
    """The ``aws mfa-switch`` command line, for what argparse's namespace loses.

    The CLI keeps only the last of several ``--profile`` flags.  Empty when
    this process is not ``aws ... mfa-switch ...`` (``aws-mfa-switch``
    checks its own command line).
    """
    return argv if NAME_IN_LINE in argv else ()


def _open_browser(url):
    # Python's own convention: BROWSER names the program, else the desktop's.
    import webbrowser

    return webbrowser.open(url)
