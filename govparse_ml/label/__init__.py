"""Labelling units heading / table / prose / other: the rule labeller and the model with the rules as fallback (stage 3)."""
