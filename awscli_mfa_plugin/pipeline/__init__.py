"""One run of ``aws mfa-switch``: the switch and the other modes."""
from awscli_mfa_plugin.pipeline.switch import Tools, run  # noqa: F401
