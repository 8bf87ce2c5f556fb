"""Recording a device found in IAM where the recipe keeps it (``--save-serial``)."""
from awscli_mfa_plugin.files import inifile


def save_serial(recipe, serial, config_path, credentials_path):
    """Record ``serial`` where the recipe's layout keeps the device.

    ``mfa_serial`` in the section of the config file that botocore reads
    for the profile (``[profile dev]``, ``[profile "dev"]``, ``[default]``
    ...), or for aws-mfa's layout ``aws_mfa_device`` in
    ``[<profile>-long-term]`` of the credentials file, where aws-mfa reads
    it.  Written losslessly by the one INI editor.  Returns the path written.
    """
    if recipe.layout == "aws-mfa":
        inifile.update_profile(credentials_path, inifile.CREDENTIALS,
                               recipe.source_profile, {"aws_mfa_device": serial})
        return credentials_path
    inifile.update_profile(config_path, inifile.CONFIG, recipe.profile,
                           {"mfa_serial": serial})
    return config_path
