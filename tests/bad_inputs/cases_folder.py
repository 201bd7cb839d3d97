"""Bad-input cases: a compile folder is untrusted input for every command that reads it.

``bnnc simulate``, ``bnnc synth`` (``--board`` too) and ``bnnc board run`` validate the
folder first (compiler/codegen/folder.py): the manifest's schema, types and ranges, every
file name, and the sha256 bnnc compile recorded of every file. Each case tampers with a
fresh compile of the base network (``{d}/rtl``: top ``mlp``) the way a careless or hostile
hand would, and pins the one line each consumer gives, before any tool runs and before
anything is written (the corpus checks that no file outside bnnc's output changed, and the
compile folder is not one). ``resealed`` cases also rewrite the recorded hashes, as someone
who knows the format would: the schema, ranges and cross-checks must still hold the line.

See tests/bad_inputs/cases.py for the Case type and the building blocks.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.bad_inputs.cases import Case, Setup, _mk, array, compiled, doc_edit, file
from tests.folders import reseal as reseal_folder

RTL = compiled("rtl")
SIM = "simulate {d}/rtl --inputs {d}/x.npy"
SYNTH = "synth {d}/rtl"
SYNTH_ICE = "synth {d}/rtl --target ice40-up5k"
SYNTH_BOARD = "synth {d}/rtl --board icebreaker"
BOARD = "board run {d}/rtl --port /dev/null --inputs {d}/x.npy"
CONSUMERS = {"sim": SIM, "synth": SYNTH, "synth_board": SYNTH_BOARD, "board": BOARD}

M = r"\S+/rtl/manifest\.json"
REDO = r"; run bnnc compile again"
ID = r"a Verilog identifier \(letters, digits and _, not starting with a digit, not a keyword\)"
CHANGED = r"the file must be the one bnnc compile wrote \(sha256 recorded in manifest\.json\), not changed since" + REDO


def manifest_edit(fn: Callable[[dict[str, Any]], None]) -> Setup:
    """Edit rtl/manifest.json as data (its recorded hashes left as they are)."""
    def setup(d: Path) -> None:
        path = d / "rtl" / "manifest.json"
        doc = json.loads(path.read_text())
        fn(doc)
        path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return setup


def rtl_text(name: str, fn: Callable[[str], str]) -> Setup:
    """Edit a text file of the compile folder."""
    def setup(d: Path) -> None:
        path = d / "rtl" / name
        path.write_text(fn(path.read_text()))
    return setup


def reseal(d: Path) -> None:
    """Record the sha256 of the folder's files as they are now: the manifest then vouches for the tampering."""
    reseal_folder(d / "rtl")


def stream(doc: dict[str, Any], name: str) -> dict[str, Any]:
    return next(s for s in doc["rtl"]["streams"] if s["name"] == name)


def _every(name: str, cls: str, expect: str, *setup: Setup, only: tuple[str, ...] = tuple(CONSUMERS)) -> list[Case]:
    """The same tampering refused alike by each consumer (simulate, synth, synth --board, board run)."""
    return [_mk(f"{name}_{k}", cls, CONSUMERS[k], expect, RTL, *setup) for k in only]


# fc2 folded to 12 words of 1 bit: a ROM image deeper than one line
FOLDED = doc_edit(lambda doc: doc.__setitem__("hardware", {"folding": {"fc1": {"pe": 1, "simd": 1},
                                                                       "fc2": {"pe": 1, "simd": 1}}}))

