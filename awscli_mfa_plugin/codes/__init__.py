"""Stage 3, codes: where each one-time code comes from (flag, mfa_process, pipe, prompt, dialog), once per device at a time."""
