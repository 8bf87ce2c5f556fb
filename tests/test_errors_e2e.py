"""The error catalogue: every bad input and fault, through the real ``aws``.

Each case runs ``aws mfa-switch`` in a throw-away HOME whose endpoints point
at a scripted STS on loopback (tests/fakests.py: STS's real error XML), and
checks the sentence, the exit status, that the message is one line without a
traceback, that STS was called only as expected (never for a value that can
be checked beforehand), and that no file under ``~/.aws`` changed.
docs/errors.md, the catalogue README links to, lists the same cases; a
test keeps them in step.
"""
import dataclasses
import re
from pathlib import Path
from typing import Optional

import pytest

from tests import fakests
from tests.conftest import OFFLINE_ACCOUNT

ROLE = OFFLINE_ACCOUNT.role_arn
SERIAL = OFFLINE_ACCOUNT.serial_number
CATALOGUE = Path(__file__).parent.parent / "docs" / "errors.md"

USAGE, CONFIG, SERVICE, FAILURE = 252, 253, 254, 255


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    args: tuple
    fragment: str
    exit_code: int
    config: str = ""        # appended to ~/.aws/config
    credentials: str = ""   # appended to ~/.aws/credentials
    sts: Optional[tuple] = None   # the refusal the scripted STS answers with (a list: answers in turn)
    calls: int = 0          # STS requests the run may make
    stdin: str = ""
    env: tuple = ()         # extra environment variables, as pairs

    def __str__(self):
        return self.id


# A recipe whose source profile keeps its keys in the OS keyring.
KEYRING_SOURCE = ("\n[profile kr]\nmfa_role_arn = " + ROLE + "\nmfa_source_profile = vault\n"
                  "mfa_serial = " + SERIAL + "\n\n[profile vault]\nmfa_keys = keyring\n")
ANY_BACKEND = (("MFA_SWITCH_KEYRING_ANY_BACKEND", "1"),)
REFUSING = (("PYTHON_KEYRING_BACKEND", "tests.keyringbackends.Refusing"),
            ("PYTHONPATH", str(Path(__file__).parent.parent)))


def dev(*args):
    return ("mfa-switch", "--profile", "dev", *args)


def code(value):
    return dev("--token-code", value)


def recipe(name, **keys):
    lines = [f"[profile {name}]"] + [f"{k} = {v}" for k, v in keys.items()]
    return "\n" + "\n".join(lines) + "\n"


def answered(**crafted):
    """A good MFA session, then an AssumeRole answer with crafted parts.

    A role is assumed from an MFA session (tests/fakests.py scripts both).
    """
    return [fakests.session_token_response(), fakests.assume_role_response(
        "arn:aws:sts::123456789012:assumed-role/AccessToTestDev/alice",
        **crafted)]


ONE_TRY = (("AWS_MAX_ATTEMPTS", "1"),)
TEMPORARY_SOURCE = (
    "\n[tempsrc]\naws_access_key_id = ASIATEMPORARYEXAMPLE\n"
    "aws_secret_access_key = temporarySourceSecretExample0000000000000\n"
    "aws_session_token = TemporarySourceTokenExample==\n"
)

#: A success STS would answer with, had the run got that far.
WOULD_SUCCEED = fakests.assume_role_response(ROLE)

