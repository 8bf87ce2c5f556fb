"""The base's files and streams: the INI reader and editor, the locked atomic write, the output checks, the OS keyring."""
