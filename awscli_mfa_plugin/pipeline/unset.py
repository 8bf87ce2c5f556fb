"""``aws mfa-switch --export --unset``: the lines that remove what ``--export`` sets."""
from awscli_mfa_plugin.deliver import shells
from awscli_mfa_plugin.errors import ExitCode
from awscli_mfa_plugin.files import output


def run(request, tools):
    """The ``unset`` mode's handler; returns the exit status."""
    # Refuse what can be seen without writing (closed, reader gone).
    output.check(tools.env.stdout, "--export")
    output.write(tools.env.stdout, shells.unset_script(request.export),
                 "The lines that unset the variables")
    return ExitCode.OK
