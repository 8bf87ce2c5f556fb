"""``--exec -- COMMAND``: run a command with the profile's credentials, renewed while it runs.

The profile is switched first, as any switch (kept credentials, else a
role assumed from the kept MFA session, else one code), then the command
starts with a loopback credentials endpoint
(:mod:`~awscli_mfa_plugin.deliver.endpoint`) that renews the role through
that same switch before it runs out: the kept MFA session serves every
renewal without a code until it ends, and then one code is asked for
through the usual asker (the terminal, a dialog, ``mfa_process``).  With
``--no-server`` the command gets the keys themselves in its environment
instead, for tools that read nothing else; they end with the role.

What the child sees, and how it is kept from the long-term keys, is
:mod:`~awscli_mfa_plugin.deliver.child`'s business.
"""
from awscli_mfa_plugin.deliver import child
from awscli_mfa_plugin.errors import UsageError
from awscli_mfa_plugin.pipeline import Say
from awscli_mfa_plugin.pipeline.switch import switch
from awscli_mfa_plugin.plan import keep, planner
from awscli_mfa_plugin.sts.sourcesession import region_of


def run(request, tools):
    """Switch, run the command, renew while it runs; its exit status."""
    say = Say(tools.env, quiet=True)
    argv = list(request.exec_command)
    environ = tools.env.environ
    # Refused before any code is asked for or anything stored.
    child.check_command(argv, environ.get("PATH"))
    port = _port(request.exec_port)
    found = planner.targets(tools.profiles, request)
    profile = found[0].recipe.profile
    region = region_of(request, tools.profiles, profile)
    if request.no_server:
        status, creds = switch(request, tools, found, say)
        if status:
            return status
        with child.Workspace(request.config_path) as workspace:
            return child.run(argv, child.environment(
                environ, workspace.config, profile, region, credentials=creds))
    from awscli_mfa_plugin.deliver.endpoint import CredentialsEndpoint

    # Renewals: the same switch, without the first run's code or --force.
    again = request.replace(token_code=None, force=False)

    def renew():
        return switch(again, tools, found, say.quiet())[1]

    def failed(error):
        say.always(f"Could not renew the credentials of {profile!r} for the "
                   f"command: {error}")

    minimum = keep.min_remaining(request.min_remaining,
                                 tools.profiles.get(profile), for_process=True)
    endpoint = CredentialsEndpoint(renew, minimum, now=tools.env.now,
                                   on_error=failed)
    # Bound first: a port in use is refused before anyone is asked a code.
    endpoint.start(port)
    try:
        status, creds = switch(request, tools, found, say)
        if status:
            return status
        endpoint.hold(creds)
        endpoint.renew_ahead()
        with child.Workspace(request.config_path) as workspace:
            return child.run(argv, child.environment(
                environ, workspace.config, profile, region,
                endpoint=(endpoint.url, endpoint.token)))
    finally:
        endpoint.stop()


def _port(value):
    """``--exec-port`` as a number (0: any free port).

    >>> _port(None), _port("8125")
    (0, 8125)
    """
    if value is None:
        return 0
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 1 <= int(text) <= 65535):
        raise UsageError(
            f"The port {text!r} given with --exec-port is not a port number "
            "from 1 to 65535.")
    return int(text)

