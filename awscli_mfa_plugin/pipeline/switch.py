"""The switch: request -> plan -> codes -> STS -> deliver -> report.

The handler of the modes that switch (see
:data:`~awscli_mfa_plugin.request.modes.MODES`): a plain switch,
``--export``, ``--credential-process``, ``--console`` and
``--console-url``.  Every switch takes this one path, whether it names one
profile, several or ``--all``: the plan decides what is kept and which MFA
exchanges are needed, the code source takes the turn of their devices from
other processes (and the plan is made again under it, since another
process may just have stored what this one needs),
:mod:`~awscli_mfa_plugin.sts.exchange` carries them out with codes from
:class:`~awscli_mfa_plugin.codes.source.CodeSource`, the sinks of
:data:`~awscli_mfa_plugin.deliver.sinks.SINKS` put the credentials where
they belong, and :mod:`~awscli_mfa_plugin.report.sentences` words the
result.
"""
import dataclasses
from typing import Tuple

from awscli_mfa_plugin.deliver.sinks import Delivery, deliver
from awscli_mfa_plugin.deliver import clicache
from awscli_mfa_plugin.errors import ExitCode
from awscli_mfa_plugin.files import inifile, output
from awscli_mfa_plugin.pipeline import Say
from awscli_mfa_plugin.plan import aws_mfa, planner
from awscli_mfa_plugin.plan.recipe import resolve_recipe
from awscli_mfa_plugin.report import sentences
from awscli_mfa_plugin.request import modes
from awscli_mfa_plugin.stored import StoredCredentials
from awscli_mfa_plugin.sts import exchange
from awscli_mfa_plugin.sts.sourcesession import region_of

# The modules of the console and of device discovery are imported where
# those run: a plain switch, which the AWS CLI starts for every use, does
# not load them (bench/, comparison 2).


def run(request, tools):
    """Switch the request's profiles; return the exit status."""
    mode = modes.BY_NAME[request.mode]
    if mode.prints:
        # Refuse now what can be seen without writing (closed, reader gone).
        output.check(tools.env.stdout, mode.flag)
    # Tools such as Terraform show a credential process's stderr, and the
    # child of --exec owns the terminal: quiet on success; errors still
    # reach the user through the command.
    say = Say(tools.env, quiet=request.renews_itself)
    found = planner.targets(tools.profiles, request)
    if request.wants_console:
        from awscli_mfa_plugin.deliver import console

        console.check(found[0], request, tools.profiles)
    return switch(request, tools, found, say)[0]


def switch(request, tools, found, say):
    """Keep or switch the targets ``found``, deliver, report.

    Returns ``(exit status, credentials)``: those of a single-profile run
    (kept or new, a ``StoredCredentials``), else ``None``.  ``--exec``
    runs it for the first credentials and for every renewal.
    """
    mode = modes.BY_NAME[request.mode]
    # A first look: which devices need a code, and a refusal before anyone
    # is asked for anything or waits for another run.
    first = _plan(request, tools, found, say)
    # Other processes may need the same devices' codes: one at a time, and
    # each reads again what the one before it stored.
    with tools.codes.turn(first.planned):
        plan = first
        if first.to_switch:
            again = _plan(request, tools, first.to_switch, say)
            plan = dataclasses.replace(again, kept=first.kept + again.kept)
        now = tools.env.now()
        lines = [sentences.kept_line(item, now) for item in plan.kept]
        outcome = None
        if plan.to_switch:
            for line in lines:
                say(line)
            lines = []
            outcome = exchange.run(plan.planned, tools.client_creator,
                                   tools.codes, now)
            if not request.several and outcome.failed:
                raise outcome.failed[0][1]
        # What was asked for is delivered before it is reported.
        delivery = _delivery(request, tools, found, plan.kept, outcome)
        delivered = deliver(request, tools, delivery)
    if outcome is not None:
        lines = sentences.switched_lines(outcome, tools.env.now(),
                                         request.several)
        if not mode.prints:
            delivered += sentences.no_region_lines(
                outcome.switched, tools.profiles, request.environ)
    for line in lines + delivered:
        say(line)
    status = outcome.exit_code() if outcome is not None else ExitCode.OK
    return status, delivery.printed


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What a switch keeps and what it exchanges, as the files stand now."""

    kept: Tuple[planner.Kept, ...]
    to_switch: Tuple[planner.Target, ...]
    planned: Tuple[planner.Exchange, ...]


def _plan(request, tools, targets, say):
    """The :class:`_Plan` for ``targets``, refused if its write would be.

    Made once before the turn of the devices is taken, and once under it.
    A missing device is looked up (and perhaps a person asked to choose
    it) only after the targets' sections proved writable; the MFA
    sessions' sections are checked once the exchanges are known.
    """
    now = tools.env.now()
    sections = inifile.read_sections(request.credentials_path)

    def cached(config, minimum):
        return clicache.cached(request.cache_dir, config, now,
                               max(clicache.EXPIRY_WINDOW, minimum))

    kept, to_switch = planner.keep(targets, request, tools.profiles,
                                   sections, cached, now)
    if to_switch:
        _check_writable(request, to_switch, ())
        to_switch = _with_devices(to_switch, request, tools, say)
    planned = planner.exchanges(to_switch, request, sections, now,
                                tools.profiles)
    _check_writable(request, (), planned)
    return _Plan(tuple(kept), tuple(to_switch), tuple(planned))


def _delivery(request, tools, found, kept, outcome):
    """What the sinks get: the new credentials, else the kept ones."""
    region = region_of(request, tools.profiles, found[0].recipe.profile)
    if outcome is None:
        return Delivery(region=region, printed=kept[0].credentials,
                        target=kept[0].target)
    single = outcome.switched[0] if not request.several else None
    return Delivery(
        region=region, switched=outcome.switched,
        sessions=tuple(outcome.new_sessions()),
        printed=single and StoredCredentials.of(single.credentials),
        target=single and single.target)


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
