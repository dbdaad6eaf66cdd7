"""The ``govparse-ml`` command."""
