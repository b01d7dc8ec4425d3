"""Rules for np.linalg decompositions."""
