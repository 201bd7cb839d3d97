"""Frontends: net.yaml + weights.npz today (a Lightning checkpoint or QONNX file later)."""

from .netyaml import load_net

__all__ = ["load_net"]
