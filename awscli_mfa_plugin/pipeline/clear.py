"""``--clear``: remove what mfa-switch stored for some profiles, and nothing else.

The credentials file loses, in the managed sections of the profiles, the
keys mfa-switch writes (a section left empty goes with its header); the
AWS CLI's cache loses the entries mfa-switch wrote for native role
profiles; a kept MFA session goes when no remaining profile would use it.
Sections without mfa-switch's marker, cache entries the AWS CLI wrote
itself and every other byte stay as they are.
"""
from awscli_mfa_plugin.deliver import clicache
from awscli_mfa_plugin.errors import ExitCode
from awscli_mfa_plugin.files import inifile
from awscli_mfa_plugin.pipeline import Say
from awscli_mfa_plugin.plan import planner
from awscli_mfa_plugin.stored import (
    FOR_ROLE_KEY, FOR_SERIAL_KEY, FOR_SOURCE_KEY)
from awscli_mfa_plugin.plan.planner import CACHE, FILE, SESSION_SERIAL_KEY

#: The keys mfa-switch writes into a section (the marker is added by the
#: editor), and so the ones it removes.
WRITTEN_KEYS = (*inifile.CREDENTIAL_KEYS, "expiration", FOR_ROLE_KEY,
                FOR_SOURCE_KEY, FOR_SERIAL_KEY, SESSION_SERIAL_KEY)


def run(request, tools):
    """The ``--clear`` mode's handler; returns the exit status."""
    say = Say(tools.env)
    found = planner.targets(tools.profiles, request)
    sections = inifile.read_sections(request.credentials_path)
    unused = planner.unused_sessions(found, tools.profiles, sections,
                                     request.user_name)
    for line in clear(found, unused, request.credentials_path,
                      request.cache_dir):
        say(line)
    return ExitCode.OK


def clear(targets, sessions, credentials_path, cache_dir):
    """Remove what was stored for ``targets`` and the ``sessions`` sections.

    Returns the sentences that say what was removed, or that nothing was.
    """
    names = [t.recipe.target_profile for t in targets if t.sink == FILE]
    removed = inifile.clear_credentials(
        credentials_path, names + list(sessions), WRITTEN_KEYS)
    lines, cleared = [], set(removed)
    for name in removed:
        what = ("the MFA session" if name in sessions
                else "the credentials of")
        lines.append(f"Removed {what} [{name}] from {credentials_path}.")
    for target in targets:
        if target.sink != CACHE:
            continue
        entry = clicache.remove(cache_dir, target.native_config)
        if entry is not None:
            cleared.add(target.name)
            lines.append(f"Removed the AWS CLI's cached credentials of "
                         f"{target.name!r} ({entry}).")
    for target in targets:
        if target.name not in cleared:
            lines.append(f"Nothing stored by mfa-switch for {target.name!r}; "
                         "nothing was removed for it.")
    return lines
