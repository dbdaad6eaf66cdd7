"""Many reports at once: inputs, workers, output writers and the checkpoint of ``govparse-ml batch``."""
