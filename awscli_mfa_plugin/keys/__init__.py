"""A source profile's long-term keys in the OS keyring instead of the credentials file."""
