"""The whole bad-input corpus: the cases of every module of this folder, and the per-class counts README.md states.

``python -m tests.bad_inputs.corpus`` prints the README's table of counts.
"""

from __future__ import annotations

from collections import Counter

from tests.bad_inputs import cases, cases_cli, cases_conv, cases_fewbit, cases_folder, cases_onnx, cases_train
from tests.bad_inputs.cases import Case

CASES: list[Case] = [*cases.CASES, *cases_folder.CASES, *cases_conv.CASES, *cases_fewbit.CASES, *cases_onnx.CASES, *cases_train.CASES, *cases_cli.CASES]

# What each class holds (README.md lists them in this order).
CLASSES: dict[str, str] = {
    "output": "never destroy what bnnc did not write (compile -o, run --output, train --out)",
    "inject": "nothing raw reaches generated text, tool scripts or the terminal",
    "numbers": "every number fits where it goes",
    "alloc": "refuse before allocating (sizes, bombs, hanging files)",
    "os": "paths the OS refuses",
    "kind": "inputs of the wrong kind",
    "silent": "probably wrong, so not silently accepted",
    "usage": "command-line mistakes",
    "folder": "a compile folder is untrusted input for simulate, synth and board run",
    "conv": "convolution options: pad values, padding >= kernel, what the hardware cannot do",
    "internal": "user input that once ended in an internal error (exit 70)",
    "message": "messages that named the wrong thing or leaked internals",
}


def counts() -> Counter[str]:
    return Counter(c.cls for c in CASES)


def readme_table() -> str:
    """The Markdown table of cases per class, as README.md must hold it."""
    n = counts()
    rows = ["| class | cases | what it pins |", "|---|---|---|"]
    rows += [f"| `{k}` | {n[k]} | {v} |" for k, v in CLASSES.items()]
    rows.append(f"| all | {len(CASES)} | |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(readme_table())
