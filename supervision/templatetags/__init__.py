"""Template tags of supervision."""