CASES = [
    # -- the profile and its recipe ------------------------------------------
    Case("profile-typo", ("mfa-switch", "--profile", "dve", "--token-code", "123456"),
         "The profile 'dve' is not in your AWS config or credentials file; did you "
         "mean 'dev'? (aws mfa-switch --list shows the profiles it can switch)", CONFIG),
    Case("unknown-profile", ("mfa-switch", "--profile", "nope", "--token-code", "123456"),
         "The profile 'nope' is not in your AWS config or credentials file", CONFIG),
    Case("no-recipe", ("mfa-switch", "--profile", "plain", "--token-code", "123456"),
         "has no mfa-switch recipe; add mfa_source_profile and mfa_serial", CONFIG,
         config=recipe("plain", region="eu-west-1")),
    Case("source-missing", ("mfa-switch", "--profile", "orphan", "--token-code", "123456"),
         "The source profile 'gone' of 'orphan' is not in your AWS config", CONFIG,
         config=recipe("orphan", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="gone")),
    Case("source-is-itself", ("mfa-switch", "--profile", "selfish", "--token-code", "123456"),
         "would be both the source of the long-term credentials", CONFIG,
         config=recipe("selfish", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="selfish")),
    Case("source-loop", ("mfa-switch", "--profile", "loop1", "--token-code", "123456"),
         "go round in a circle (loop1 -> loop2 -> loop1)", CONFIG,
         config=recipe("loop1", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="loop2")
         + recipe("loop2", mfa_serial=SERIAL, mfa_source_profile="loop1")),
    Case("source-without-credentials", ("mfa-switch", "--profile", "nokeys", "--token-code", "123456"),
         "The source profile 'empty' has no credentials", CONFIG,
         config=recipe("nokeys", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="empty")
         + recipe("empty", region="eu-west-1")),
    Case("source-partial-credentials", ("mfa-switch", "--profile", "halfsrc", "--token-code", "123456"),
         "has only part of its credentials (aws_secret_access_key is missing)", CONFIG,
         config=recipe("halfsrc", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="half"),
         credentials="\n[half]\naws_access_key_id = AKIAHALFEXAMPLE00000\n"),
    Case("source-role-loop", ("mfa-switch", "--profile", "viarole", "--token-code", "123456"),
         "The source_profile settings behind the source profile 'rolea' go round in a circle",
         CONFIG,
         config=recipe("viarole", mfa_serial=SERIAL, mfa_source_profile="rolea")
         + recipe("rolea", role_arn=ROLE, source_profile="roleb")
         + recipe("roleb", role_arn=ROLE, source_profile="rolea")),
    Case("source-process-fails", ("mfa-switch", "--profile", "viaproc", "--token-code", "123456"),
         "could not be obtained from custom-process", CONFIG,
         config=recipe("viaproc", mfa_serial=SERIAL, mfa_source_profile="proc")
         + recipe("proc", credential_process="false")),
    Case("source-process-not-found",
         ("mfa-switch", "--profile", "viamissing", "--token-code", "123456"),
         "The credentials of the source profile 'missingproc' could not be "
         "obtained from custom-process; run that profile's credential source "
         "by hand to see why.", CONFIG,
         config=recipe("viamissing", mfa_serial=SERIAL,
                       mfa_source_profile="missingproc")
         + recipe("missingproc",
                  credential_process="/nonexistent/bin/credential-helper --json")),
    Case("target-holds-long-term-keys", dev("--token-code", "123456", "--target-profile", "keep"),
         "holds credentials that mfa-switch did not write", CONFIG,
         credentials="\n[keep]\naws_access_key_id = AKIAKEEPEXAMPLE00000\n"
                     "aws_secret_access_key = keepSecretExample0000000000000000000000\n"),
    # Names the credentials writer refuses are refused before any code is
    # sent: with a scripted success waiting, no STS request is made.
    Case("target-default-section", dev("--token-code", "123456", "--target-profile", "DEFAULT"),
         "mfa-switch does not write to the [DEFAULT] section, whose keys apply to every "
         "profile; choose another profile name.", USAGE, sts=WOULD_SUCCEED),
    Case("target-with-a-bracket", dev("--token-code", "123456", "--target-profile", "a]b"),
         "mfa-switch does not write credentials under the profile name 'a]b': a name "
         "with a line break, square brackets or spaces at either end is not read back "
         "the same by every AWS tool; choose another name (for example with "
         "--target-profile).", USAGE,
         sts=WOULD_SUCCEED),
    Case("target-with-outer-spaces", dev("--token-code", "123456", "--target-profile", " dev"),
         "mfa-switch does not write credentials under the profile name", USAGE,
         sts=WOULD_SUCCEED),
    Case("target-with-a-line-break", dev("--token-code", "123456", "--target-profile", "a\nb"),
         "mfa-switch does not write credentials under the profile name", USAGE,
         sts=WOULD_SUCCEED),
    # -- the code ------------------------------------------------------------
    Case("code-with-letters", code("12a456"),
         "The MFA code from --token-code is not six digits (0-9).", USAGE),
    Case("code-five-digits", code("12345"),
         "The MFA code from --token-code is not six digits (0-9).", USAGE),
    Case("code-seven-digits", code("1234567"),
         "The MFA code from --token-code is not six digits (0-9).", USAGE),
    Case("code-empty", code(""),
         "The MFA code from --token-code is not six digits (0-9).", USAGE),
    Case("code-arabic-indic-digits", code("\u0661\u0662\u0663\u0664\u0665\u0666"),
         "The MFA code from --token-code is not six digits (0-9).", USAGE),
    Case("profile-flag-twice", ("mfa-switch", "--profile", "dev", "--profile", "dev2"),
         "--profile is given more than once (dev, dev2) and only one is read; "
         "to switch several profiles, name them without it: aws mfa-switch dev dev2",
         USAGE),
    Case("code-bad-on-stdin", dev(), "The MFA code from standard input is not six digits",
         USAGE, stdin="12345\n"),
    Case("no-code-on-stdin", dev(), "No MFA code: pass --token-code, pipe the code", USAGE),
    # -- the duration --------------------------------------------------------
    Case("duration-below-900", code("123456") + ("--duration-seconds", "899"),
         "The duration 899 (mfa_duration_seconds or --duration-seconds) is outside "
         "what STS allows for a role: 900 to 43200 seconds.", USAGE),
    Case("duration-above-role-maximum", code("123456") + ("--duration-seconds", "43201"),
         "The duration 43201 (mfa_duration_seconds or --duration-seconds) is outside "
         "what STS allows for a role: 900 to 43200 seconds.", USAGE),
    Case("duration-above-session-maximum",
         ("mfa-switch", "--profile", "session", "--token-code", "123456",
          "--duration-seconds", "129601"),
         "is outside what STS allows for a session token: 900 to 129600 seconds.", USAGE),
    Case("duration-zero", code("123456") + ("--duration-seconds", "0"),
         "The duration 0 (mfa_duration_seconds or --duration-seconds) is outside", USAGE),
    Case("duration-negative", ("mfa-switch", "--profile", "negative", "--token-code", "123456"),
         "The duration '-5' (mfa_duration_seconds or --duration-seconds) is not a "
         "positive whole number of seconds", USAGE,
         config=recipe("negative", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_duration_seconds="-5")),
    Case("duration-not-a-number", code("123456") + ("--duration-seconds", "1h"),
         "The duration '1h' (mfa_duration_seconds or --duration-seconds) is not a "
         "positive whole number of seconds", USAGE),
    Case("duration-above-role-chaining-cap",
         ("mfa-switch", "--profile", "chained", "--token-code", "123456",
          "--duration-seconds", "7200"),
         "gets its credentials from a role (mfa_role_arn), and STS limits a role "
         "assumed with a role's credentials (role chaining) to 3600 seconds", USAGE,
         config=recipe("chained", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="dev")),
    # -- the role, the device, the session name, the external ID -------------
    Case("role-arn-short-account", code("123456") + ("--role-arn", "arn:aws:iam::1234:role/Admin"),
         "has the account ID '1234', which is not 12 digits", USAGE),
    Case("role-arn-names-a-user",
         code("123456") + ("--role-arn", "arn:aws:iam::123456789012:user/alice"),
         "names a 'user', not a 'role'", USAGE),
    Case("role-arn-not-an-arn", code("123456") + ("--role-arn", "AccessToTestDev"),
         "The role ARN 'AccessToTestDev' (mfa_role_arn or --role-arn) is not an ARN", USAGE),
    Case("serial-is-a-user-arn",
         code("123456") + ("--serial-number", "arn:aws:iam::123456789012:user/alice"),
         "is an IAM user's ARN, not its MFA device's", USAGE),
    Case("serial-malformed", code("123456") + ("--serial-number", "my phone"),
         "is neither a device ARN", USAGE),
    Case("session-name-bad-character", code("123456") + ("--role-session-name", "alice smith"),
         "The role session name 'alice smith' (mfa_role_session_name or "
         "--role-session-name) contains ' '", USAGE),
    Case("session-name-too-long", code("123456") + ("--role-session-name", "a" * 65),
         "is too long (65 characters): STS accepts 2 to 64", USAGE),
    Case("external-id-too-short", code("123456") + ("--external-id", "x"),
         "The external ID (mfa_external_id or --external-id) is too short", USAGE),
    Case("region-malformed", code("123456") + ("--region", "eu west 1"),
         "The region 'eu west 1' is not a region name like eu-west-1", USAGE),
    # -- the network ---------------------------------------------------------
    Case("endpoint-unreachable", code("123456") + ("--endpoint-url", "{closed}"),
         "Could not reach STS at http://127.0.0.1:", FAILURE, env=ONE_TRY),
    Case("endpoint-times-out",
         code("123456") + ("--endpoint-url", "{silent}", "--cli-read-timeout", "1"),
         "did not answer in time", FAILURE, env=ONE_TRY),
    Case("endpoint-answers-a-web-page", code("123456"),
         "The answer to the STS request was not an STS response (a Wi-Fi sign-in "
         "page or a proxy?)", FAILURE, sts=fakests.WEB_PAGE, calls=1, env=ONE_TRY),
    Case("endpoint-answers-bad-gateway", code("123456"),
         "The STS endpoint answered HTTP 502 (Bad Gateway) instead of an STS "
         "response", FAILURE, sts=fakests.BAD_GATEWAY, calls=1, env=ONE_TRY),
    Case("sts-throttling", code("123456"),
         "STS is throttling requests (Rate exceeded); wait a minute and try again.",
         SERVICE, sts=fakests.THROTTLING, calls=1, env=ONE_TRY),
    # -- STS refusals --------------------------------------------------------
    Case("code-rejected", code("123456"),
         "STS rejected the MFA code: it is wrong or was already used; wait for the "
         "next code and try again.", SERVICE, sts=fakests.INVALID_CODE, calls=1),
    Case("code-rejected-from-stdin", dev(),
         "STS rejected the MFA code: it is wrong or was already used", SERVICE,
         sts=fakests.INVALID_CODE, calls=1, stdin="123456\n"),
    Case("serial-not-the-users", code("123456"),
         "is not an MFA device of the IAM user behind the source profile 'default'",
         SERVICE, sts=fakests.SERIAL_NOT_ASSOCIATED, calls=1),
    Case("role-not-assumable", code("123456"),
         "arn:aws:iam::123456789012:user/alice is not authorized to assume the role "
         f"{ROLE}", SERVICE, sts=fakests.NOT_AUTHORIZED, calls=1),
    Case("duration-above-role-max-session", code("123456") + ("--duration-seconds", "43200"),
         f"The duration asked for (43200 s) is longer than the role {ROLE} allows",
         SERVICE, sts=fakests.ABOVE_MAX_SESSION, calls=1),
    Case("duration-above-chaining-cap-at-sts",
         ("mfa-switch", "--profile", "viatemp", "--token-code", "123456",
          "--duration-seconds", "7200"),
         "STS limits a role assumed with a role's credentials (role chaining) to 3600 "
         "seconds, and the source profile 'tempsrc' holds a role's credentials",
         SERVICE, sts=fakests.ROLE_CHAINING, calls=1,
         config=recipe("viatemp", mfa_role_arn=ROLE, mfa_serial=SERIAL,
                       mfa_source_profile="tempsrc"),
         credentials=TEMPORARY_SOURCE),
    Case("session-token-from-temporary-source",
         ("mfa-switch", "--profile", "sessviatemp", "--token-code", "123456"),
         "STS issues session tokens only for long-term access keys, and the source "
         "profile 'tempsrc' holds temporary credentials", SERVICE,
         sts=fakests.SESSION_CREDENTIALS, calls=1,
         config=recipe("sessviatemp", mfa_serial=SERIAL, mfa_source_profile="tempsrc"),
         credentials=TEMPORARY_SOURCE),
    Case("source-keys-expired", code("123456"),
         "The credentials of the source profile 'default' have expired", SERVICE,
         sts=fakests.EXPIRED_TOKEN, calls=1),
    Case("source-key-unknown", code("123456"),
         "STS does not know the access key of the source profile 'default'", SERVICE,
         sts=fakests.INVALID_KEY, calls=1),
    Case("source-secret-wrong", code("123456"),
         "STS says the secret key of the source profile 'default' does not belong to "
         "its access key", SERVICE, sts=fakests.BAD_SIGNATURE, calls=1),
    # -- STS answers that cannot be used: checked whole before any write -----
    Case("answer-expires-in-year-9999", code("123456"),
         "STS answered with credentials that expire at 9999-12-31T23:59:59Z, "
         "further ahead than the 36 hours STS grants at most; nothing was "
         "written: check this computer's clock.", FAILURE,
         sts=answered(expiration="9999-12-31T23:59:59Z"), calls=2,
         env=(("TZ", "JST-9"),)),
    Case("answer-expiration-overflows-utc", code("123456"),
         "STS answered with an Expiration out of range "
         "('9999-12-31T23:59:59-05:00'); nothing was written.", FAILURE,
         sts=answered(expiration="9999-12-31T23:59:59-05:00"), calls=2),
    Case("answer-expired-already", code("123456"),
         "STS answered with credentials that had already expired (at "
         "2001-02-03T04:05:06Z); nothing was written: check this computer's "
         "clock.", FAILURE,
         sts=answered(expiration="2001-02-03T04:05:06Z"), calls=2),
    Case("answer-expires-in-year-1", code("123456"),
         "STS answered with credentials that had already expired (at "
         "0001-01-01T00:00:00Z)", FAILURE,
         sts=answered(expiration="0001-01-01T00:00:00Z"), calls=2,
         env=(("TZ", "EST5"),)),
    Case("answer-expiration-not-a-date", code("123456"),
         "STS answered with an Expiration that is not a date ('soon'); nothing "
         "was written.", FAILURE, sts=answered(expiration="soon"), calls=2),
    Case("answer-without-expiration", code("123456"),
         "STS answered with credentials that lack Expiration; nothing was "
         "written.", FAILURE, sts=answered(expiration=fakests.OMIT), calls=2),
    Case("answer-without-credentials", code("123456"),
         "STS answered with no Credentials; nothing was written.", FAILURE,
         sts=answered(credentials=False), calls=2),
    Case("answer-without-access-key-id", code("123456"),
         "STS answered with credentials that lack AccessKeyId; nothing was "
         "written.", FAILURE, sts=answered(access_key_id=fakests.OMIT), calls=2),
    Case("answer-without-secret-key", code("123456"),
         "STS answered with credentials that lack SecretAccessKey; nothing was "
         "written.", FAILURE, sts=answered(secret=fakests.OMIT), calls=2),
    Case("answer-without-session-token",
         ("mfa-switch", "--profile", "session", "--token-code", "123456"),
         "STS answered with credentials that lack SessionToken; nothing was "
         "written.", FAILURE,
         sts=fakests.session_token_response(token=fakests.OMIT), calls=1),
    Case("answer-without-assumed-role-user", code("123456"),
         "STS answered with no AssumedRoleUser (whose role the credentials "
         "are); nothing was written.", FAILURE,
         sts=answered(assumed_role_user=False), calls=2),
    Case("answer-secret-with-a-line-break", code("123456"),
         "STS answered with a SecretAccessKey that cannot be stored (empty, or "
         "with a line break, a control character or a blank at either end); "
         "nothing was written.", FAILURE,
         sts=answered(secret="first\n[default]\naws_access_key_id = AKIA"),
         calls=2),
    # -- values that are not one value, and which profile ---------------------
    Case("value-indented-block", ("mfa-switch", "--profile", "nested", "--token-code", "123456"),
         "The profile 'nested' has an indented block under mfa_role_arn instead of "
         "one value", CONFIG,
         config=f"\n[profile nested]\nmfa_role_arn =\n  nested = value\n"
                f"mfa_serial = {SERIAL}\n"),
    Case("value-inline-comment", ("mfa-switch", "--profile", "commented", "--token-code", "123456"),
         "The value of mfa_serial in the profile 'commented' has an inline comment "
         "(a word starting with '#')", CONFIG,
         config=recipe("commented", mfa_role_arn=ROLE, mfa_serial=SERIAL + "  # my phone")),
    Case("bare-run-on-long-term-keys", ("mfa-switch", "--token-code", "123456"),
         "The profile 'default' holds long-term access keys, not an mfa-switch recipe: "
         "name the profile to switch with --profile NAME (aws mfa-switch --list",
         CONFIG),
    Case("name-and-another-profile",
         ("mfa-switch", "dev", "--profile", "session", "--token-code", "123456"),
         "The profile to switch is named twice, as 'dev' and with --profile session",
         USAGE),
    Case("profile-beside-all", ("mfa-switch", "--all", "--profile", "dev", "--token-code", "123456"),
         "--all switches every profile with a role recipe, so --profile dev has no "
         "place beside it", USAGE),
    # Long-term keys in the OS keyring: the keyring package's own fail and
    # null backends, and a backend that refuses (tests/keyringbackends.py);
    # a real Secret Service is in tests/test_keyring_e2e.py.
    Case("keyring-fail-backend",
         ("mfa-switch", "--profile", "default", "--move-keys-to-keyring"),
         "No usable OS keyring: the keyring package offers only "
         "keyring.backends.fail.Keyring, which does not keep secrets safely",
         CONFIG, env=(("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring"),)),
    Case("keyring-null-backend-switch", ("mfa-switch", "--profile", "kr", "--token-code", "123456"),
         "No usable OS keyring: the keyring package offers only "
         "keyring.backends.null.Keyring", CONFIG, config=KEYRING_SOURCE,
         env=(("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring"),)),
    Case("keyring-missing-entry", ("mfa-switch", "--profile", "kr", "--token-code", "123456"),
         "The OS keyring holds no keys for profile 'vault', although the AWS "
         "config file says mfa_keys = keyring: add them with 'aws mfa-switch "
         "--profile vault --add-keys'.", CONFIG, config=KEYRING_SOURCE,
         env=ANY_BACKEND + (("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring"),)),
    Case("keyring-refused", ("mfa-switch", "--profile", "kr", "--token-code", "123456"),
         "The OS keyring (tests.keyringbackends.Refusing) refused to read the "
         "keys of profile 'vault': access to the keyring was denied.", CONFIG,
         config=KEYRING_SOURCE, env=REFUSING),
    Case("keyring-refused-storing",
         ("mfa-switch", "--profile", "default", "--move-keys-to-keyring"),
         "The OS keyring (tests.keyringbackends.Refusing) refused to read the "
         "keys of profile 'default'", CONFIG, env=REFUSING),
    Case("keyring-not-kept",
         ("mfa-switch", "--profile", "default", "--move-keys-to-keyring"),
         "The OS keyring gave back other keys than were stored for profile "
         "'default'; nothing was removed from", CONFIG,
         env=ANY_BACKEND + (("PYTHON_KEYRING_BACKEND", "keyring.backends.null.Keyring"),)),
    Case("keys-nothing-to-move", ("mfa-switch", "--profile", "dev", "--move-keys-to-keyring"),
         "The profile 'dev' has no access key pair in", CONFIG),
    Case("keys-temporary", ("mfa-switch", "--profile", "tmp", "--move-keys-to-keyring"),
         "The section [tmp] in", CONFIG, credentials=(
             "[tmp]\naws_access_key_id = ASIAEXAMPLETEMPORARY\n"
             "aws_secret_access_key = temporarySecretExample0000000000000000\n"
             "aws_session_token = temporaryTokenExample\n")),
    Case("keys-not-in-keyring", ("mfa-switch", "--profile", "dev", "--move-keys-to-file"),
         "The AWS config file does not say that profile 'dev' keeps its keys "
         "in the OS keyring (mfa_keys = keyring), so there is nothing to move.",
         CONFIG),
    Case("keys-two-modes",
         ("mfa-switch", "--move-keys-to-keyring", "--move-keys-to-file"),
         "--move-keys-to-keyring and --move-keys-to-file cannot be used "
         "together; pick one.", USAGE),
    Case("keys-several", ("mfa-switch", "dev", "session", "--add-keys"),
         "--add-keys moves the keys of one profile; name it with --profile.",
         USAGE),
    Case("keys-with-switch-flags",
         ("mfa-switch", "--move-keys-to-keyring", "--token-code", "123456"),
         "--move-keys-to-keyring only moves keys; flags of a switch such as "
         "--role-arn or --token-code have no place beside it.", USAGE),
]


