"""The error every layer may raise for what the user gave: imported by all, importing nothing."""


class UsageError(Exception):
    """A path or option the user gave that cannot be used: one line, exit code 2."""
