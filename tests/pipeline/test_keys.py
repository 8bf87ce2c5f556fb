"""pipeline/keys.py and files/keystore.py with an in-memory keyring: races, undoing, refusals.

What the real ``aws`` and a real Secret Service cannot be made to do on cue
(another program changing the credentials file mid-move, a keyring that
stores but will not delete) is staged here, through the modules' own seams:
the store takes any keyring backend object.
"""
import pytest
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError as BackendError

from awscli_mfa_plugin.files import inifile
from awscli_mfa_plugin.errors import CredentialsFileError, KeyringError
from awscli_mfa_plugin.pipeline import keys as move
from awscli_mfa_plugin.files.keystore import KeyPair, KeyringStore
from awscli_mfa_plugin import redaction

KEYS = ("[default]\naws_access_key_id = AKIAEXAMPLEEXAMPLE01\n"
        "aws_secret_access_key = unitSecretExample0000000000000000000000\n")
PAIR = KeyPair("AKIAEXAMPLEEXAMPLE01", "unitSecretExample0000000000000000000000")


class Memory(KeyringBackend):
    """A recommended backend that keeps entries in a dict."""

    priority = 5

    def __init__(self, on_set=None, refuse_delete=False):
        super().__init__()
        self.entries = {}
        self._on_set = on_set
        self._refuse_delete = refuse_delete

    def get_password(self, service, username):
        return self.entries.get((service, username))

    def set_password(self, service, username, password):
        self.entries[(service, username)] = password
        if self._on_set:
            self._on_set()

    def delete_password(self, service, username):
        if self._refuse_delete:
            raise BackendError("deleting is not allowed here")
        del self.entries[(service, username)]


@pytest.fixture
def files(tmp_path):
    credentials, config = tmp_path / "credentials", tmp_path / "config"
    credentials.write_text(KEYS)
    config.write_text("[default]\nregion = eu-west-1\n")
    return credentials, config


def test_a_file_changed_mid_move_keeps_its_keys_and_nothing_else_changes(files):
    credentials, config = files
    changed = KEYS.replace("AKIAEXAMPLEEXAMPLE01", "AKIACHANGEDMEANWHILE")
    backend = Memory(on_set=lambda: credentials.write_text(changed))
    store = KeyringStore({}, backend)

    with pytest.raises(CredentialsFileError, match="changed while they were "
                       "being moved; nothing was removed"):
        move.to_keyring("default", {}, store, (str(credentials), str(config)),
                        print)

    assert credentials.read_text() == changed
    assert config.read_text() == "[default]\nregion = eu-west-1\n"
    assert backend.entries == {}  # the copy made for the move is taken back


def test_a_keyring_that_keeps_the_entry_still_leaves_the_keys_in_the_file(files):
    credentials, config = files
    store = KeyringStore({}, Memory(refuse_delete=True))
    paths = (str(credentials), str(config))
    move.to_keyring("default", {}, store, paths, print)
    said = []

    move.to_file("default", {"default": {"mfa_keys": "keyring"}}, store,
                 paths, said.append)

    assert credentials.read_text() == KEYS
    assert "mfa_keys" not in config.read_text()
    assert said == [
        f"The keys of profile 'default' are back in {credentials}, but their "
        "OS keyring entry stays: The OS keyring (tests.pipeline.test_keys.Memory) "
        "refused to remove the keys of profile 'default': deleting is not "
        "allowed here."]


def test_an_entry_that_is_not_a_key_pair_is_one_sentence():
    backend = Memory()
    backend.entries[("awscli-mfa-plugin", "vault")] = "hunter2hunter2"
    with pytest.raises(KeyringError) as raised:
        KeyringStore({}, backend).get("vault")
    assert str(raised.value) == (
        "The OS keyring's entry for profile 'vault' (service "
        "'awscli-mfa-plugin') is not a key pair mfa-switch wrote; add the "
        "keys again with 'aws mfa-switch --profile vault --add-keys'.")


def test_secrets_read_from_the_keyring_are_redacted():
    backend = Memory()
    store = KeyringStore({}, backend)
    with redaction.redacted_logs():
        store.put("default", PAIR)
        redaction.forget()
        store.get("default")
        assert redaction.redact(f"key={PAIR.secret_access_key}") == \
            "key=[REDACTED]"
    assert "unitSecret" not in repr(PAIR)


def test_a_plaintext_backend_is_refused_unless_accepted():
    class Plaintext(Memory):
        priority = 0.5  # keyrings.alt's PlaintextKeyring

    with pytest.raises(KeyringError, match="^No usable OS keyring"):
        KeyringStore({}, Plaintext()).put("default", PAIR)
    accepted = KeyringStore({"MFA_SWITCH_KEYRING_ANY_BACKEND": "1"},
                            Plaintext())
    accepted.put("default", PAIR)
    assert accepted.get("default") == PAIR


def test_the_credentials_file_gets_back_exactly_the_values(files):
    credentials, config = files
    store = KeyringStore({}, Memory())
    paths = (str(credentials), str(config))
    move.to_keyring("default", {}, store, paths, print)
    assert inifile.read_sections(credentials) == {"default": {}}
    move.to_file("default", {"default": {"mfa_keys": "keyring"}}, store,
                 paths, print)
    assert credentials.read_text() == KEYS
