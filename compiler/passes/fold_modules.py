"""Imports every pass module so that each registers itself, in pipeline order."""

from . import folding, infer, negation, pooling, scores, threshold, xnor  # noqa: F401
