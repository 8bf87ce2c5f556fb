"""Where a run's credentials go: sinks with one interface, in one ordered registry.

A sink is anything with ``deliver(delivery) -> sentences`` (:class:`Sink`):
it takes the run's :class:`Delivery` and returns the sentences it wants
reported (possibly none).  :data:`SINKS` lists them in the order they run,
each as a factory ``(request, tools, delivery) -> sink or None`` (``None``:
nothing to do in this run):

* :class:`Stdout` — the one profile's credentials as shell lines
  (``--export``) or ``credential_process`` JSON, when asked for;
* :class:`CredentialsFile` — the switched profiles' sections and new MFA
  sessions, in one locked, atomic write of the shared credentials file;
* :class:`CliCache` — native role profiles' AssumeRole answers, where the
  AWS CLI looks before it would ask for a code;
* :class:`~awscli_mfa_plugin.deliver.console.Console` — the AWS console
  signed in with them (``--console``, ``--console-url``), imported only
  by a run that signs in.

Standard output comes first: an answer that cannot be printed (a full
disk, a reader gone) ends the run before anything is stored, so nothing is
kept that the caller never received.  A sink that fails raises the error
that ends the run.  A new sink is a class here or a module beside this one,
and one line in :data:`SINKS`.
"""
import dataclasses
import os
from typing import List, Optional, Protocol, Tuple

from awscli_mfa_plugin.deliver import clicache, shells
from awscli_mfa_plugin.files import inifile, output
from awscli_mfa_plugin.stored import (
    StoredCredentials, format_expiration, record_values)
from awscli_mfa_plugin.plan import aws_mfa
from awscli_mfa_plugin.plan.planner import CACHE, FILE, SESSION_SERIAL_KEY


@dataclasses.dataclass(frozen=True)
class Delivery:
    """What a run hands to its sinks."""

    #: :class:`~awscli_mfa_plugin.sts.exchange.Switched` values.
    switched: Tuple = ()
    #: New MFA sessions to keep (:class:`~awscli_mfa_plugin.plan.planner.Session`).
    sessions: Tuple = ()
    #: The credentials a single-profile run prints, kept or new, and the
    #: :class:`~awscli_mfa_plugin.plan.planner.Target` they are for.
    printed: Optional[StoredCredentials] = None
    target: Optional[object] = None
    #: The region printed with ``--export`` (the selected profile's).
    region: Optional[str] = None


class Sink(Protocol):
    """Where credentials go."""

    def deliver(self, delivery: "Delivery") -> List[str]:
        """Put ``delivery`` in place; the sentences to report."""


def credential_values(creds):
    """The keys written to the credentials file for ``creds``."""
    return {
        "aws_access_key_id": creds.access_key_id,
        "aws_secret_access_key": creds.secret_access_key,
        "aws_session_token": creds.session_token,
        "expiration": format_expiration(creds.expiration),
    }


class CredentialsFile:
    """The shared credentials file: every section of a run in one write."""

    def __init__(self, path):
        self.path = path

    def sections(self, delivery):
        """``{section: values}`` for one ``inifile.store_credentials`` call.

        One session section per source profile: should one source use two
        devices in a run, the last is kept (its serial says which).
        """
        out = {}
        for session in delivery.sessions:
            out[session.section] = dict(
                credential_values(session.credentials),
                **{SESSION_SERIAL_KEY: session.serial_number})
        for item in delivery.switched:
            if item.target.sink == FILE:
                recipe = item.target.recipe
                out[recipe.target_profile] = dict(
                    credential_values(item.credentials),
                    **record_values(recipe))
        return out

    def deliver(self, delivery):
        written = self.sections(delivery)
        if written:
            recipes = [item.target.recipe for item in delivery.switched
                       if item.target.sink == FILE]
            inifile.store_credentials(
                self.path, written, **aws_mfa.takeover(recipes))
        return []


class CliCache:
    """The AWS CLI's assume-role cache, for native role profiles."""

    def __init__(self, cache_dir):
        self.cache_dir = cache_dir

    def deliver(self, delivery):
        lines = []
        for item in delivery.switched:
            if item.target.sink != CACHE:
                continue
            entry = clicache.store(self.cache_dir, item.target.native_config,
                                   item.response)
            lines.append(
                f"Stored in the AWS CLI's cache ({entry}): 'aws --profile "
                f"{item.target.name}' asks for no code until "
                f"{clicache.EXPIRY_WINDOW // 60} minutes before then.")
        return lines


class Stdout:
    """Standard output, in the modes that print the credentials."""

    def __init__(self, stream, export=None, credential_process=False):
        self.stream = stream
        self.export = export
        self.credential_process = credential_process

    def deliver(self, delivery):
        creds = delivery.printed
        if creds is None:
            return []
        if self.export:
            text = shells.export_script(
                self.export, creds, delivery.region,
                delivery.target.recipe.profile if delivery.target else None)
        elif self.credential_process:
            text = creds.process_json() + "\n"
        else:
            return []
        output.write(self.stream, text, "The credentials",
                     note="nothing was stored")
        return []


def _console(request, tools, delivery):
    """The console sink of ``--console`` and ``--console-url``."""
    if not request.wants_console or delivery.printed is None:
        return None
    from awscli_mfa_plugin.deliver import console

    opener = None
    if request.mode == "console":
        argv = console.browser_command(request, tools.profiles,
                                       delivery.target.recipe.profile)
        opener = tools.open_browser if argv is None else console.browser_opener(
            argv, os.path.join(request.state_dir, "console"),
            tools.env.now().timestamp())
    return console.Console(
        request.environ,
        tools.http_send or console.botocore_send(
            request.verify_ssl, console.deadline_of(request.environ)),
        opener, tools.env.stdout,
        path=console.console_path(request.console_service,
                                  request.console_path),
        region=request.console_region)


#: Every sink, in the order a run hands it the delivery:
#: ``factory(request, tools, delivery) -> Sink or None``.
SINKS = (
    lambda request, tools, delivery: Stdout(
        tools.env.stdout, request.export, request.credential_process),
    lambda request, tools, delivery: CredentialsFile(request.credentials_path),
    lambda request, tools, delivery: CliCache(request.cache_dir),
    _console,
)


def deliver(request, tools, delivery, sinks=SINKS):
    """Hand ``delivery`` to every sink in order; the sentences they return."""
    lines = []
    for factory in sinks:
        sink = factory(request, tools, delivery)
        if sink is not None:
            lines.extend(sink.deliver(delivery))
    return lines
