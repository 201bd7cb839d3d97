"""Bad-input cases: see tests/bad_inputs/cases.py for the Case type and the building blocks.

Few-bit networks (issue 23, docs/few-bit.md): a quant's fields (bits, the narrow 1-bit ranges that hold
only 0, scale), a matrix layer's weight_bits, its integer weight codes and weight_scale, and the order rules (a
quant reads a batchnorm's output; a matrix layer reads bipolar values, a quant's codes or the network input, never
a raw accumulator): each refused at load in one line naming the file, the layer and the field.
"""

from __future__ import annotations

import numpy as np

from tests.bad_inputs.cases import Y, Case, Setup, _mk, weights_edit, yaml_text

N = r"\S*/weights\.npz"

# uint8 pixels -> ±1 dense -> batchnorm -> 2-bit quant -> 2-bit-weight dense (the scores)
FEWBIT = ("name: q\ninput: {shape: [4], dtype: uint8}\nlayers:\n  - {name: fc1, op: dense, units: 3}\n"
          "  - {name: bn1, op: batchnorm}\n  - {name: q1, op: quant, bits: 2}\n"
          "  - {name: fc2, op: dense, units: 2, weight_bits: 2}\n")


def fewbit_arrays(**extra: np.ndarray) -> Setup:
    """The FEWBIT network's arrays, with ``extra`` ones added or replacing."""
    def fill(a: dict[str, np.ndarray]) -> None:
        a.clear()
        a.update({"fc1.weight": np.ones((3, 4)), "bn1.gamma": np.ones(3), "bn1.beta": np.zeros(3),
                  "bn1.mean": np.zeros(3), "bn1.var": np.ones(3), "fc2.weight": np.array([[1, 0, -1], [0, 1, 1]])})
        a.update({k.replace("__", "."): v for k, v in extra.items()})
    return weights_edit(fill)


def net(old: str = "", new: str = "") -> Setup:
    """The FEWBIT net.yaml with ``old`` replaced by ``new``."""
    return yaml_text(FEWBIT.replace(old, new) if old else FEWBIT)


# the two dense layers' arrays alone (networks without the batchnorm)
NO_BN = weights_edit(lambda a: (a.clear(), a.update({"fc1.weight": np.ones((3, 4)),
                                                     "fc2.weight": np.array([[1, 0, -1], [0, 1, 1]])})))

Q = r": layer q1: field "
CMD = "inspect {d}/net.yaml"

CASES: list[Case] = [
    # ------------------------------------------------------------------ quant's fields
    _mk("fewbit_quant_bits_0", "numbers", CMD, Y + Q + r"bits: bits must be at least 1, not 0",
        net("bits: 2}", "bits: 0}"), fewbit_arrays()),
    _mk("fewbit_quant_bits_9", "numbers", CMD, Y + Q + r"bits: bits must be at most 4, not 9",
        net("bits: 2}", "bits: 9}"), fewbit_arrays()),
    _mk("fewbit_quant_signed_narrow_1bit", "silent", CMD,
        Y + Q + r"bits: bits must be at least 2 for a narrow quant \(its 1-bit range holds only 0\), not 1",
        net("bits: 2}", "bits: 1}"), fewbit_arrays()),
    _mk("fewbit_quant_unsigned_narrow_1bit", "silent", CMD,
        Y + Q + r"bits: bits must be at least 2 for a narrow quant \(its 1-bit range holds only 0\), not 1",
        net("quant, bits: 2}", "quant, bits: 1, signed: false}"), fewbit_arrays()),
    _mk("fewbit_quant_scale_0", "numbers", CMD, Y + Q + r"scale: scale must be greater than 0, not 0(\.0)?",
        net("bits: 2}", "bits: 2, scale: 0.0}"), fewbit_arrays()),
    _mk("fewbit_quant_scale_negative", "numbers", CMD, Y + Q + r"scale: scale must be greater than 0, not -0\.5",
        net("bits: 2}", "bits: 2, scale: -0.5}"), fewbit_arrays()),
    _mk("fewbit_quant_scale_nan", "numbers", CMD, Y + Q + r"scale: scale must be a finite number, not \S+",
        net("bits: 2}", "bits: 2, scale: .nan}"), fewbit_arrays()),
    # ------------------------------------------------------------------ weight_bits and the weights' codes
    _mk("fewbit_weight_bits_0", "numbers", CMD, Y + r": layer fc2: field weight_bits: weight_bits must be at least 1, not 0",
        net("weight_bits: 2}", "weight_bits: 0}"), fewbit_arrays()),
    _mk("fewbit_weight_bits_5", "numbers", CMD, Y + r": layer fc2: field weight_bits: weight_bits must be at most 4, not 5",
        net("weight_bits: 2}", "weight_bits: 5}"), fewbit_arrays()),
    _mk("fewbit_weight_codes_fraction", "numbers", CMD,
        N + r": layer fc2: field weight: fc2\.weight must hold integer codes for weight_bits 2, not 0\.5",
        net(), fewbit_arrays(fc2__weight=np.array([[1, 0.5, -1], [0, 1, 1]]))),
    _mk("fewbit_weight_codes_out_of_range", "numbers", CMD,
        N + r": layer fc2: field weight: fc2\.weight must hold codes in \[-1, 1\] for weight_bits 2, not -2",
        net(), fewbit_arrays(fc2__weight=np.array([[1, 0, -2], [0, 1, 1]]))),
    _mk("fewbit_weight_scale_shape", "kind", CMD,
        N + r": layer fc2: field weight_scale: fc2\.weight_scale must have shape \[1\] or \[2\], not \[3\]",
        net(), fewbit_arrays(fc2__weight_scale=np.ones(3))),
    _mk("fewbit_weight_scale_zero", "numbers", CMD,
        N + r": layer fc1: field weight_scale: fc1\.weight_scale must be > 0 in every channel, not 0(\.0)? "
            r"\(channel 1\)", net(), fewbit_arrays(fc1__weight_scale=np.array([1.0, 0.0, 2.0]))),
    _mk("fewbit_weight_scale_negative", "numbers", CMD,
        N + r": layer fc2: field weight_scale: fc2\.weight_scale must be > 0 in every channel, not -1(\.0)? "
            r"\(channel 0\)", net(), fewbit_arrays(fc2__weight_scale=np.array([-1.0]))),
    # ------------------------------------------------------------------ order: what a quant and a matrix layer read
    _mk("fewbit_quant_not_after_batchnorm", "kind", CMD,
        Y + Q + r"op: the input of quant must be a batchnorm's output \(add a batchnorm before it\), not dense "
            r"fc1's output",
        net("  - {name: bn1, op: batchnorm}\n", ""),
        NO_BN),
    _mk("fewbit_dense_reads_raw_accumulator", "kind", CMD,
        Y + r": layer fc2: field op: the input of dense must be bipolar \(add a sign layer before it\), a quant's "
            r"codes or the integer network input, not u\d+\[0,\d+\]",
        net("  - {name: bn1, op: batchnorm}\n  - {name: q1, op: quant, bits: 2}\n", "  - {name: f, op: flatten}\n"),
        NO_BN),
]

