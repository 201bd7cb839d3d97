"""bnnc: compile trained binarized neural networks to verified streaming dataflow Verilog.

>>> import compiler
>>> compiler.__version__
'0.1.0'
"""

from .api import fold, load, predict
from .errors import BnncError
from .manifest import build_manifest as manifest_of
from .version import __version__

__all__ = ["__version__", "BnncError", "load", "fold", "predict", "manifest_of"]
