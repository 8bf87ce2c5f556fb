"""Stage 4, STS: the calls that turn codes into credentials, in parallel where there are several."""
