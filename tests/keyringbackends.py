"""A keyring backend that refuses every access, loaded by the real ``keyring``.

The ``keyring`` package loads it by name (``PYTHON_KEYRING_BACKEND=
tests.keyringbackends.Refusing``), as it would load any third-party
backend: it stands for a keyring whose owner denied this program access,
which a Secret Service without a desktop cannot be made to do.
"""
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

REFUSAL = "access to the keyring was denied"


class Refusing(KeyringBackend):
    """Recommended (priority 5), and refuses to read, store or delete."""

    priority = 5

    def get_password(self, service, username):
        raise KeyringError(REFUSAL)

    def set_password(self, service, username, password):
        raise KeyringError(REFUSAL)

    def delete_password(self, service, username):
        raise KeyringError(REFUSAL)
