"""The OS keyring as the home of a source profile's long-term access key pair.

The only importer of the ``keyring`` package (macOS Keychain, Windows
Credential Manager, Secret Service or KWallet on Linux), and only when a
profile keeps its keys there: the plugin's import, and every run of a user
who never chose the keyring, stay free of it.  AWS CLI v2 loads the plugin
with its own bundled Python, where ``keyring`` may not import; then only
the keyring's users get a sentence.

One entry per profile (service :data:`SERVICE`, user name the profile),
holding both keys as JSON, so that the pair is written, read and removed
as one.  Which profiles use the keyring is recorded in the AWS config file
(:data:`KEYS_KEY` ``=`` :data:`KEYRING`); this module only reads that record.

A backend that does not keep secrets safely (keyring's ``fail`` and
``null`` backends, plaintext or other backends keyring itself does not
recommend) is refused unless the environment variable
:data:`ANY_BACKEND_VARIABLE` is ``1``.
"""
import dataclasses
import json

from awscli_mfa_plugin.errors import KeyringError
from awscli_mfa_plugin import redaction

#: The keyring service the entries are stored under.
SERVICE = "awscli-mfa-plugin"
#: The config-file key that records where a profile's keys live.  It has
#: the ``mfa_`` prefix of every key of ours: botocore and the other SDKs do
#: not know it, so they neither act on it nor complain about it, and a
#: profile whose keys moved simply has no static keys for them.
KEYS_KEY = "mfa_keys"
KEYRING = "keyring"
#: Set to ``1`` to accept a backend keyring does not recommend.
ANY_BACKEND_VARIABLE = "MFA_SWITCH_KEYRING_ANY_BACKEND"

_ACCESS_KEY = "aws_access_key_id"
_SECRET_KEY = "aws_secret_access_key"


def in_keyring(config):
    """True when a profile's config records that its keys live in the keyring.

    >>> in_keyring({"mfa_keys": "Keyring"}), in_keyring({}), in_keyring(None)
    (True, False, False)
    """
    return str((config or {}).get(KEYS_KEY, "")).strip().lower() == KEYRING


@dataclasses.dataclass(frozen=True)
class KeyPair:
    """A long-term access key pair."""

    access_key_id: str
    secret_access_key: str

    def __repr__(self):
        # Keep the secret out of tracebacks, logs and test failure output.
        return f"KeyPair(access_key_id={self.access_key_id!r})"

    def as_ini(self):
        """The two keys as the credentials file spells them."""
        return {_ACCESS_KEY: self.access_key_id,
                _SECRET_KEY: self.secret_access_key}

    @classmethod
    def of_ini(cls, values):
        """The pair in a credentials section (keys lower-cased), or ``None``."""
        access, secret = values.get(_ACCESS_KEY), values.get(_SECRET_KEY)
        return cls(access, secret) if access and secret else None


#: The credentials-file keys of a pair.
INI_KEYS = (_ACCESS_KEY, _SECRET_KEY)


