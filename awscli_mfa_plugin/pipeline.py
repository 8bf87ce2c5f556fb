"""One run of ``aws mfa-switch``: request -> plan -> codes -> STS -> deliver -> report.

Every switch takes this one path, whether it names one profile, several
or ``--all``: the plan decides what is kept and which MFA exchanges are
needed, the code source takes the turn of their devices from other
processes (and the plan is made again under it, since another process may
just have stored what this one needs), :mod:`~awscli_mfa_plugin.sts.exchange` carries them out with codes
from :class:`~awscli_mfa_plugin.codes.source.CodeSource`, the sinks of
:mod:`~awscli_mfa_plugin.deliver.sinks` put the credentials where they
belong, and :mod:`~awscli_mfa_plugin.report.sentences` words the result.

Errors are raised, never printed: the command turns them into the one
sentence and exit status a user sees.
"""
import dataclasses
from typing import Any, Callable, Mapping

from awscli_mfa_plugin.deliver import clicache, inifile, output
from awscli_mfa_plugin.deliver.sinks import (
    CliCache, CredentialsFile, Delivery, Stdout)
from awscli_mfa_plugin.stored import StoredCredentials
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import ExitCode
from awscli_mfa_plugin.plan import aws_mfa, planner
from awscli_mfa_plugin.plan.recipe import resolve_recipe
from awscli_mfa_plugin.report import sentences
from awscli_mfa_plugin.redaction import redact
from awscli_mfa_plugin.sts import exchange
from awscli_mfa_plugin.sts.sourcesession import region_of

# The modules of --list, the keys modes, --unset, --clear, --console and
# device discovery are imported where those run: a plain switch, which
# the AWS CLI starts for every use, does not load them (bench/, comparison 2).


@dataclasses.dataclass(frozen=True)
class Tools:
    """What a run reaches the world through; tests hand in their own."""

    env: Environment
    #: botocore's profile map (config and credentials files merged).
    profiles: Mapping[str, Mapping[str, Any]]
    #: ``recipe -> create(service, **kwargs)`` signing with its source.
    client_creator: Callable
    #: A :class:`~awscli_mfa_plugin.codes.source.CodeSource`.
    codes: Any
    #: Asks a person to choose a device or confirm saving it.
    prompter: Any
    #: ``send(url) -> (status, body)``: HTTP GET (the console's federation).
    http_send: Callable = None
    #: ``open_browser(url) -> bool``: opens a web browser.
    open_browser: Callable = None
    #: A :class:`~awscli_mfa_plugin.keys.store.KeyringStore` (keys modes).
    keys: Any = None


def run(request, tools):
    """Carry out ``request``; return the exit status."""
    if request.list:
        from awscli_mfa_plugin.report import listing

        listing.write_listing(tools.env, tools.profiles,
                              request.credentials_path, request.cache_dir)
        return ExitCode.OK
    if request.keys_action:
        # Keys change home: a flow of its own, no code and no STS.
        from awscli_mfa_plugin.keys import move as keys_move

        return keys_move.run(request, tools.profiles, tools.keys, tools.env,
                             _Say(tools.env))
    if request.prints_credentials or request.console_url:
        # Refuse now what can be seen without writing (closed, reader gone).
        output.check(tools.env.stdout, _printing_flag(request))
    if request.unset:
        from awscli_mfa_plugin.deliver import shells

        output.write(tools.env.stdout, shells.unset_script(request.export),
                     "The lines that unset the variables")
        return ExitCode.OK
    # Tools such as Terraform show a credential process's stderr: quiet on
    # success; errors still reach the user through the command.
    say = _Say(tools.env, quiet=request.credential_process)
    found = planner.targets(tools.profiles, request)
    if request.clear:
        from awscli_mfa_plugin.deliver import clear

        sections = inifile.read_sections(request.credentials_path)
        unused = planner.unused_sessions(found, tools.profiles, sections,
                                         request.user_name)
        for line in clear.clear(found, unused, request.credentials_path,
                                request.cache_dir):
            say(line)
        return ExitCode.OK
    if request.wants_console:
        from awscli_mfa_plugin.deliver import console

        console.check_federable(found[0])
    kept, to_switch, sections = _keep(request, tools, found)
    planned = ()
    if to_switch:
        # Refuse before anyone is asked for anything; the write checks
        # again under its lock.
        _check_writable(request, to_switch, ())
        to_switch = _with_devices(to_switch, request, tools, say)
        planned = planner.exchanges(to_switch, request, sections,
                                    tools.env.now())
        _check_writable(request, (), planned)
    delivery = Delivery(region=region_of(request, tools.profiles,
                                         found[0].recipe.profile))
    # Other processes may need the same devices' codes: one at a time, and
    # each reads again what the one before it stored.
    with tools.codes.turn(planned):
        if to_switch:
            more, to_switch, sections = _keep(request, tools, to_switch)
            kept += more
            planned = planner.exchanges(to_switch, request, sections,
                                        tools.env.now())
            _check_writable(request, (), planned)
        now = tools.env.now()
        kept_lines = [sentences.kept_line(item, now) for item in kept]
        if not to_switch:
            # What was asked for is delivered before it is reported.
            lines = _deliver(request, tools, dataclasses.replace(
                delivery, printed=kept[0].credentials, target=kept[0].target))
            for line in kept_lines + lines:
                say(line)
            return ExitCode.OK
        for line in kept_lines:
            say(line)
        outcome = exchange.run(planned, tools.client_creator, tools.codes, now)
        if not request.several and outcome.failed:
            raise outcome.failed[0][1]
        single = outcome.switched[0] if not request.several else None
        lines = _deliver(request, tools, dataclasses.replace(
            delivery, switched=outcome.switched,
            sessions=tuple(outcome.new_sessions()),
            printed=single and StoredCredentials.of(single.credentials),
            target=single and single.target))
    if not request.prints_credentials:
        lines += sentences.no_region_lines(outcome.switched, tools.profiles,
                                           request.environ)
    for line in sentences.switched_lines(outcome, tools.env.now(),
                                         request.several) + lines:
        say(line)
    return outcome.exit_code()


