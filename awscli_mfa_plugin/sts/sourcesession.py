"""The botocore session that signs STS calls with the source profile's credentials.

The CLI's own session is bound to the selected profile, whose credentials
are the very ones being replaced, so STS is called through a second session
of the same class.  That second session shares what the CLI's session has
already loaded instead of loading it again: the parsed config and
credentials files (a credentials file with thousands of profiles takes
longer to parse than the STS call takes) and the data loader that caches
service models and endpoint data.
"""


def for_profile(cli_session, profile):
    """A session of ``cli_session``'s class, bound to ``profile``.

    Its credentials are resolved for ``profile`` by botocore's usual chain
    (static keys, SSO, ``credential_process`` ...); its config is the one
    ``cli_session`` parsed.
    """
    session = cli_session.__class__(profile=profile)
    session.user_agent_extra = cli_session.user_agent_extra
    # botocore has no public way to hand a session parsed config files;
    # without this attribute the session parses them again, which is only
    # slower, so a botocore without it still works.
    session._config = cli_session.full_config
    session.register_component(
        "data_loader", cli_session.get_component("data_loader"))
    return session


def client_creator(cli_session, request, profiles):
    """``recipe -> create(service, **kwargs)`` for the run's STS and IAM calls.

    ``create`` signs with the recipe's source profile and is bound to the
    run's region, endpoint and TLS settings.  The source's credentials are
    resolved when the creator is made, so a missing or broken source fails
    before anyone types a code.
    """
    from awscli_mfa_plugin.sts.calls import source_credentials

    def for_recipe(recipe):
        source = for_profile(cli_session, recipe.source_profile)
        # --cli-read-timeout, --cli-connect-timeout and the like live there.
        source.set_default_client_config(
            cli_session.get_default_client_config())
        source_credentials(source, recipe)  # before the prompt, not after
        # The selected profile's region as botocore would pick it, then the
        # source's; STS's global endpoint lives in us-east-1.
        region = (
            region_of(request, profiles, recipe.profile)
            or source.get_config_variable("region")
            or "us-east-1"
        )

        def create(service, **kwargs):
            return source.create_client(
                service,
                region_name=region,
                endpoint_url=request.endpoint_url,
                verify=request.verify_ssl,
                **kwargs,
            )

        return create

    return for_recipe


def region_of(request, profiles, profile):
    """``--region`` or the environment, else the profile's own region.

    The config file is read from botocore's parsed ``profiles`` rather
    than through the session, because the profile may not exist yet
    (flags alone can describe a switch) and the session would raise.
    """
    return request.region or profiles.get(profile, {}).get("region")
