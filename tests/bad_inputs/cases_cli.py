"""Bad-input cases of compile / inspect / run, the net.yaml frontend and the passes (issue 20, items 4-7).

See tests/bad_inputs/cases.py for the Case type and the building blocks. ``internal``: inputs that
once ended in an internal error (exit 70); ``message``: messages that named the wrong thing or leaked
pydantic's or numpy's internals; ``inject``: Unicode bidirectional and format characters, escaped.
"""

from __future__ import annotations

import numpy as np

from tests.bad_inputs.cases import CONV, Case, W, Y, _mk, array, conv_arrays, doc_edit, file, layer, weights_edit, \
    yaml_text

LONG = "L" * 300
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: shows "fc1<RLO>lmth.exe" as "fc1exe.html"
LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
# A network whose uint8 image is 3000 x 3000: 64 random calibration images of int64 need 4.3 GiB.
GIANT = ("name: g\ninput: {shape: [3000, 3000, 1], dtype: uint8}\nlayers:\n"
         "  - {name: pool, op: maxpool2d, kernel: 1000}\n  - {name: s, op: sign, threshold: 127.5}\n"
         "  - {name: f, op: flatten}\n  - {name: fc, op: dense, units: 2}\n  - {name: bn, op: batchnorm}\n")
GIANT_ARRAYS = {"fc.weight": np.ones((2, 9)), "bn.gamma": np.ones(2), "bn.beta": np.zeros(2),
                "bn.mean": np.zeros(2), "bn.var": np.ones(2)}


def _rename_layer(old: str, new: str):  # type: ignore[no-untyped-def]
    """Rename a layer of the base network in net.yaml and its arrays in weights.npz."""
    def names(d):  # type: ignore[no-untyped-def]
        doc_edit(lambda doc: layer(doc, old).__setitem__("name", new))(d)
        weights_edit(lambda a: a.update({k.replace(f"{old}.", f"{new}.", 1): a.pop(k)
                                         for k in [k for k in a if k.startswith(f"{old}.")]}))(d)
    return names


