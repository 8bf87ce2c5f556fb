"""``--move-keys-to-keyring``, ``--move-keys-to-file``, ``--add-keys``: a profile's keys change home.

A mode of its own beside the switch (no code, no STS): the
request names the mode and the profile, :class:`~awscli_mfa_plugin.files.keystore.KeyringStore`
keeps the keys, and :mod:`~awscli_mfa_plugin.files.inifile` (the only
writer of the AWS files) removes them from, or puts them back into, the
credentials file and keeps the record in the config file.

The order of every move is chosen so that no moment loses the keys: they
are stored and read back before the file gives them up; they are in the
file before the keyring gives them up.  The config record is written
first and taken back when the credentials file cannot be changed, so a
failure leaves both files as they were.
"""
import re

from awscli_mfa_plugin.files import inifile
from awscli_mfa_plugin.pipeline import Say
from awscli_mfa_plugin.stored import is_managed
from awscli_mfa_plugin.errors import (
    Cancelled, ConfigError, CredentialsFileError, ExitCode, KeyringError,
    MfaSwitchError, UsageError)
from awscli_mfa_plugin.files.keystore import (
    INI_KEYS, KEYRING, KEYS_KEY, KeyPair, in_keyring)

TO_KEYRING = "move-keys-to-keyring"
TO_FILE = "move-keys-to-file"
ADD = "add-keys"

# Keys whose presence means a section holds credentials of some kind.
_CREDENTIAL_KEYS = INI_KEYS + ("aws_session_token", "aws_security_token")

# Long-term access key IDs start with AKIA; ASIA ones are temporary and
# useless without their session token.
_ACCESS_KEY_RE = re.compile(r"AKIA[A-Z0-9]{12,124}")
_SECRET_RE = re.compile(r"\S{16,}")


def run(request, tools):
    """The keys modes' handler; returns the exit status."""
    profiles, store, env = tools.profiles, tools.keys, tools.env
    say = Say(env)
    profile = request.names[0] if request.names else request.selected_profile
    paths = (request.credentials_path, request.config_path)
    # Both files before the keyring or either file is touched (the keys
    # moves write the config file, and all but --add-keys the credentials).
    for path in paths[(request.mode not in (TO_KEYRING, TO_FILE)):]:
        inifile.check_writable(path)
    if request.mode == TO_KEYRING:
        to_keyring(profile, profiles, store, paths, say)
    elif request.mode == TO_FILE:
        to_file(profile, profiles, store, paths, say)
    else:
        add(profile, store, env, paths, say)
    return ExitCode.OK


def to_keyring(profile, profiles, store, paths, say):
    """Move ``profile``'s key pair from the credentials file into the keyring."""
    credentials, config = paths
    section = inifile.read_sections(credentials).get(profile, {})
    pair = KeyPair.of_ini(section)
    if pair is None:
        if in_keyring(profiles.get(profile)):
            say(f"The keys of profile {profile!r} are in the OS keyring "
                "already; nothing was changed.")
            return
        raise ConfigError(
            f"The profile {profile!r} has no access key pair in {credentials} "
            "to move (aws_access_key_id and aws_secret_access_key).")
    _refuse_temporary(profile, section, credentials)
    earlier = store.find(profile)
    if earlier is not None and earlier != pair:
        raise KeyringError(
            f"The OS keyring already holds another key pair for profile "
            f"{profile!r}; move it out first with 'aws mfa-switch --profile "
            f"{profile} --move-keys-to-file' (or remove the keys from "
            f"{credentials}).")
    store.put(profile, pair)
    if store.find(profile) != pair:
        raise KeyringError(
            f"The OS keyring gave back other keys than were stored for "
            f"profile {profile!r}; nothing was removed from {credentials}.")

    def unchanged(sections):
        if KeyPair.of_ini(sections.get(profile, {})) != pair:
            raise CredentialsFileError(
                f"The keys of profile {profile!r} in {credentials} changed "
                "while they were being moved; nothing was removed, run the "
                "command again.")

    try:
        _with_record(config, profile, lambda: inifile.update_profile(
            credentials, inifile.CREDENTIALS, profile, {},
            remove=INI_KEYS, check=unchanged))
    except MfaSwitchError:
        if earlier is None:
            _quietly(store.delete, profile)
        raise
    say(f"Moved the keys of profile {profile!r} ({pair.access_key_id}) from "
        f"{credentials} into the OS keyring ({store.backend_name()}); "
        f"{config} records it ({KEYS_KEY} = {KEYRING}).")


