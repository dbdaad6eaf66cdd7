"""The line classifier: feature blocks, the scikit-learn estimator, the fast scorer parse uses and the model files."""
