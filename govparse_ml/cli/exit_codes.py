"""The exit codes of the ``govparse-ml`` command."""

EXIT_OK = 0
EXIT_INPUT = 1  # input error: an unreadable or binary file, bad training data, an output that cannot be written
EXIT_USAGE = 2  # usage error: an unknown option, a bad argument
EXIT_INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as a shell reports it