def to_file(profile, profiles, store, paths, say):
    """Move ``profile``'s key pair from the keyring back into the credentials file."""
    credentials, config = paths
    if not in_keyring(profiles.get(profile)):
        if KeyPair.of_ini(inifile.read_sections(credentials).get(profile, {})):
            say(f"The keys of profile {profile!r} are in {credentials} "
                "already; nothing was changed.")
            return
        raise ConfigError(
            f"The AWS config file does not say that profile {profile!r} "
            f"keeps its keys in the OS keyring ({KEYS_KEY} = {KEYRING}), so "
            "there is nothing to move.")
    pair = store.get(profile)

    def free(sections):
        _refuse_credentials(profile, sections.get(profile, {}), credentials)

    free(inifile.read_sections(credentials))
    inifile.update_profile(credentials, inifile.CREDENTIALS, profile,
                           pair.as_ini(), check=free)
    try:
        inifile.update_profile(config, inifile.CONFIG, profile, {},
                               remove=(KEYS_KEY,))
    except MfaSwitchError:
        _quietly(inifile.update_profile, credentials, inifile.CREDENTIALS,
                 profile, {}, remove=INI_KEYS)
        raise
    try:
        store.delete(profile)
    except KeyringError as error:
        # The keys are where they were asked to go; the copy left behind is
        # the user's to remove.
        say(f"The keys of profile {profile!r} are back in {credentials}, but "
            f"their OS keyring entry stays: {error}")
        return
    say(f"Moved the keys of profile {profile!r} ({pair.access_key_id}) from "
        f"the OS keyring back into {credentials}.")


def add(profile, store, env, paths, say):
    """Ask at the terminal for a new key pair and store it in the keyring."""
    credentials, config = paths
    _refuse_credentials(
        profile, inifile.read_sections(credentials).get(profile, {}),
        credentials, hint="move them with --move-keys-to-keyring or remove "
                          "them first")
    backend = store.backend_name()  # no usable keyring: refuse before asking
    terminal = env.open_terminal()
    if terminal is None:
        raise UsageError(
            "--add-keys asks for the keys at a terminal, and there is none; "
            "run it in one.")
    with terminal:
        access = _ask(terminal, "AWS Access Key ID: ", hidden=False)
        if not _ACCESS_KEY_RE.fullmatch(access):
            raise UsageError(
                "That is not a long-term access key ID (AKIA followed by "
                "letters and digits); nothing was stored.")
        secret = _ask(terminal, "AWS Secret Access Key (hidden): ",
                      hidden=True)
        if not _SECRET_RE.fullmatch(secret):
            raise UsageError(
                "That is not a secret access key (16 or more characters, no "
                "spaces); nothing was stored.")
    pair = KeyPair(access, secret)
    earlier = store.find(profile)
    store.put(profile, pair)
    if store.find(profile) != pair:
        raise KeyringError(
            f"The OS keyring gave back other keys than were stored for "
            f"profile {profile!r}; nothing was recorded in {config}.")
    try:
        inifile.update_profile(config, inifile.CONFIG, profile,
                               {KEYS_KEY: KEYRING})
    except MfaSwitchError:
        if earlier is None:
            _quietly(store.delete, profile)
        else:
            _quietly(store.put, profile, earlier)
        raise
    replaced = " (replacing the earlier pair)" if earlier else ""
    say(f"Stored the keys of profile {profile!r} ({access}) in the OS keyring "
        f"({backend}){replaced}; {config} records it "
        f"({KEYS_KEY} = {KEYRING}).")


def _with_record(config, profile, change):
    """Record in the config file that the keys are in the keyring, then ``change()``.

    The record is taken back when ``change`` raises, unless it was there
    before: both files stay as they were.
    """
    added = inifile.update_profile(config, inifile.CONFIG, profile,
                                   {KEYS_KEY: KEYRING})
    try:
        change()
    except MfaSwitchError:
        if added:
            _quietly(inifile.update_profile, config, inifile.CONFIG, profile,
                     {}, remove=(KEYS_KEY,))
        raise


def _refuse_temporary(profile, section, path):
    if is_managed(section) or any(
            key in section for key in _CREDENTIAL_KEYS[2:]):
        raise ConfigError(
            f"The section [{profile}] in {path} holds temporary credentials "
            "(a session token); only long-term keys are moved to the OS "
            "keyring.")


def _refuse_credentials(profile, section, path, hint="remove them first"):
    if any(key in section for key in _CREDENTIAL_KEYS):
        raise ConfigError(
            f"The section [{profile}] in {path} holds credentials already, "
            f"which the keys would overwrite; {hint}.")


def _quietly(action, *args, **kwargs):
    """Undo a step; the error being raised is the one the user reads."""
    try:
        action(*args, **kwargs)
    except MfaSwitchError:
        pass


def _ask(terminal, prompt, hidden):
    """One line typed at the terminal, its echo off when ``hidden``."""
    terminal.output.write(prompt)
    terminal.output.flush()
    restore = _echo_off(terminal.input) if hidden else None
    try:
        line = terminal.input.readline()
    finally:
        if restore is not None:
            restore()
            terminal.output.write("\n")
            terminal.output.flush()
    if not line:
        raise Cancelled()
    return line.strip()


def _echo_off(stream):
    """Turn the terminal's echo off; returns what turns it back on."""
    try:
        import termios
    except ImportError:  # Windows: no termios; the console keeps echoing
        return None
    fd = stream.fileno()
    try:
        old = termios.tcgetattr(fd)
    except termios.error:
        return None
    new = list(old)
    new[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSAFLUSH, new)
    return lambda: termios.tcsetattr(fd, termios.TCSAFLUSH, old)
