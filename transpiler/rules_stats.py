"""Rules for NumPy statistics."""
