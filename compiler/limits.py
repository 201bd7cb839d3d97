"""Documented limits that refuse hostile or absurd inputs before they cost memory or time.

The YAML limits are fixed (no real net.yaml comes near them). The byte budget
(``--max-bytes`` on the command line, ``max_bytes=`` in the API) bounds any one
array a file declares and the reference's working memory; raise it for real giants.
"""

from __future__ import annotations

# net.yaml: file size, alias uses (a "billion laughs" document expands through them) and nesting depth.
YAML_MAX_BYTES = 16 << 20
YAML_MAX_ALIASES = 256
YAML_MAX_DEPTH = 64
YAML_MAX_NODES = 1_000_000

# Default byte budget: the declared size of any one array, and the reference's working memory
# for one batch (the calibration batch when folding).
DEFAULT_MAX_BYTES = 2 << 30

# Bytes per element the reference holds per tensor (int64 / float64).
REFERENCE_ELEMENT_BYTES = 8

# hardware.clock_mhz (and bnnc synth --clock-mhz): no FPGA fabric runs user logic at 10 GHz, and every
# figure derived from the clock (frames/s, cycles per image for a frame rate) stays a finite number.
MAX_CLOCK_MHZ = 10_000.0

# hardware.target_fps / --target-fps: below one frame in 1000 s nothing is worth folding for, and the
# interval it asks for (clock_mhz * 1e6 / fps cycles) stays a finite number.
MIN_TARGET_FPS = 0.001

# Layer and network names: every generated file name (``<layer>_params.mem``, ``<network>.v``, ...) stays
# within the 255 bytes a file system stores, with room for bnnc's suffixes.
MAX_NAME_CHARS = 128


def fmt_bytes(n: int) -> str:
    """Bytes for messages: exact count plus a rounded binary unit.

    >>> fmt_bytes(3 << 30)
    '3221225472 bytes (3.0 GiB)'
    """
    for unit, shift in (("TiB", 40), ("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if n >= 1 << shift:
            return f"{n} bytes ({n / (1 << shift):.1f} {unit})"
    return f"{n} bytes"