# a `thresholds` layer (FINN's MultiThreshold) right after a matrix layer
THRESHOLDS = ("name: t\ninput: {shape: [4], dtype: uint8}\nlayers:\n  - {name: fc1, op: dense, units: 3}\n"
              "  - {name: t1, op: thresholds, out_bias: -1}\n  - {name: fc2, op: dense, units: 2, weight_bits: 2}\n")


def thresholds_arrays(t: np.ndarray | None) -> Setup:
    def fill(a: dict[str, np.ndarray]) -> None:
        a.clear()
        a.update({"fc1.weight": np.ones((3, 4)), "fc2.weight": np.array([[1, 0, -1], [0, 1, 1]])})
        if t is not None:
            a["t1.thresholds"] = t
    return weights_edit(fill)


THRESHOLD_CASES: list[Case] = [
    _mk("thresholds_not_ascending", "silent", CMD,
        N + r": layer t1: field thresholds: t1\.thresholds must be ascending in each channel, not fall in channel 1",
        yaml_text(THRESHOLDS), thresholds_arrays(np.array([[0.0, 1.0], [2.0, 1.0], [0.0, 0.0]]))),
    _mk("thresholds_missing", "kind", CMD,
        N + r": layer t1: field thresholds: array t1\.thresholds must be present with shape \[3, K\] \(K in 1\.\.15\), "
            r"not missing", yaml_text(THRESHOLDS), thresholds_arrays(None)),
    _mk("thresholds_codes_over_4_bits", "numbers", CMD,
        Y + r": layer t1: field out_bias: the codes \[out_bias, out_bias \+ K\] must fit 4 bits \(\[0, 15\] or "
            r"\[-8, 7\]\), not \[-1, 8\]", yaml_text(THRESHOLDS), thresholds_arrays(np.tile(np.arange(9.0), (3, 1)))),
]
CASES += THRESHOLD_CASES

# a quant of the input pixels: bnnc_multithreshold takes one set of thresholds for every channel
INPUT_QUANT = ("name: q\ninput: {shape: [4], dtype: uint8}\nlayers:\n  - {name: bn0, op: batchnorm}\n"
               "  - {name: q0, op: quant, bits: 2}\n  - {name: fc1, op: dense, units: 2, weight_bits: 2}\n")


def input_quant_arrays(mean: list[float]) -> Setup:
    def fill(a: dict[str, np.ndarray]) -> None:
        a.clear()
        a.update({"bn0.gamma": np.ones(4), "bn0.beta": np.zeros(4), "bn0.mean": np.array(mean),
                  "bn0.var": np.full(4, 900.0), "fc1.weight": np.array([[1, 0, -1, 1], [0, 1, 1, -1]])})
    return weights_edit(fill)


CASES += [
    _mk("fewbit_input_quant_per_channel", "silent", "compile {d}/net.yaml -o {d}/out",
        Y + r": layer q0: field op: a quant not directly after a dense or conv2d layer must have the same 1\.\.15 "
            r"thresholds in every channel of inputs of at most 30 bits \(bnnc_multithreshold\), not thresholds that "
            r"differ between channels; put its batchnorm directly after a matrix layer",
        yaml_text(INPUT_QUANT), input_quant_arrays([100.0, 100.0, 120.0, 100.0])),
]