#: mfa-switch's own locks and notes (codes/turns.py), not the user's files.
PRIVATE = Path("cli") / "mfa-switch"


def snapshot(folder):
    """Every file under ``folder`` with its bytes, but mfa-switch's private ones."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and PRIVATE not in path.relative_to(folder).parents
    }


@pytest.fixture
def endpoints():
    """URLs for the network faults: a refused port and a silent listener."""
    silent = fakests.SilentEndpoint()
    try:
        yield {"closed": fakests.closed_port_url(), "silent": silent.url}
    finally:
        silent.close()


@pytest.mark.parametrize("case", CASES, ids=str)
def test_catalogue(case, offline_aws, fake_sts, endpoints):
    aws = offline_aws
    if case.config:
        aws.config.write_text(aws.config.read_text() + case.config)
    if case.credentials:
        aws.credentials.write_text(aws.credentials.read_text() + case.credentials)
    if isinstance(case.sts, list):
        fake_sts.answer(*case.sts)
    elif case.sts:
        fake_sts.answer(fakests.answer(case.sts))
    before = snapshot(aws.dot_aws)
    args = [arg.format(**endpoints) if arg.startswith("{") else arg
            for arg in case.args]

    result = aws.run(*args, input=case.stdin, env=aws.env(**dict(case.env)))

    assert result.returncode == case.exit_code, result.stderr
    assert case.fragment in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0, result.stderr
    assert result.stdout == ""
    assert len(fake_sts.requests) == case.calls
    assert snapshot(aws.dot_aws) == before


def test_at_least_25_cases_cover_every_exit_status():
    assert len(CASES) >= 25
    assert {case.exit_code for case in CASES} == {USAGE, CONFIG, SERVICE, FAILURE}


def catalogue_rows():
    return [line for line in CATALOGUE.read_text().splitlines()
            if re.match(r"\| \d+ \|", line)]


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_catalogue_shows_the_case(case):
    """docs/errors.md has a row with this case's sentence and exit status."""
    rows = [line for line in catalogue_rows()
            if case.fragment in line.replace("\\|", "|")]
    assert rows, f"no row of docs/errors.md shows {case.fragment!r}"
    assert any(f"| {case.exit_code} |" in row for row in rows)


def test_readme_links_the_catalogue():
    readme = (CATALOGUE.parent.parent / "README.md").read_text()
    assert "](docs/errors.md)" in readme