def _keep(request, tools, found):
    """``(kept, to_switch, sections)`` as the files stand now."""
    now = tools.env.now()
    sections = inifile.read_sections(request.credentials_path)

    def cached(config, minimum):
        return clicache.cached(request.cache_dir, config, now,
                               max(clicache.EXPIRY_WINDOW, minimum))

    kept, to_switch = planner.keep(found, request, tools.profiles, sections,
                                   cached, now)
    return kept, to_switch, sections


def _deliver(request, tools, delivery):
    """Hand ``delivery`` to every sink in order; the sentences they return."""
    sinks = [
        Stdout(tools.env.stdout, request.export, request.credential_process),
        CredentialsFile(request.credentials_path),
        CliCache(request.cache_dir),
    ]
    if request.wants_console and delivery.printed is not None:
        from awscli_mfa_plugin.deliver import console

        sinks.append(console.Console(
            request.environ, tools.http_send,
            None if request.console_url else tools.open_browser,
            tools.env.stdout))
    return [line for sink in sinks for line in sink.deliver(delivery)]


def _check_writable(request, targets, planned):
    """Raise what the credentials write would raise, writing nothing.

    The write's own checks, with the write's own takeover of sections
    aws-mfa wrote for recipes read from aws-mfa's layout.
    """
    recipes = [t.recipe for t in targets if t.sink == planner.FILE]
    names = [r.target_profile for r in recipes]
    names += [e.session_section for e in planned
              if e.needs_code and not e.direct]
    if names:
        inifile.check_credentials_targets(
            request.credentials_path, names, **aws_mfa.takeover(recipes))


def _with_devices(to_switch, request, tools, say):
    """The targets, each missing device looked up in IAM (once per source)."""
    serials, out = {}, []
    for target in to_switch:
        recipe = target.recipe
        if recipe.serial_number:
            out.append(target)
            continue
        if recipe.source_profile not in serials:
            serials[recipe.source_profile] = _discover(
                recipe, request, tools, say)
        out.append(dataclasses.replace(target, recipe=resolve_recipe(
            tools.profiles, recipe.profile,
            request.overrides.replace(
                serial_number=serials[recipe.source_profile]),
            user_name=request.user_name)))
    return out


def _discover(recipe, request, tools, say):
    """Find the device in IAM, say which, and offer to save it."""
    from awscli_mfa_plugin.deliver import device
    from awscli_mfa_plugin.sts import discovery

    terminal = tools.env.stdin_is_terminal()
    found = discovery.discover(
        tools.client_creator(recipe),
        tools.prompter.choose if terminal else None,
    )
    say(f"Using MFA device {found.serial_number} of IAM user "
        f"{found.user_name!r} (found with ListMFADevices).")
    if request.save_serial or (terminal and tools.prompter.confirm(
            f"Save it in profile {recipe.profile!r} so it is not looked "
            "up again?")):
        written = device.save_serial(
            recipe, found.serial_number, request.config_path,
            request.credentials_path)
        say(f"Saved the device in {written}.")
    return found.serial_number


def _printing_flag(request):
    if request.export is not None:
        return "--export"
    if request.credential_process:
        return "--credential-process"
    return "--console-url"


class _Say:
    """Writes report lines to stderr; lines may quote STS, so redacted."""

    def __init__(self, env, quiet=False):
        self._stderr = env.stderr
        self._quiet = quiet

    def __call__(self, line):
        if self._quiet:
            return
        self._stderr.write(redact(line) + "\n")
        self._stderr.flush()
