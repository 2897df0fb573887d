"""Pieces every app shares: the error model, the timestamped base model, pagination."""
