"""Which profiles --list shows, and as what: the same rule the command switches by."""
from awscli_mfa_plugin.plan.recipe import switchable_profiles
from awscli_mfa_plugin.pipeline.listing import switchable_rows


def rows(profiles):
    return {r.profile: r for r in switchable_rows(
        profiles, {}, lambda config: None, None)}


def test_profile_with_both_layouts_is_listed_as_the_recipe_it_is_switched_by():
    listed = rows({
        "default": {},
        "both": {"role_arn": "arn:aws:iam::2:role/Native",
                 "mfa_serial": "arn:aws:iam::1:mfa/a",
                 "mfa_role_arn": "arn:aws:iam::2:role/Recipe"},
    })
    assert listed["both"].role == "arn:aws:iam::2:role/Recipe"


def test_web_identity_profile_is_not_a_native_mfa_profile():
    listed = rows({"wi": {"role_arn": "arn:aws:iam::2:role/R",
                          "mfa_serial": "arn:aws:iam::1:mfa/a",
                          "web_identity_token_file": "/tmp/token"}})
    assert "wi" not in listed or listed["wi"].role != "arn:aws:iam::2:role/R"


def test_aws_mfa_layout_is_listed_under_the_profile_it_switches():
    listed = rows({
        "default": {},
        "dev-long-term": {"aws_mfa_device": "arn:aws:iam::1:mfa/a",
                          "assume_role": "arn:aws:iam::2:role/R"},
        "ops-long-term": {"aws_mfa_device": "arn:aws:iam::1:mfa/a"},
        "keys-long-term": {"aws_access_key_id": "AKIA"},
    })
    assert [(r.profile, r.role, r.source) for r in listed.values()] == [
        ("dev", "arn:aws:iam::2:role/R", "dev-long-term"),
        ("ops", "session token", "ops-long-term"),
    ]


def test_mfa_keys_of_the_profile_win_over_the_aws_mfa_layout():
    listed = rows({
        "default": {},
        "dev": {"mfa_role_arn": "arn:aws:iam::2:role/Recipe"},
        "dev-long-term": {"aws_mfa_device": "arn:aws:iam::1:mfa/a",
                          "assume_role": "arn:aws:iam::2:role/Layout"},
    })
    assert [(r.profile, r.role) for r in listed.values()] == [
        ("dev", "arn:aws:iam::2:role/Recipe")]


def test_the_listing_and_all_agree_on_role_profiles():
    profiles = {
        "default": {},
        "a": {"mfa_role_arn": "arn:aws:iam::2:role/A"},
        "b-long-term": {"aws_mfa_device": "arn:aws:iam::1:mfa/a",
                        "assume_role": "arn:aws:iam::2:role/B"},
        "s": {"mfa_serial": "arn:aws:iam::1:mfa/a"},
    }
    roles = [r.profile for r in rows(profiles).values() if r.role != "session token"]
    assert roles == switchable_profiles(profiles) == ["a", "b"]
