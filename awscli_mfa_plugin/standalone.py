"""``aws-mfa-switch``: the same command for people who don't register the plugin.

It takes exactly the options of ``aws mfa-switch``, and runs it through the
AWS CLI's own driver, so help pages, global flags, errors and exit statuses
are the CLI's.  The one shortcut is for ``credential_process``: an SDK runs
that command for every new process, so when the stored credentials are
still valid the answer comes from the credentials file alone, with the
standard library, without importing botocore, awscli or prompt_toolkit::

    [profile dev-process]
    credential_process = aws-mfa-switch --profile dev --credential-process

Everything else, including a refresh (which asks for a code on the
controlling terminal, or in a desktop dialog), takes the full way - except
a refresh with nobody to ask, which fails at once, as the full way would.
``--version`` names this command's version and the AWS CLI's, without
starting the CLI.
"""
import os
import sys

from awscli_mfa_plugin import COMMAND_NAME, __version__, fastpath
from awscli_mfa_plugin.files import output
from awscli_mfa_plugin.errors import ExitCode, MfaSwitchError

VERSION_FLAG = "--version"
#: Answered with :func:`usage`; ``aws-mfa-switch help`` shows the full page.
HELP_FLAGS = ("--help", "-h")


def main(argv=None, env=None):
    """Console entry point; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if env is None:
        from awscli_mfa_plugin.environment import Environment

        env = Environment.from_process()
    if argv[:1] in (["--completion-script"], ["--completion-profiles"]):
        # The shell completion of this command: its script, and the
        # profile names it offers at each TAB (files only, no AWS CLI).
        from awscli_mfa_plugin import completion

        return completion.main(argv, env)
    try:
        # argparse, as the CLI uses it, acts on --version wherever it stands.
        if VERSION_FLAG in argv:
            output.check(env.stdout, VERSION_FLAG)
            output.write(env.stdout, version() + "\n", "The version")
            return ExitCode.OK
        if any(flag in HELP_FLAGS for flag in _options(argv)):
            output.check(env.stdout, "--help")
            output.write(env.stdout, usage(), "The usage")
            return ExitCode.OK
        check_command_line(argv)
        if fastpath.answer(argv, env):
            return ExitCode.OK
    except MfaSwitchError as error:
        env.stderr.write(f"{error}\n")
        env.stderr.flush()
        return error.exit_code
    refusal = fastpath.nobody_to_ask(argv, env)
    if refusal:
        env.stderr.write(refusal + "\n")
        env.stderr.flush()
        return ExitCode.USAGE
    return run_command(argv, env)


def _options(argv):
    """The arguments before ``--``, where an option can stand."""
    return argv[:argv.index("--")] if "--" in argv else argv


def check_command_line(argv):
    """What the full command would refuse only later, or never: refused first.

    A malformed ``--token-code``, and ``--profile`` given twice, are
    refused before the fast path or the CLI's driver starts, so nothing is
    read, asked for or created.
    """
    from awscli_mfa_plugin.request.parse import check_profile_flags, check_token_code

    check_profile_flags(argv, program="aws-mfa-switch")
    codes = [arg.partition("=")[2] if arg.startswith("--token-code=")
             else (argv[i + 1] if i + 1 < len(argv) else None)
             for i, arg in enumerate(_options(argv))
             if arg == "--token-code" or arg.startswith("--token-code=")]
    if codes and codes[-1] is not None:  # argparse reads the last one
        check_token_code(codes[-1])


def usage():
    """The short usage ``--help`` and ``-h`` print: every option, one line each kind."""
    import textwrap

    from awscli_mfa_plugin.request.arguments import ARG_TABLE

    options = []
    for arg in ARG_TABLE:
        if arg.get("positional_arg"):
            continue
        flag = f"--{arg['name']}"
        if arg.get("action") == "store_true":
            options.append(f"[{flag}]")
        elif arg.get("nargs") == "?":
            options.append(f"[{flag} [{arg['name'].upper()}]]")
        else:
            options.append(f"[{flag} {arg['name'].upper().replace('-', '_')}]")
    words = ["aws-mfa-switch", "[PROFILE ...]", "[--profile PROFILE]",
             *options, "[--version]"]
    # An option and its value stay on one line.
    lines = textwrap.wrap(" ".join(w.replace(" ", "\0") for w in words),
                          width=72, subsequent_indent="    ",
                          break_on_hyphens=False)
    return ("usage: " + "\n".join(lines).replace("\0", " ") + "\n\n"
            "Switches the profiles named (else --profile's, AWS_PROFILE's or\n"
            "default) to MFA-backed temporary credentials. The AWS CLI's global\n"
            "options (--region, --endpoint-url, ...) work as with aws.\n"
            "'aws-mfa-switch help' shows the full page.\n")


def version():
    """This command's version and the AWS CLI's it runs on, without starting the CLI.

    Importing ``awscli`` and (through it) the CLI's own ``botocore`` costs
    a few milliseconds; building the CLI's driver, as ``aws --version``
    does, costs most of a second.
    """
    import platform

    import awscli
    import botocore  # the CLI's copy, now that awscli is imported

    return (f"aws-mfa-switch {__version__} (aws-cli/{awscli.__version__} "
            f"botocore/{botocore.__version__} "
            f"Python/{platform.python_version()})")


def run_command(argv, env):
    """Run ``aws mfa-switch *argv`` in this process, plugin enabled or not."""
    # The same fix-up the ``aws`` script makes before importing the CLI.
    if os.environ.get("LC_CTYPE", "") == "UTF-8":
        os.environ["LC_CTYPE"] = "en_US.UTF-8"
    # awscli first: importing it makes ``botocore`` mean the CLI's own copy.
    import awscli.clidriver
    from botocore.exceptions import BotoCoreError

    try:
        driver = create_driver()
    except BotoCoreError as error:
        # e.g. an unparsable config file: ``aws`` shows a traceback here;
        # botocore's message names the file and nothing of its content.
        env.stderr.write(f"The AWS CLI could not start: {error}\n")
        env.stderr.flush()
        return ExitCode.CONFIG
    except ImportError as error:
        env.stderr.write(
            f"The AWS CLI could not load a plugin your config file names "
            f"under [plugins]: {error}\n")
        env.stderr.flush()
        return ExitCode.CONFIG
    status = driver.main([COMMAND_NAME, *argv])
    awscli.clidriver.HISTORY_RECORDER.record("CLI_RC", status, "CLI")
    return status


#: AWS CLI v2's ``[plugins]`` setting for where to import plugins from.
V2_PLUGIN_PATH_KEY = "cli_legacy_plugin_path"


def create_driver():
    """The AWS CLI (v1) driver as ``awscli.clidriver.create_clidriver`` builds it.

    Two differences: ``mfa-switch`` is in its command table whether or not
    the config enables the plugin, and ``[plugins] cli_legacy_plugin_path``
    is left out of the plugins to load.  That key is AWS CLI v2's (the
    installer writes it for v2 users); v1 takes it for a module name and
    fails on every command, but this command must still work for them.
    """
    import botocore.session
    from awscli import EnvironmentVariables
    from awscli.clidriver import CLIDriver, _set_user_agent_for_session
    from awscli.plugin import load_plugins

    session = botocore.session.Session(EnvironmentVariables)
    _set_user_agent_for_session(session)
    plugins = dict(session.full_config.get("plugins", {}))
    plugins.pop(V2_PLUGIN_PATH_KEY, None)
    load_plugins(plugins, event_hooks=session.get_component("event_emitter"))
    session.register("building-command-table.main", _ensure_command)
    return CLIDriver(session=session)


def _ensure_command(command_table, session, **kwargs):
    """Add ``mfa-switch`` unless the config already enabled the plugin."""
    import awscli_mfa_plugin

    if COMMAND_NAME not in command_table:
        awscli_mfa_plugin._add_command(command_table, session)


if __name__ == "__main__":
    sys.exit(main())
