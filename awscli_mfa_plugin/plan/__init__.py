"""Stage 2, plan: which profiles to switch, what each is for, what is kept, which MFA exchanges are needed.

Modules here must stay importable without botocore where the standalone
fast path uses them (``recipe``, ``validation``, ``keep``).
"""
