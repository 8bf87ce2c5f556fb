"""Recipe resolution: config and flags in, one switch's settings out."""
import pytest

from awscli_mfa_plugin.errors import (
    ProfileNotFoundError, RecipeError, UsageError)
from awscli_mfa_plugin.plan.recipe import (
    Overrides, is_native_role, native_recipe, resolve_recipe,
    switchable_profiles)

SERIAL = "arn:aws:iam::111111111111:mfa/alice"
ROLE = "arn:aws:iam::222222222222:role/AccessToTestDev"


def profiles(**dev):
    return {"default": {"aws_access_key_id": "AKIDEXAMPLE"}, "dev": dev}


def test_role_recipe_with_defaults():
    recipe = resolve_recipe(profiles(mfa_role_arn=ROLE, mfa_serial=SERIAL), "dev")
    assert recipe.uses_role
    assert recipe.source_profile == "default"
    assert recipe.target_profile == "dev"
    assert recipe.role_session_name == "alice"
    assert recipe.duration_seconds is None


def test_session_token_recipe_has_no_session_name():
    recipe = resolve_recipe(profiles(mfa_serial=SERIAL), "dev")
    assert not recipe.uses_role
    assert recipe.role_session_name is None


def test_serial_falls_back_to_the_source_profile():
    config = profiles(mfa_source_profile="base", mfa_role_arn=ROLE)
    config["base"] = {"mfa_serial": SERIAL}
    assert resolve_recipe(config, "dev").serial_number == SERIAL


def test_every_flag_overrides_its_key():
    config = profiles(mfa_role_arn=ROLE, mfa_serial=SERIAL,
                      mfa_duration_seconds="3600", mfa_external_id="ext-a")
    config["other"] = {}
    recipe = resolve_recipe(config, "dev", Overrides(
        role_arn=ROLE + "2", serial_number=SERIAL + "2",
        source_profile="other", duration_seconds="1800",
        role_session_name="bob", external_id="ext-b", target_profile="t"))
    assert (recipe.role_arn, recipe.serial_number, recipe.source_profile,
            recipe.duration_seconds, recipe.role_session_name,
            recipe.external_id, recipe.target_profile) == (
        ROLE + "2", SERIAL + "2", "other", 1800, "bob", "ext-b", "t")


def test_all_configured_keys_are_read():
    recipe = resolve_recipe(profiles(
        mfa_role_arn=ROLE, mfa_serial=SERIAL, mfa_duration_seconds="43200",
        mfa_role_session_name="ops", mfa_external_id="xyz"), "dev")
    assert (recipe.duration_seconds, recipe.role_session_name,
            recipe.external_id) == (43200, "ops", "xyz")


def test_unknown_profile():
    with pytest.raises(ProfileNotFoundError, match="'nope'"):
        resolve_recipe(profiles(), "nope")


def test_profile_without_recipe_names_the_keys_to_add():
    with pytest.raises(RecipeError, match="mfa_source_profile.*mfa_serial"):
        resolve_recipe({"default": {}, "dev": {"region": "eu-west-1"}}, "dev")


def test_missing_source_profile():
    with pytest.raises(ProfileNotFoundError, match="'gone'"):
        resolve_recipe(profiles(mfa_source_profile="gone"), "dev")


def test_source_equal_to_target_is_refused():
    with pytest.raises(RecipeError, match="both the source"):
        resolve_recipe(profiles(mfa_source_profile="dev"), "dev")


@pytest.mark.parametrize("value, role, ok", [
    ("900", True, True), ("43200", True, True), ("43201", True, False),
    ("129600", False, True), ("129601", False, False), ("899", False, False),
    ("0", True, False), ("-5", True, False), ("1h", True, False),
    ("\u0669\u0660\u0660", True, False),
])
def test_duration_limits(value, role, ok):
    keys = {"mfa_serial": SERIAL, "mfa_duration_seconds": value}
    if role:
        keys["mfa_role_arn"] = ROLE
    if ok:
        assert resolve_recipe(profiles(**keys), "dev").duration_seconds == int(value)
    else:
        with pytest.raises(UsageError):
            resolve_recipe(profiles(**keys), "dev")


class TestCodeProcess:
    def test_read_from_the_profile_then_the_source(self):
        config = profiles(mfa_role_arn=ROLE, mfa_serial=SERIAL,
                          mfa_process="ykman oath accounts code --single AWS")
        config["default"]["mfa_process"] = "other"
        assert resolve_recipe(config, "dev").code_process == \
            "ykman oath accounts code --single AWS"
        del config["dev"]["mfa_process"]
        assert resolve_recipe(config, "dev").code_process == "other"

    def test_a_process_alone_makes_a_recipe(self):
        config = profiles(mfa_process="ykman oath accounts code")
        config["default"]["mfa_serial"] = SERIAL
        recipe = resolve_recipe(config, "dev")
        assert (recipe.serial_number, recipe.uses_role) == (SERIAL, False)


class TestNative:
    def native(self, **extra):
        return {"default": {}, "n": {
            "role_arn": ROLE, "mfa_serial": SERIAL,
            "source_profile": "default", **extra}}

    def test_is_recognised_only_with_an_mfa_serial(self):
        assert is_native_role(self.native()["n"])
        assert not is_native_role({"role_arn": ROLE, "source_profile": "d"})
        assert not is_native_role(dict(self.native()["n"], mfa_role_arn=ROLE))

    def test_keys_are_botocores(self):
        recipe = native_recipe(self.native(
            duration_seconds="1800", role_session_name="ops",
            external_id="xy"), "n")
        assert (recipe.role_arn, recipe.serial_number, recipe.source_profile,
                recipe.duration_seconds, recipe.role_session_name,
                recipe.external_id, recipe.target_profile, recipe.layout) == (
            ROLE, SERIAL, "default", 1800, "ops", "xy", "n", "native")

    def test_durations_are_checked_like_any_role(self):
        with pytest.raises(UsageError):
            native_recipe(self.native(duration_seconds="50000"), "n")


def test_all_lists_role_recipes_of_both_layouts_in_order():
    config = {
        "default": {}, "a": {"mfa_role_arn": ROLE}, "s": {"mfa_serial": SERIAL},
        "n": {"role_arn": ROLE, "mfa_serial": SERIAL},
        "b-long-term": {"assume_role": ROLE, "aws_mfa_device": SERIAL},
        "c-long-term": {"aws_mfa_device": SERIAL},
    }
    assert switchable_profiles(config) == ["a", "b"]
