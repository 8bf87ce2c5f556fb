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

from awscli_mfa_plugin.deliver import clicache, inifile
from awscli_mfa_plugin.deliver.sinks import (
    CliCache, CredentialsFile, Delivery, Stdout)
from awscli_mfa_plugin.deliver.stored import StoredCredentials
from awscli_mfa_plugin.environment import Environment
from awscli_mfa_plugin.errors import ExitCode
from awscli_mfa_plugin.plan import aws_mfa, discovery, planner
from awscli_mfa_plugin.plan.recipe import resolve_recipe
from awscli_mfa_plugin.report import listing, sentences
from awscli_mfa_plugin.report.redaction import redact
from awscli_mfa_plugin.sts import exchange
from awscli_mfa_plugin.sts.sourcesession import region_of


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


def run(request, tools):
    """Carry out ``request``; return the exit status."""
    if request.list:
        listing.write_listing(tools.env, tools.profiles,
                              request.credentials_path, request.cache_dir)
        return ExitCode.OK
    say = _Say(tools.env)
    found = planner.targets(tools.profiles, request)
    kept, to_switch, sections = _keep(request, tools, found)
    planned = ()
    if to_switch:
        # Refuse before anyone is asked for anything; the write checks
        # again under its lock.
        _check_writable(request, sections, to_switch, ())
        to_switch = _with_devices(to_switch, request, tools, say)
        planned = planner.exchanges(to_switch, request, sections,
                                    tools.env.now())
        _check_writable(request, sections, (), planned)
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
            _check_writable(request, sections, (), planned)
        now = tools.env.now()
        for item in kept:
            say(sentences.kept_line(item, now))
        if not to_switch:
            _deliver(request, tools, dataclasses.replace(
                delivery, printed=kept[0].credentials if kept else None))
            return ExitCode.OK
        outcome = exchange.run(planned, tools.client_creator, tools.codes)
        if not request.several and outcome.failed:
            raise outcome.failed[0][1]
        printed = (StoredCredentials.of(outcome.switched[0].credentials)
                   if not request.several and outcome.switched else None)
        lines = _deliver(request, tools, dataclasses.replace(
            delivery, switched=outcome.switched,
            sessions=tuple(outcome.new_sessions()), printed=printed))
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
    sinks = (
        CredentialsFile(request.credentials_path),
        CliCache(request.cache_dir),
        Stdout(tools.env.stdout, request.export, request.credential_process),
    )
    return [line for sink in sinks for line in sink.deliver(delivery)]


def _check_writable(request, sections, targets, planned):
    """Raise what the credentials write would raise, writing nothing.

    Sections aws-mfa wrote, for recipes read from aws-mfa's own layout, are
    the one exception: the write itself takes them over.
    """
    names = [
        t.recipe.target_profile for t in targets
        if t.sink == planner.FILE and not (
            t.recipe.layout == "aws-mfa" and aws_mfa.wrote_section(
                sections.get(t.recipe.target_profile, {})))
    ]
    names += [e.session_section for e in planned
              if e.needs_code and not e.direct]
    if names:
        inifile.check_credentials_targets(request.credentials_path, names)


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
            dataclasses.replace(request.overrides,
                                serial_number=serials[recipe.source_profile]),
            user_name=request.user_name)))
    return out


def _discover(recipe, request, tools, say):
    """Find the device in IAM, say which, and offer to save it."""
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
        written = discovery.save_serial(
            recipe, found.serial_number, request.config_path,
            request.credentials_path)
        say(f"Saved the device in {written}.")
    return found.serial_number


class _Say:
    """Writes report lines to stderr; lines may quote STS, so redacted."""

    def __init__(self, env):
        self._stderr = env.stderr

    def __call__(self, line):
        self._stderr.write(redact(line) + "\n")
        self._stderr.flush()