CASES: list[Case] = [
    # ------------------------------------------------------------------ internal: once exit 70, now one line, exit 2
    _mk("budget_dsp_zero", "internal", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.budget\.dsp: hardware\.budget\.dsp must be at least \d+ for [\d,]+ frames/s at 100 MHz "
        r"\(the cheapest modelled folding; no folding fits it\), not 0",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"budget": {"dsp": 0}}))),
    _mk("budget_dsp_zero_with_rate", "internal", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.budget\.dsp: hardware\.budget\.dsp must be at least \d+ for 1,000 frames/s at 100 MHz "
        r"\(the cheapest modelled folding; no folding fits it\), not 0",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"target_fps": 1000, "budget": {"lut": 100000, "dsp": 0}}))),
    _mk("target_fps_cli_denormal", "internal", "compile {d}/net.yaml -o {d}/out --target-fps 5e-324",
        r"argument --target-fps: must be a finite number of frames per second, at least 0\.001, not '5e-324'; "
        r"see 'bnnc compile --help'",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"clock_mhz": 10000}))),
    _mk("target_fps_yaml_tiny", "internal", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.target_fps: target_fps must be at least 0\.001, not 1e-300",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"clock_mhz": 10000, "target_fps": 1e-300}))),
    _mk("clock_huge", "internal", "compile {d}/net.yaml -o {d}/out",
        Y + r": field hardware\.clock_mhz: clock_mhz must be at most 10000, not 1e\+308",
        doc_edit(lambda doc: doc.__setitem__("hardware", {"clock_mhz": 1e308}))),
    _mk("synth_clock_huge", "internal", "synth {d}/out --clock-mhz 1e308",
        r"argument --clock-mhz: must be a frequency in MHz in \(0, 10000\], not '1e308'; see 'bnnc synth --help'"),
    _mk("final_batchnorm_extreme_gamma", "internal", "compile {d}/net.yaml -o {d}/out",
        W + r": layer bn2: field gamma: the batchnorm of channel 0 must stay finite in float64 for inputs in \[-4, 4\], "
        r"not overflow \(gamma 1e\+308, beta 0\.5, mean 0, var 0\.25, eps 1e-05\)",
        weights_edit(lambda a: a.update({"bn2.gamma": np.full(3, 1e308), "bn2.beta": np.full(3, 0.5),
                                         "bn2.mean": np.zeros(3), "bn2.var": np.full(3, 0.25)}))),
    _mk("hidden_batchnorm_extreme_mean", "internal", "inspect {d}/net.yaml",
        W + r": layer bn1: field mean: the batchnorm of channel 1 must stay finite in float64 for inputs in \[-6, 6\], "
        r"not overflow \(gamma 2, beta 0, mean -1\.7e\+308, var 1, eps 0\)",
        doc_edit(lambda doc: layer(doc, "bn1").__setitem__("eps", 0.0)),
        weights_edit(lambda a: a.update({"bn1.gamma": np.full(4, 2.0), "bn1.beta": np.zeros(4),
                                         "bn1.mean": np.array([0.0, -1.7e308, 0.0, 0.0]), "bn1.var": np.ones(4)}))),
    _mk("nul_in_weights_path", "internal", "inspect {d}/net.yaml",
        Y + r": field weights: weights must be a path without NUL bytes, not 'w\\x00\.npz'",
        doc_edit(lambda doc: doc.__setitem__("weights", "w\0.npz"))),
    _mk("nul_in_board_port", "internal", "board run {d}/out --port /dev/tty\0USB1 --inputs {d}/x.npy",
        r"argument --port: must be a path without NUL bytes, not '/dev/tty\\x00USB1'; see 'bnnc board run --help'"),
    _mk("nul_in_run_calibration", "internal", "run {d}/net.yaml --input {d}/x.npy --calibration {d}/c\0.npy",
        r"argument --calibration: must be a path without NUL bytes, not .*; see 'bnnc run --help'"),

    # ------------------------------------------------------------------ message: the right thing named, no internals
    _mk("conv_kernel_zero", "message", "inspect {d}/net.yaml",
        Y + r": layer c1: field kernel: kernel must be greater than 0, not 0",
        yaml_text(CONV.replace("kernel: 3", "kernel: 0")), weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))),
    _mk("conv_kernel_one_item", "message", "inspect {d}/net.yaml",
        Y + r": layer c1: field kernel: kernel must be a list of at least 2 item\(s\), not \[3\]",
        yaml_text(CONV.replace("kernel: 3", "kernel: [3]")), weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))),
    _mk("conv_kernel_item_zero", "message", "inspect {d}/net.yaml",
        Y + r": layer c1: field kernel\[1\]: kernel\[1\] must be greater than 0, not 0",
        yaml_text(CONV.replace("kernel: 3", "kernel: [3, 0]")),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))),
    _mk("conv_kernel_text", "message", "inspect {d}/net.yaml",
        Y + r": layer c1: field kernel: kernel must be an integer or a list, not 'big'",
        yaml_text(CONV.replace("kernel: 3", "kernel: big")), weights_edit(lambda a: (a.clear(), a.update(conv_arrays())))),
    _mk("integer_key_at_top", "message", "inspect {d}/net.yaml",
        Y + r": field 5: field names of the network must be name, input, layers, output, hardware, weights, not 5",
        lambda d: (d / "net.yaml").write_text((d / "net.yaml").read_text() + "5: five\n")),
    _mk("integer_key_in_a_layer", "message", "inspect {d}/net.yaml",
        Y + r": layer fc1: field 5: field names of dense must be name, op, units, weight_bits, not 5",
        lambda d: (d / "net.yaml").write_text((d / "net.yaml").read_text().replace("units: 4", "units: 4, 5: 1"))),
    _mk("integer_key_in_folding", "message", "inspect {d}/net.yaml",
        Y + r": field hardware\.folding: folding keys must be strings, not 5",
        lambda d: (d / "net.yaml").write_text((d / "net.yaml").read_text()
                                              + "hardware: {folding: {5: {pe: 1, simd: 1}}}\n")),
    _mk("layer_name_too_long", "message", "compile {d}/net.yaml -o {d}/out",
        Y + r": layer L{32}\.\.\. \(#1\): field name: name must be at most 128 characters, not 300",
        _rename_layer("fc1", LONG)),
    _mk("network_name_too_long", "message", "compile {d}/net.yaml -o {d}/out",
        Y + r": field name: name must be at most 128 characters, not 300",
        doc_edit(lambda doc: doc.__setitem__("name", LONG))),
    _mk("input_infinite", "message", "run {d}/net.yaml --input {d}/i.npy",
        r"\S*/i\.npy: field --input: input must hold finite numbers for dtype u8\[0,255\], not float64 values such "
        r"as inf", array("i.npy", np.full((2, 6), np.inf))),
    _mk("calibration_infinite", "message", "compile {d}/net.yaml -o {d}/out --calibration {d}/c.npy",
        r"\S*/c\.npy: field --calibration: input must hold finite numbers for dtype u8\[0,255\], not float64 values "
        r"such as -inf", array("c.npy", np.array([[1.0, 2.0, 3.0, 4.0, 5.0, -np.inf]]))),
    _mk("input_uint64_maximum", "message", "run {d}/net.yaml --input {d}/u.npy",
        r"\S*/u\.npy: field --input: input values must lie in \[0, 255\] for dtype u8\[0,255\], not "
        r"\[18446744073709551615, 18446744073709551615\]",
        array("u.npy", np.full((2, 6), np.iinfo(np.uint64).max, dtype=np.uint64))),
    _mk("input_uint64_top_bit", "message", "run {d}/net.yaml --input {d}/u.npy",
        r"\S*/u\.npy: field --input: input values must lie in \[0, 255\] for dtype u8\[0,255\], not "
        r"\[0, 9223372036854775808\]",
        array("u.npy", np.array([[0, 1, 2, 3, 4, 1 << 63]], dtype=np.uint64))),
    _mk("last_layer_conv", "message", "inspect {d}/net.yaml",
        Y + r": layer c2: field op: the last layer must be dense \(optionally followed by one batchnorm\) giving "
        r"class scores, not conv2d with output shape \[2, 2, 3\]",
        yaml_text(CONV.replace("  - {name: f, op: flatten}\n  - {name: fc, op: dense, units: 3}\n",
                               "  - {name: c2, op: conv2d, filters: 3, kernel: 3}\n")),
        weights_edit(lambda a: (a.clear(), a.update(conv_arrays()), a.pop("fc.weight"),
                                a.__setitem__("c2.weight", np.ones((3, 2, 3, 3)))))),

    # ------------------------------------------------------------------ numbers
    _mk("input_float_beyond_int64", "numbers", "run {d}/net.yaml --input {d}/f.npy",
        r"\S*/f\.npy: field --input: input values must lie in \[0, 255\] for dtype u8\[0,255\], not \[1e\+30, 1e\+30\]",
        array("f.npy", np.full((2, 6), 1e30))),

    # ------------------------------------------------------------------ inject: bidi and format characters escaped
    _mk("rlo_in_layer_name", "inject", "inspect {d}/net.yaml",
        Y + r": layer fc1\\u202elmth\.exe: field name: name must be an identifier \(letters, digits and _, not starting "
        r"with a digit\), not 'fc1\\u202elmth\.exe'",
        doc_edit(lambda doc: layer(doc, "fc1").__setitem__("name", f"fc1{RLO}lmth.exe"))),
    _mk("rlo_in_yaml_file_name", "inject", f"inspect {{d}}/net{RLO}lmay.yaml",
        r"\S*/net\\u202elmay\.yaml: field layers: layers must be given, not missing",
        yaml_text("name: n\ninput: {shape: [6]}\n", f"net{RLO}lmay.yaml")),
    _mk("rlo_in_network_name", "inject", "compile {d}/net.yaml -o {d}/out",
        Y + r": field name: name must be an identifier .*, not 'n\\u202elive'",
        doc_edit(lambda doc: doc.__setitem__("name", f"n{RLO}live"))),
    _mk("isolate_in_input_path", "inject", f"run {{d}}/net.yaml --input {{d}}/x{LRI}.npy",
        r"\S*/x\\u2066\.npy: --input must be an existing \.npy file, not missing"),
    _mk("isolate_in_output_folder", "inject", f"compile {{d}}/net.yaml -o {{d}}/o{LRI}ut",
        r"field -o: output folder must be empty or a previous bnnc output, not '\S+/o\\u2066ut' \(it has files and no "
        r"bnnc manifest\.json\); bnnc replaces the folder whole, so choose another -o",
        file(f"o{LRI}ut/notes.txt", "mine")),

    # ------------------------------------------------------------------ alloc: refuse before allocating
    _mk("random_calibration_giant", "alloc", "inspect {d}/net.yaml",
        Y + r": field input\.shape: the random calibration batch must be at most 2147483648 bytes \(2\.0 GiB\) "
        r"\(--max-bytes\), not 4608000000 bytes \(4\.3 GiB\) for its 64 images of u8\[0,255\]\[3000, 3000, 1\]; give "
        r"--calibration inputs or raise --max-bytes",
        yaml_text(GIANT), weights_edit(lambda a: (a.clear(), a.update(GIANT_ARRAYS)))),
    _mk("random_calibration_over_max_bytes", "alloc", "compile {d}/net.yaml -o {d}/out --max-bytes 3000",
        Y + r": field input\.shape: the random calibration batch must be at most 3000 bytes \(2\.9 KiB\) "
        r"\(--max-bytes\), not 3072 bytes \(3\.0 KiB\) for its 64 images of u8\[0,255\]\[6\]; give "
        r"--calibration inputs or raise --max-bytes"),
]