class KeyringStore:
    """Reads, writes and removes key pairs in the OS keyring.

    ``backend`` (a keyring backend object) is for tests; by default the
    one the ``keyring`` package chooses (``PYTHON_KEYRING_BACKEND`` and its
    config file included), checked on first use.
    """

    def __init__(self, environ, backend=None):
        self._environ = environ
        self._backend = backend
        self._checked = False

    def get(self, profile):
        """The pair stored for ``profile``; :class:`KeyringError` when none."""
        pair = self.find(profile)
        if pair is None:
            raise KeyringError(
                f"The OS keyring holds no keys for profile {profile!r}, "
                f"although the AWS config file says {KEYS_KEY} = {KEYRING}: "
                f"add them with 'aws mfa-switch --profile {profile} "
                "--add-keys'.")
        return pair

    def find(self, profile):
        """The pair stored for ``profile``, or ``None``."""
        text = self._call("read", profile, "get_password", SERVICE, profile)
        if text is None:
            return None
        redaction.remember(text)
        try:
            values = json.loads(text)
            pair = KeyPair(values[_ACCESS_KEY], values[_SECRET_KEY])
        except (ValueError, KeyError, TypeError):
            raise KeyringError(
                f"The OS keyring's entry for profile {profile!r} (service "
                f"{SERVICE!r}) is not a key pair mfa-switch wrote; add the "
                f"keys again with 'aws mfa-switch --profile {profile} "
                "--add-keys'.") from None
        redaction.remember(pair.secret_access_key)
        return pair

    def put(self, profile, pair):
        """Store ``pair`` for ``profile``, replacing any earlier one."""
        redaction.remember(pair.secret_access_key)
        text = json.dumps({_ACCESS_KEY: pair.access_key_id,
                           _SECRET_KEY: pair.secret_access_key})
        redaction.remember(text)
        self._call("store", profile, "set_password", SERVICE, profile, text)

    def delete(self, profile):
        """Remove ``profile``'s entry; ``False`` when there was none."""
        if self._call("read", profile, "get_password", SERVICE,
                      profile) is None:
            return False
        from keyring.errors import PasswordDeleteError

        try:
            self._call("remove", profile, "delete_password", SERVICE, profile,
                       passing=(PasswordDeleteError,))
        except PasswordDeleteError:
            return False
        return True

    def backend_name(self):
        """The backend in use, as ``module.Class``."""
        return _name(_used(self._usable_backend()))

    def _usable_backend(self):
        if self._backend is None:
            try:
                import keyring
            except ImportError as error:
                raise KeyringError(
                    "The keys of this profile live in the OS keyring, but the "
                    f"'keyring' package cannot be imported here ({error}); "
                    f"{_keyring_install_step()}") from None
            self._backend = keyring.get_keyring()
        if not self._checked:
            # Once per run: a backend's priority may ask D-Bus each time.
            _check_usable(self._backend, self._environ)
            self._checked = True
        return self._backend

    def _call(self, action, profile, method, *args, passing=()):
        """``backend.method(*args)``, every refusal turned into a sentence."""
        backend = self._usable_backend()  # first: says when keyring is missing
        from keyring.errors import KeyringLocked

        try:
            return getattr(backend, method)(*args)
        except passing:
            raise
        except KeyringLocked:
            raise KeyringError(
                f"The OS keyring ({_name(_used(backend))}) is locked and was "
                f"not unlocked, so the keys of profile {profile!r} cannot be "
                f"{_DONE[action]}; unlock it (log in to the desktop, or "
                "unlock the keyring) and run the command again.") from None
        except Exception as error:  # any backend's own refusal or fault
            raise KeyringError(
                f"The OS keyring ({_name(_used(backend))}) refused to "
                f"{action} the keys of profile {profile!r}: "
                f"{_reason(error)}.") from None


_DONE = {"read": "read", "store": "stored", "remove": "removed"}


def _reason(error):
    text = str(error).strip().rstrip(".") or type(error).__name__
    return " ".join(text.split())


def _used(backend):
    """The backend that actually keeps the secrets (a chain's first)."""
    chain = getattr(backend, "backends", None)
    if type(backend).__name__ == "ChainerBackend" and chain is not None:
        return chain[0] if chain else None
    return backend


def _name(backend):
    if backend is None:
        return "none"
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _keyring_install_step():
    """How to give the Python running the plugin the ``keyring`` package.

    AWS CLI v2 imports the plugin from a folder of its own (``[plugins]
    cli_legacy_plugin_path``, README's ``--target`` folder) with its own
    Python: ``keyring`` goes into that folder.  AWS CLI v1 runs in a Python
    whose site-packages holds the plugin: ``keyring`` goes there.
    """
    import os
    import sys
    import sysconfig

    # This file is <folder>/awscli_mfa_plugin/keys/store.py.
    folder = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    sites = {os.path.abspath(p) for p in sysconfig.get_paths().values() if p}
    if os.path.abspath(folder) in sites:
        return (f"install it for the Python that runs the AWS CLI: "
                f"{sys.executable} -m pip install keyring")
    return ("install it into the folder the AWS CLI loads this plugin from: "
            f"python3 -m pip install --target {folder} keyring")


def _check_usable(backend, environ):
    """Refuse a backend that does not keep secrets safely, unless accepted."""
    used = _used(backend)
    try:
        priority = used.priority if used is not None else -1
    except Exception:  # a backend that cannot run here says so this way
        priority = -1
    # keyring's own test (keyring.core.recommended): priority 1 or more.
    # The fail and null backends and keyrings.alt's plaintext ones are below.
    if priority >= 1 or environ.get(ANY_BACKEND_VARIABLE) == "1":
        return
    raise KeyringError(
        f"No usable OS keyring: the keyring package offers only "
        f"{_name(used)}, which does not keep secrets safely (no Secret "
        "Service on D-Bus, Keychain or Credential Manager here?); set "
        f"{ANY_BACKEND_VARIABLE}=1 to use it anyway.")
