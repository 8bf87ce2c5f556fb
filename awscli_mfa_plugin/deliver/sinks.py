"""Where a run's credentials go: sinks with one interface.

Every sink takes the run's :class:`Delivery` and returns the sentences it
wants reported (possibly none):

* :class:`CredentialsFile` — the switched profiles' sections and new MFA
  sessions, in one locked, atomic write of the shared credentials file;
* :class:`CliCache` — native role profiles' AssumeRole answers, where the
  AWS CLI looks before it would ask for a code;
* :class:`Stdout` — the one profile's credentials as shell lines
  (``--export``) or ``credential_process`` JSON, when asked for;
* :class:`~awscli_mfa_plugin.deliver.console.Console` — the AWS console
  signed in with them (``--console``, ``--console-url``).

The pipeline runs them in order, standard output first: an answer that
cannot be printed (a full disk, a reader gone) ends the run before
anything is stored, so nothing is kept that the caller never received.
A sink that fails raises the error that ends the run.
"""
import dataclasses
from typing import Optional, Tuple

from awscli_mfa_plugin.deliver import clicache, inifile, output, shells
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
