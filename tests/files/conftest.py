"""Every test of the base's files runs in a scratch HOME."""
import pytest


@pytest.fixture(autouse=True, scope="module")
def no_real_aws_folder(tmp_path_factory):
    """Point HOME and the AWS file variables at a scratch folder, for this
    process and every child it starts, so that no slip can reach ~/.aws."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HOME", str(home))
        patch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(home / "no-credentials"))
        patch.setenv("AWS_CONFIG_FILE", str(home / "no-config"))
        yield
    assert not (home / ".aws").exists()

