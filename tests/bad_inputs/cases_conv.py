"""Bad-input cases: see tests/bad_inputs/cases.py for the Case type and the building blocks.

Convolution options the hardware cannot honour are refused at load, in one line naming the layer
and the field, never cut or ignored in the RTL: a pad value outside the input's range (bnnc_swu
holds it in the lane's bits) and padding that puts every window in the padding (the output would
not depend on the input, and bnnc_swu rejects such parameters); and, at compile, a folding so slow
that a window unit's pace passes its ring analysis' 32-bit arithmetic. Pad values inside the range, and
padding of at least the kernel that leaves a window on the map, are accepted and proven beat for
beat on Verilator (cocotb_tests/networks/test_conv_options.py).
"""

from __future__ import annotations

import numpy as np

from tests.bad_inputs.cases import CONV, Y, Case, _mk, conv_arrays, weights_edit, yaml_text

# The CONV network (6x6x1 bipolar, 3x3 conv of 2 filters, batchnorm, sign, flatten, dense) with the
# conv's options replaced, and on other input dtypes.
ARRAYS = weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))


def conv_net(options: str, dtype: str = "bipolar") -> str:
    """The CONV network's net.yaml with ``options`` added to its conv layer, on a ``dtype`` input."""
    return CONV.replace("kernel: 3}", f"kernel: 3, {options}}}").replace("dtype: bipolar", f"dtype: {dtype}")


# Two conv layers: the second reads the first's signs (a bipolar map), padded with its own pad_value.
TWO_CONV = ("name: c\ninput: {shape: [6, 6, 1], dtype: uint8}\nlayers:\n"
            "  - {name: c1, op: conv2d, filters: 2, kernel: 3, padding: 1, pad_value: 255}\n"
            "  - {name: bn1, op: batchnorm}\n  - {name: s1, op: sign}\n"
            "  - {name: c2, op: conv2d, filters: 2, kernel: 3, padding: 2, pad_value: 0}\n"
            "  - {name: bn, op: batchnorm}\n  - {name: s, op: sign}\n  - {name: f, op: flatten}\n"
            "  - {name: fc, op: dense, units: 3}\n")


def two_conv_arrays(a: dict[str, np.ndarray]) -> None:
    a.clear()
    a.update(conv_arrays())
    a.update({"c2.weight": np.ones((2, 2, 3, 3)), "bn1.gamma": np.ones(2), "bn1.beta": np.zeros(2),
              "bn1.mean": np.zeros(2), "bn1.var": np.ones(2), "fc.weight": np.ones((3, 8 * 8 * 2))})


PAD = r": layer c1: field pad_value: pad_value must "
ALL_PAD = (r": layer c1: field padding: padding must leave some 1x1 window \(stride 3\) on the 1x5 input, not 2, "
           r"which puts every window in the padding")

