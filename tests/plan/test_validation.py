"""Format checks against STS's documented patterns, before any call."""
import pytest

from awscli_mfa_plugin.errors import RecipeError, UsageError
from awscli_mfa_plugin.plan.recipe import Recipe
from awscli_mfa_plugin.plan.validation import (
    check_external_id,
    check_recipe,
    check_role_arn,
    check_serial_number,
    check_session_name,
    check_source_chain,
)

ROLE = "arn:aws:iam::222222222222:role/Admin"
SERIAL = "arn:aws:iam::111111111111:mfa/alice"


@pytest.mark.parametrize("arn", [
    ROLE,
    "arn:aws:iam::222222222222:role/division/team/Admin",
    "arn:aws-cn:iam::222222222222:role/Admin",
    "arn:aws-us-gov:iam::222222222222:role/Admin",
    "arn:aws:iam::222222222222:role/a+b=c,d.e@f_g-h",
])
def test_role_arns_sts_accepts(arn):
    check_role_arn(arn)


@pytest.mark.parametrize("arn, why", [
    ("Admin", "is not an ARN"),
    ("arn:aws:iam::2222:role/Admin", "not 12 digits"),
    ("arn:aws:iam::22222222222a:role/Admin", "not 12 digits"),
    ("arn:aws:sts::222222222222:role/Admin", "not an IAM ARN"),
    ("arn:aws:iam:eu-west-1:222222222222:role/Admin", "not an IAM ARN"),
    ("arn:aws:iam::222222222222:user/alice", "names a 'user'"),
    ("arn:aws:iam::222222222222:role/", "characters IAM does not allow"),
    ("arn:aws:iam::222222222222:role/Ad min", "characters IAM does not allow"),
    ("arn:aws:iam::222222222222:role/" + "a" * 65, "characters IAM does not allow"),
    ("arn:amazon:iam::222222222222:role/Admin", "unknown partition"),
])
def test_malformed_role_arns(arn, why):
    with pytest.raises(UsageError, match=why):
        check_role_arn(arn)


@pytest.mark.parametrize("serial", [
    SERIAL,
    "arn:aws:iam::111111111111:mfa/path/alice",
    "arn:aws-cn:iam::111111111111:mfa/alice",
    "GAHT12345678",
    "A" * 9,
    "A" * 256,
])
def test_serials_sts_accepts(serial):
    check_serial_number(serial)


@pytest.mark.parametrize("serial, why", [
    ("arn:aws:iam::111111111111:user/alice", "IAM user's ARN"),
    ("arn:aws:iam::111111111111:u2f/user/alice/default-AAAA", "security key"),
    ("arn:aws:iam::1111:mfa/alice", "not 12 digits"),
    ("arn:aws:iam::111111111111:mfa/", "characters IAM does not allow"),
    ("A" * 8, "neither a device ARN"),
    ("A" * 257, "neither a device ARN"),
    ("my phone!", "neither a device ARN"),
])
def test_malformed_serials(serial, why):
    with pytest.raises(UsageError, match=why):
        check_serial_number(serial)


@pytest.mark.parametrize("name", ["al", "a" * 64, "alice@example.com", "a+b=c,d.e_f-g"])
def test_session_names_sts_accepts(name):
    check_session_name(name)


@pytest.mark.parametrize("name, why", [
    ("a", "too short"), ("a" * 65, "too long"), ("alice smith", "contains ' '"),
    ("alice/ops", "contains '/'"), ("al\u00efce", "contains"),
])
def test_malformed_session_names(name, why):
    with pytest.raises(UsageError, match=why):
        check_session_name(name)


@pytest.mark.parametrize("value", ["ab", "x" * 1224, "urn:tenant/42", "a+b=c,d.e@f:g/h-i_j"])
def test_external_ids_sts_accepts(value):
    check_external_id(value)


@pytest.mark.parametrize("value, why", [
    ("q", "too short"), ("x" * 1225, "too long"), ("two words", "contains ' '"),
])
def test_malformed_external_ids_are_refused_without_echoing_them(value, why):
    with pytest.raises(UsageError, match=why) as raised:
        check_external_id(value)
    assert value not in str(raised.value)


def test_source_chain_back_to_the_profile_is_a_loop():
    profiles = {"a": {"mfa_source_profile": "b"}, "b": {"mfa_source_profile": "c"},
                "c": {"mfa_source_profile": "a"}}
    with pytest.raises(RecipeError, match=r"a -> b -> c -> a"):
        check_source_chain(Recipe("a", "a", "b", SERIAL), profiles)


def test_source_chain_that_ends_is_fine():
    profiles = {"a": {"mfa_source_profile": "b"}, "b": {"mfa_source_profile": "c"},
                "c": {"aws_access_key_id": "AKIDEXAMPLE"}}
    check_source_chain(Recipe("a", "a", "b", SERIAL), profiles)


def test_a_circle_further_along_is_not_this_profiles_business():
    profiles = {"b": {"mfa_source_profile": "c"}, "c": {"mfa_source_profile": "b"}}
    check_source_chain(Recipe("a", "a", "b", SERIAL), profiles)


@pytest.mark.parametrize("source, duration, refused", [
    ({"mfa_role_arn": ROLE}, 3601, True),
    ({"role_arn": ROLE, "source_profile": "x"}, 7200, True),
    ({"mfa_role_arn": ROLE}, 3600, False),
    ({"aws_access_key_id": "AKIDEXAMPLE"}, 43200, False),
])
def test_role_chaining_is_capped_at_one_hour(source, duration, refused):
    recipe = Recipe("dev", "dev", "src", SERIAL, role_arn=ROLE,
                    duration_seconds=duration, role_session_name="alice")
    if refused:
        with pytest.raises(UsageError, match="role chaining"):
            check_recipe(recipe, {"src": source})
    else:
        check_recipe(recipe, {"src": source})
