"""bnnc: compile trained binarized neural networks to verified streaming dataflow Verilog.

The same operations as the ``bnnc`` command line::

    net = compiler.load("net.yaml")            # bnnc inspect / run / compile all start here
    folded = compiler.fold(net)                # the integer graph after every pass
    compiler.predict(folded, x)                # bnnc run
    compiler.compile(net, "rtl/")              # bnnc compile (returns the manifest)
    compiler.simulate("rtl/", x)               # bnnc simulate (returns a SimReport)

>>> import compiler
>>> compiler.__version__
'0.1.0'
"""

from .api import compile, fold, inspect, load, predict, report, simulate
from .errors import BnncError
from .manifest import build_manifest as manifest_of
from .version import __version__

__all__ = ["__version__", "BnncError", "load", "fold", "predict", "compile", "inspect", "simulate", "report", "manifest_of"]
