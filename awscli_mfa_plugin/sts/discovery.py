"""Finding the MFA device when no profile names one.

GetCallerIdentity says who the source credentials belong to; IAM
ListMFADevices lists that user's devices.  One device is simply used;
several are offered as a choice when a person is at the terminal.
"""
import dataclasses
from typing import Tuple

from awscli_mfa_plugin.sts import calls as sts
from awscli_mfa_plugin.errors import RecipeError


@dataclasses.dataclass(frozen=True)
class Discovery:
    """What IAM listed for the caller, and the device to use."""

    user_name: str
    devices: Tuple[str, ...]
    serial_number: str


def user_name_of(arn):
    """The IAM user name in a caller ARN.

    >>> user_name_of("arn:aws:iam::111111111111:user/ops/alice")
    'alice'

    Raises :class:`RecipeError` for callers that are not IAM users (the root
    user, an assumed role, a federated user): their devices cannot be
    listed by user name, and the fix is to name the device.
    """
    resource = arn.split(":", 5)[-1] if arn.count(":") >= 5 else ""
    kind, _, rest = resource.partition("/")
    if kind == "user" and rest:
        return rest.rsplit("/", 1)[-1]
    if resource == "root":
        who = "the account's root user"
    elif kind == "assumed-role":
        who = "an assumed role"
    elif kind == "federated-user":
        who = "a federated user"
    else:
        who = "not an IAM user"
    raise RecipeError(
        f"No MFA device is configured and the source credentials are {who} "
        f"({arn}), whose devices cannot be looked up; set mfa_serial (the "
        "device's ARN) in the profile or pass --serial-number."
    )


def discover(client_creator, choose=None):
    """Find the caller's MFA device with GetCallerIdentity and ListMFADevices.

    ``client_creator`` signs with the source profile's credentials;
    ``choose(title, devices)`` picks one of several, or is ``None`` when no
    person can answer, in which case several devices are an error that
    lists them.
    """
    user = user_name_of(sts.caller_arn(client_creator("sts")))
    devices = tuple(sts.list_mfa_devices(client_creator("iam"), user))
    if not devices:
        raise RecipeError(
            f"The IAM user {user!r} has no MFA device; assign one in the IAM "
            "console (Security credentials), then run mfa-switch again."
        )
    if len(devices) == 1:
        return Discovery(user, devices, devices[0])
    if choose is None:
        raise RecipeError(
            f"The IAM user {user!r} has {len(devices)} MFA devices ("
            + ", ".join(devices)
            + "); choose one with --serial-number or set mfa_serial in the "
            "profile."
        )
    serial = choose(f"The IAM user {user!r} has {len(devices)} MFA devices:",
                    list(devices))
    return Discovery(user, devices, serial)