CASES: list[Case] = [
    # ------------------------------------------------------------------ pad values the window unit cannot hold
    _mk("conv_pad_value_bipolar_zero", "conv", "inspect {d}/net.yaml",
        Y + PAD + r"be -1 or \+1 for a bipolar input, not 0",
        yaml_text(conv_net("padding: 1, pad_value: 0")), ARRAYS),
    _mk("conv_pad_value_bipolar_two", "conv", "compile {d}/net.yaml -o {d}/rtl",
        Y + PAD + r"be -1 or \+1 for a bipolar input, not 2",
        yaml_text(conv_net("padding: 1, pad_value: 2")), ARRAYS, outputs=("rtl",)),
    _mk("conv_pad_value_uint8_above", "conv", "compile {d}/net.yaml -o {d}/rtl",
        Y + PAD + r"lie in \[0, 255\] for input dtype uint8, not 300",
        yaml_text(conv_net("padding: 1, pad_value: 300", "uint8")), ARRAYS, outputs=("rtl",)),
    _mk("conv_pad_value_uint8_negative", "conv", "inspect {d}/net.yaml",
        Y + PAD + r"lie in \[0, 255\] for input dtype uint8, not -1",
        yaml_text(conv_net("padding: 2, pad_value: -1", "uint8")), ARRAYS),
    _mk("conv_pad_value_int8_above", "conv", "inspect {d}/net.yaml",
        Y + PAD + r"lie in \[-128, 127\] for input dtype int8, not 128",
        yaml_text(conv_net("padding: 1, pad_value: 128", "int8")), ARRAYS),
    _mk("conv_pad_value_int8_below", "conv", "compile {d}/net.yaml -o {d}/rtl",
        Y + PAD + r"lie in \[-128, 127\] for input dtype int8, not -129",
        yaml_text(conv_net("padding: 1, pad_value: -129", "int8")), ARRAYS, outputs=("rtl",)),
    _mk("conv_pad_value_uint4_above", "conv", "inspect {d}/net.yaml",
        Y + PAD + r"lie in \[0, 15\] for input dtype uint4, not 16",
        yaml_text(conv_net("padding: 1, pad_value: 16", "uint4")), ARRAYS),
    _mk("conv_pad_value_int8_huge", "conv", "inspect {d}/net.yaml",
        Y + PAD + r"lie in \[-128, 127\] for input dtype int8, not 100000000000000000000",
        yaml_text(conv_net("padding: 1, pad_value: 100000000000000000000", "int8")), ARRAYS),
    _mk("conv_pad_value_float", "conv", "inspect {d}/net.yaml",
        Y + PAD + r"be an integer, not 1\.0",
        yaml_text(conv_net("padding: 1, pad_value: 1.0")), ARRAYS),
    # a later conv reads signs: its pad value is -1 or +1 whatever the network input is
    _mk("conv_pad_value_later_layer_zero", "conv", "inspect {d}/net.yaml",
        Y + r": layer c2: field pad_value: pad_value must be -1 or \+1 for a bipolar input, not 0",
        yaml_text(TWO_CONV), weights_edit(two_conv_arrays)),
    # ------------------------------------------------------------------ a window unit's pace beyond its arithmetic
    # PE 1, SIMD 1 on a 64x64x64 map of 256 filters: 603,979,776 cycles per image, past bnnc_swu's 32-bit ring analysis
    _mk("conv_interval_beyond_window_unit", "conv", "compile {d}/net.yaml -o {d}/rtl",
        Y + r": layer c1: field hardware\.folding: the pipeline's interval must be below 134,217,728 cycles per image "
        r"for this layer's window unit, not 603,979,776; fold the matrix layers wider",
        yaml_text("name: big\ninput: {shape: [64, 64, 64], dtype: bipolar}\nlayers:\n"
                  "  - {name: c1, op: conv2d, filters: 256, kernel: 3, padding: 1}\n  - {name: bn, op: batchnorm}\n"
                  "  - {name: s, op: sign}\n  - {name: p, op: maxpool2d, kernel: 64}\n  - {name: f, op: flatten}\n"
                  "  - {name: fc, op: dense, units: 3}\nhardware: {folding: {c1: {pe: 1, simd: 1}}}\n"),
        weights_edit(lambda a: (a.clear(), a.update({
            "c1.weight": np.ones((256, 64, 3, 3)), "bn.gamma": np.ones(256), "bn.beta": np.zeros(256),
            "bn.mean": np.zeros(256), "bn.var": np.ones(256), "fc.weight": np.ones((3, 256))}))),
        outputs=("rtl",)),
    # ------------------------------------------------------------------ padding that leaves no window on the map
    _mk("conv_every_window_padding", "conv", "compile {d}/net.yaml -o {d}/rtl",
        Y + ALL_PAD,
        yaml_text(CONV.replace("[6, 6, 1]", "[1, 5, 1]").replace("kernel: 3}", "kernel: 1, stride: 3, padding: 2}")),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays(kernel=1)), a.update({"fc.weight": np.ones((3, 12))}))),
        outputs=("rtl",)),
]
