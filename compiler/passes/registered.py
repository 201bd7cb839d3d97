"""Imports every pass module so that each registers itself (the pipeline's order is ``manager.PIPELINE``)."""

from . import folding, infer, negation, pooling, scores, threshold, xnor  # noqa: F401