CASES: list[Case] = [
    # ------------------------------------------------------------------ what goes into a tool's script or command line
    # a `;` in filelist.f ended Yosys's read_verilog and started a command of the folder's choosing
    *_every("folder_filelist_semicolon", "folder",
            r"\S+/rtl/filelist\.f: line 7: each line must name one of the folder's listed Verilog files, not "
            r"'bnnc_xnor_popcount\.v; tee -o \.\./\.\./pwned stat'" + REDO,
            rtl_text("filelist.f", lambda t: t.replace("bnnc_xnor_popcount.v",
                                                       "bnnc_xnor_popcount.v; tee -o ../../pwned stat"))),
    _mk("folder_filelist_semicolon_resealed", "folder", SYNTH_ICE,
        r"\S+/rtl/filelist\.f: line 8: each line must name one of the folder's listed Verilog files, not "
        r"'mlp\.v;write_file x'" + REDO, RTL, rtl_text("filelist.f", lambda t: t.replace("mlp.v", "mlp.v;write_file x")),
        reseal),
    _mk("folder_filelist_outside_file", "folder", SYNTH,
        r"\S+/rtl/filelist\.f: line 1: each line must name one of the folder's listed Verilog files, not "
        r"'/etc/passwd'" + REDO, RTL, rtl_text("filelist.f", lambda t: "/etc/passwd\n" + t), reseal),
    _mk("folder_filelist_drops_a_core", "folder", SYNTH,
        r"\S+/rtl/filelist\.f: the file list must name each of the manifest's 8 Verilog files once, the top's "
        r"\(mlp\.v\) last, not 7 line\(s\) ending in 'mlp\.v'" + REDO,
        RTL, rtl_text("filelist.f", lambda t: t.replace("bnnc_fifo.v\n", "")), reseal),
    # the top's name went into `hierarchy -top`, nextpnr's file names and Verilator's --top-module
    *_every("folder_top_with_space", "folder",
            M + r": field rtl\.top: rtl\.top must be " + ID + r", not 'mlp; shell rm -rf x'" + REDO,
            manifest_edit(lambda doc: doc["rtl"].__setitem__("top", "mlp; shell rm -rf x"))),
    _mk("folder_top_with_newline", "folder", SIM,
        M + r": field rtl\.top: rtl\.top must be " + ID + r", not 'mlp\\nmodule x'" + REDO, RTL,
        manifest_edit(lambda doc: doc["rtl"].__setitem__("top", "mlp\nmodule x"))),
    _mk("folder_top_a_keyword", "folder", SYNTH,
        M + r": field rtl\.top: rtl\.top must be " + ID + r", not 'module'" + REDO, RTL,
        manifest_edit(lambda doc: doc["rtl"].__setitem__("top", "module"))),
    _mk("folder_top_another_core", "folder", SYNTH_ICE,
        r"\S+/rtl/filelist\.f: the file list must name each of the manifest's 8 Verilog files once, the top's "
        r"\(bnnc_fifo\.v\) last, not 8 line\(s\) ending in 'mlp\.v'" + REDO, RTL,
        manifest_edit(lambda doc: doc["rtl"].__setitem__("top", "bnnc_fifo"))),
    _mk("folder_top_not_declared_resealed", "folder", SIM,
        M + r": field rtl\.top: rtl\.top must be the module that mlp\.v declares, not 'mlp'" + REDO, RTL,
        rtl_text("mlp.v", lambda t: t.replace("module mlp #(", "module mlp_other #(")), reseal),
    _mk("folder_module_name_leaves_the_folder", "folder", SYNTH_ICE,
        M + r": field rtl\.modules\[2\]\.name: rtl\.modules\[2\]\.name must be " + ID + r", not '\.\./\.\./x'" + REDO,
        RTL, manifest_edit(lambda doc: doc["rtl"]["modules"][2].__setitem__("name", "../../x"))),
    _mk("folder_stream_name_quote", "folder", SIM,
        M + r": field rtl\.streams\[3\]\.name: rtl\.streams\[3\]\.name must be " + ID + r", not 'fc1\" -var \"x'"
        + REDO, RTL, manifest_edit(lambda doc: stream(doc, "fc1").__setitem__("name", 'fc1" -var "x'))),
    *_every("folder_file_name_leaves_the_folder", "folder",
            M + r": field files: files must be a list of file names, each a plain file name \(an identifier and one "
            r"of \.v, \.mem, \.f, \.json, \.npz; no folder, no space or ;\), not '\.\./x\.npy'" + REDO,
            manifest_edit(lambda doc: doc["files"].append("../x.npy")), only=("sim", "synth")),
    _mk("folder_file_is_a_link", "folder", SIM,
        r"\S+/rtl: the compile folder must hold every file its manifest lists, each a regular file, not "
        r"'fc1_weights\.mem' \(a link\)" + REDO, RTL,
        lambda d: ((d / "rtl" / "fc1_weights.mem").unlink(), (d / "rtl" / "fc1_weights.mem").symlink_to(d / "x.npy"))),

    # the cocotb engine passes the folder to Verilator as a string parameter (MEM_DIR): a quote would end it
    _mk("folder_path_quote_cocotb", "inject", 'simulate {d}/a"b --inputs {d}/x.npy --engine cocotb',
        r"the compile folder's path must hold no \" or \\ for the cocotb engine, not '\S+/a\"b'; move it or use "
        r"--engine verilator", compiled('a"b')),

    # ------------------------------------------------------------------ files changed since bnnc compile wrote them
    *_every("folder_mem_emptied", "folder", r"\S+/rtl/fc1_weights\.mem: " + CHANGED, file("rtl/fc1_weights.mem", "")),
    _mk("folder_mem_emptied_resealed", "folder", SYNTH,
        r"\S+/rtl/fc1_weights\.mem: a ROM image must hold hexadecimal words of one width, not nothing" + REDO, RTL,
        file("rtl/fc1_weights.mem", ""), reseal),
    _mk("folder_mem_truncated", "folder", SYNTH_ICE, r"\S+/rtl/fc2_weights\.mem: " + CHANGED,
        FOLDED, RTL, rtl_text("fc2_weights.mem", lambda t: "".join(t.splitlines(True)[:5]))),
    _mk("folder_mem_truncated_resealed", "folder", SIM,
        r"\S+/rtl/fc2_weights\.mem: the ROM image must hold 12 words of 1 hex digit\(s\) \(its memory plan in "
        r"manifest\.json: 12 x 1 bits\), not 5 words of 1" + REDO, FOLDED, RTL, rtl_text("fc2_weights.mem", lambda t: "".join(t.splitlines(True)[:5])), reseal),
    _mk("folder_mem_not_hex_resealed", "folder", SIM,
        r"\S+/rtl/fc1_params\.mem: a ROM image must hold hexadecimal words of one width, not other text" + REDO, RTL,
        file("rtl/fc1_params.mem", "zz\n"), reseal),
    *_every("folder_core_swapped", "folder", r"\S+/rtl/bnnc_fifo\.v: " + CHANGED,
            lambda d: (d / "rtl" / "bnnc_fifo.v").write_bytes((d / "rtl" / "bnnc_argmax.v").read_bytes()),
            only=("sim", "synth", "board")),
    _mk("folder_top_edited", "folder", SYNTH_BOARD, r"\S+/rtl/mlp\.v: " + CHANGED, RTL,
        rtl_text("mlp.v", lambda t: t.replace("endmodule", "initial $finish;\nendmodule"))),
    _mk("folder_ir_replaced", "folder", BOARD, r"\S+/rtl/folded_ir\.npz: " + CHANGED, RTL,
        lambda d: np.savez(d / "rtl" / "folded_ir.npz", x=np.zeros(3))),
    _mk("folder_ir_junk_resealed", "folder", SIM,
        r"\S+/rtl/folded_ir\.npz: the folded IR must be bnnc's, not damaged \(.+\)" + REDO, RTL,
        file("rtl/folded_ir.npz", "junk"), reseal),
    _mk("folder_hashes_missing", "folder", SIM,
        M + r": field sha256: sha256 must be a JSON object, not missing" + REDO, RTL,
        manifest_edit(lambda doc: doc.pop("sha256"))),
    _mk("folder_hash_not_hex", "folder", SYNTH,
        M + r": field sha256\.mlp\.v: sha256\.mlp\.v must be the file's sha256 as 64 hex digits, not 'x'" + REDO, RTL,
        manifest_edit(lambda doc: doc["sha256"].__setitem__("mlp.v", "x"))),

    # ------------------------------------------------------------------ numbers out of range
    # synth printed "timing met" for a manifest clock of -5 MHz
    *_every("folder_clock_negative", "folder",
            M + r": field clock_mhz: clock_mhz must be a frequency in MHz in \(0, 10000\], not -5\.0" + REDO,
            manifest_edit(lambda doc: doc.__setitem__("clock_mhz", -5.0)), only=("sim", "synth")),
    _mk("folder_clock_huge", "folder", SYNTH_ICE,
        M + r": field clock_mhz: clock_mhz must be a frequency in MHz in \(0, 10000\], not 1e\+300" + REDO, RTL,
        manifest_edit(lambda doc: doc.__setitem__("clock_mhz", 1e300))),
    _mk("folder_clock_a_string", "folder", SYNTH_ICE,
        M + r": field clock_mhz: clock_mhz must be a frequency in MHz in \(0, 10000\], not '100'" + REDO, RTL,
        manifest_edit(lambda doc: doc.__setitem__("clock_mhz", "100"))),
    _mk("folder_clock_nan", "folder", SYNTH_ICE,
        M + r": the manifest must be bnnc's JSON, not damaged \(ValueError: NaN is not a JSON number\)" + REDO, RTL,
        rtl_text("manifest.json", lambda t: re.sub(r'"clock_mhz": [0-9.]+', '"clock_mhz": NaN', t))),
    _mk("folder_key_twice", "folder", SIM,
        M + r": the manifest must be bnnc's JSON, not damaged \(ValueError: key 'top' twice in one object\)" + REDO,
        RTL, rtl_text("manifest.json", lambda t: t.replace('"top": "mlp"', '"top": "mlp", "top": "evil"'))),
    _mk("folder_manifest_nested_deep", "folder", SYNTH,
        M + r": the manifest must be bnnc's JSON, not damaged \(RecursionError: .+\)" + REDO, RTL,
        file("rtl/manifest.json", "[" * 100_000 + "]" * 100_000)),
    _mk("folder_interval_a_string", "folder", SIM,
        M + r": field rtl\.interval_cycles: rtl\.interval_cycles must be an integer in \[1, 2147483647\], not '1'"
        + REDO, RTL, manifest_edit(lambda doc: doc["rtl"].__setitem__("interval_cycles", "1"))),
    _mk("folder_lanes_negative", "folder", SIM,
        M + r": field rtl\.streams\[0\]\.lanes: rtl\.streams\[0\]\.lanes must be an integer in \[1, 1048576\], not -6"
        + REDO, RTL, manifest_edit(lambda doc: doc["rtl"]["streams"][0].__setitem__("lanes", -6))),
    _mk("folder_lanes_huge", "folder", BOARD,
        M + r": field rtl\.streams\[0\]\.lanes: rtl\.streams\[0\]\.lanes must be an integer in \[1, 1048576\], not "
        r"4294967296" + REDO, RTL, manifest_edit(lambda doc: doc["rtl"]["streams"][0].__setitem__("lanes", 1 << 32))),
    _mk("folder_width_disagrees", "folder", SIM,
        M + r": field rtl\.streams\[0\]\.width: rtl\.streams\[0\]\.width must be lanes x elem_bits = 48, not 96"
        + REDO, RTL, manifest_edit(lambda doc: doc["rtl"]["streams"][0].__setitem__("width", 96))),
    # lanes, width and beats edited to agree with each other: the hashed top still declares 48 bits
    _mk("folder_stream_disagrees_with_the_top", "folder", SYNTH_ICE,
        M + r": field rtl\.input_stream\.width: rtl\.input_stream\.width must be the width mlp\.v declares \(48\), not "
        r"24" + REDO, RTL,
        manifest_edit(lambda doc: [s.update(lanes=3, width=24, beats_per_image=2)
                                   for s in (doc["rtl"]["streams"][0], doc["rtl"]["input_stream"])])),
    _mk("folder_mvtu_pe_missing", "folder", SYNTH_ICE,
        M + r": field rtl\.modules\[2\]\.params\.PE: rtl\.modules\[2\]\.params\.PE must be an integer in \[1, 1048576\], "
        r"not missing" + REDO, RTL, manifest_edit(lambda doc: doc["rtl"]["modules"][2]["params"].pop("PE"))),
    _mk("folder_target_unknown", "folder", SYNTH_BOARD,
        M + r": field resources\.target: resources\.target must be one of xilinx, ice40-up5k, ecp5-25k, ecp5-85k, not "
        r"'altera'" + REDO, RTL, manifest_edit(lambda doc: doc["resources"].__setitem__("target", "altera"))),

    # ------------------------------------------------------------------ fields that once ended in a KeyError (exit 70)
    _mk("folder_without_rtl_board", "folder", BOARD,
        M + r": field rtl: rtl must be a JSON object, not missing" + REDO, RTL, manifest_edit(lambda doc: doc.pop("rtl"))),
    _mk("folder_streams_missing", "folder", SIM,
        M + r": field rtl\.streams: rtl\.streams must be a JSON list of at least 1 item\(s\), not missing" + REDO, RTL,
        manifest_edit(lambda doc: doc["rtl"].pop("streams"))),
    _mk("folder_stream_tap_unknown", "folder", SIM,
        M + r": field rtl\.streams\[3\]\.tap: rtl\.streams\[3\]\.tap must name a tensor of the folded IR, not "
        r"'nowhere'" + REDO, RTL, manifest_edit(lambda doc: stream(doc, "fc1").__setitem__("tap", "nowhere"))),
    _mk("folder_stream_carries_another_tensor", "folder", SIM,
        M + r": field rtl\.streams\[3\]: rtl\.streams\[3\] must carry bn2's \S+ as the folded IR has it, "
        r"not 1 x 4 bipolar element\(s\)" + REDO, RTL,
        manifest_edit(lambda doc: stream(doc, "fc1").__setitem__("tap", "bn2"))),
    _mk("folder_output_kind_flipped", "folder", BOARD,
        M + r": field output: output must be the folded IR's 'argmax', not 'scores'" + REDO, RTL,
        manifest_edit(lambda doc: doc.__setitem__("output", "scores"))),
    _mk("folder_output_kind_unknown", "folder", SYNTH_BOARD,
        M + r": field output: output must be one of argmax, scores, not 'logits'" + REDO, RTL,
        manifest_edit(lambda doc: doc.__setitem__("output", "logits"))),
    _mk("folder_input_stream_not_the_first", "folder", SIM,
        M + r": field rtl\.streams\[0\]: rtl\.streams\[0\] must be the input stream \(rtl\.input_stream, 'src'\), "
        r"not 'in_sign'" + REDO, RTL,
        manifest_edit(lambda doc: doc["rtl"]["streams"].pop(0))),
    _mk("folder_synth_json_baud", "folder", BOARD,
        r"\S+/rtl/synth\.json: field board\.baud: board\.baud must be a positive integer up to 100000000 as bnnc synth "
        r"--board wrote it, not -5; run bnnc synth --board again, or give --baud", RTL,
        file("rtl/synth.json", '{"board": {"baud": -5}}')),

    # ------------------------------------------------------------------ options checked before any tool or --limit
    # a 1-baud UART needs an idle timeout of 7.68e9 cycles: a 32-bit parameter overflow once Yosys ran
    _mk("synth_board_baud_one", "numbers", SYNTH_BOARD + " --baud 1",
        r"--baud must be at least 4 at the 12 MHz clock \(the idle timeout of 64 byte times must fit the wrapper's "
        r"32-bit IDLE_CLKS\), not 1", RTL),
    # --limit once applied to both files before they were compared, so 5 inputs and 2 labels passed
    _mk("sim_limit_hides_labels_mismatch", "silent", SIM + " --labels {d}/l.npy --limit 2",
        r"\S*/l\.npy: --labels must have shape \(5,\), not \[2\]", RTL, array("l.npy", np.zeros(2, dtype=np.int64))),
    _mk("board_limit_hides_labels_mismatch", "silent", BOARD + " --labels {d}/l.npy --limit 2",
        r"\S*/l\.npy: --labels must have shape \(5,\), not \[2\]", RTL, array("l.npy", np.zeros(2, dtype=np.int64))),
]

