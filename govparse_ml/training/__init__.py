"""Training the line classifier: labeled data, train, evaluate, retrain, labeling files and the route corpus."""
