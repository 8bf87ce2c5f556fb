"""Which profiles --list shows, and as what: the same rule the command switches by."""
from awscli_mfa_plugin.report.listing import switchable_rows


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