# ------------------------------------------------------------------ bnnc report: the side files simulate and synth write
REPORT = "report {d}/rtl"
CASES += [
    _mk("report_simulate_json_more_matches_than_images", "numbers", REPORT,
        r"\S+/rtl/simulate\.json: field matches: matches must be at most images \(2\), not 3; run bnnc simulate again",
        RTL, file("rtl/simulate.json", json.dumps({
            "images": 2, "matches": 3, "interval_predicted": 1, "streams_checked": 1, "beats_checked": 1, "gaps": 0,
            "backpressure": 0, "engine": "verilator", "seconds": 1, "inputs": "x.npy"}))),
    _mk("report_synth_json_damaged", "kind", REPORT,
        r"\S+/rtl/synth\.json: synth\.json must be JSON as bnnc wrote it, not damaged \(JSONDecodeError: Expecting value: "
        r"line 1 column 1 \(char 0\)\); run bnnc synth again", RTL, file("rtl/synth.json", "not json")),
    _mk("report_synth_json_huge", "alloc", REPORT,
        r"\S+/rtl/synth\.json: synth\.json must be at most 4194304 bytes, not 5000000; run bnnc synth again", RTL,
        file("rtl/synth.json", b" " * 5_000_000)),
    _mk("report_synth_json_board_bytes_text", "kind", REPORT,
        r"\S+/rtl/synth\.json: field board\.image_bytes: board\.image_bytes must be an integer in \[1, "
        r"1000000000000000\], not '4'; run bnnc synth again", RTL, file("rtl/synth.json", json.dumps({
            "target": "xilinx", "clock_mhz": 100, "yosys_cells": {}, "resources": {}, "modules": {},
            "board": {"image_bytes": "4", "baud": 9600}}))),
    _mk("report_synth_json_module_not_counts", "kind", REPORT,
        r"\S+/rtl/synth\.json: field modules\.u_fc1: modules\.u_fc1 must be a JSON object of cell counts, not 5; "
        r"run bnnc synth again", RTL, file("rtl/synth.json", json.dumps({
            "target": "xilinx", "clock_mhz": 100, "yosys_cells": {}, "resources": {}, "modules": {"u_fc1": 5}}))),
]
