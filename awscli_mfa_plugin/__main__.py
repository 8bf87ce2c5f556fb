"""``python -m awscli_mfa_plugin install|uninstall``: see :mod:`awscli_mfa_plugin.install`."""
from awscli_mfa_plugin.install import main

if __name__ == "__main__":
    raise SystemExit(main())
