"""Stage 1, request: the command line and environment, parsed once into a typed value."""
