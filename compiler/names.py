"""Every user-supplied string that reaches generated text or the terminal goes through here.

* :func:`sanitize`: a Verilog identifier from any name.
* :class:`NameTable`: unique identifiers for one Verilog scope, never a keyword,
  a reserved name or a case-insensitive twin of another (so the file names derived
  from them cannot collide on case-insensitive file systems either).
* :func:`comment_text`: text safe inside a ``//`` comment (no line break can end it).
* :func:`printable`: text safe to print on a terminal (no control character, no
  ANSI escape, no second line, no bidirectional override or other invisible format
  character that could reorder or hide what the line says).
* :func:`is_identifier`, :func:`is_plain_file_name`: the checks that names read back
  from a compile folder (which anyone may have edited) are the plain names bnnc writes,
  before they reach a tool script, a command line or a path.
* :func:`tool_word`, :func:`tool_words`: every value pasted into a tool's script, config
  or command line (Yosys, nextpnr, the packers, Verilator), checked where it is pasted.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# Verilog-2005 and SystemVerilog-2017 keywords: Verilator parses .v files as
# SystemVerilog by default, so a name from either list would break the build.
VERILOG_KEYWORDS = frozenset("""
accept_on alias always always_comb always_ff always_latch and assert assign assume automatic before begin bind bins
binsof bit break buf bufif0 bufif1 byte case casex casez cell chandle checker class clocking cmos config const
constraint context continue cover covergroup coverpoint cross deassign default defparam design disable dist do edge
else end endcase endchecker endclass endclocking endconfig endfunction endgenerate endgroup endinterface endmodule
endpackage endprimitive endprogram endproperty endspecify endsequence endtable endtask enum event eventually expect
export extends extern final first_match for force foreach forever fork forkjoin function generate genvar global
highz0 highz1 if iff ifnone ignore_bins illegal_bins implements implies import incdir include initial inout input
inside instance int integer interconnect interface intersect join join_any join_none large let liblist library local
localparam logic longint macromodule matches medium modport module nand negedge nettype new nexttime nmos nor
noshowcancelled not notif0 notif1 null or output package packed parameter pmos posedge primitive priority program
property protected pull0 pull1 pulldown pullup pulsestyle_ondetect pulsestyle_onevent pure rand randc randcase
randsequence rcmos real realtime ref reg reject_on release repeat restrict return rnmos rpmos rtran rtranif0
rtranif1 s_always s_eventually s_nexttime s_until s_until_with scalared sequence shortint shortreal showcancelled
signed small soft solve specify specparam static string strong strong0 strong1 struct super supply0 supply1
sync_accept_on sync_reject_on table tagged task this throughout time timeprecision timeunit tran tranif0 tranif1 tri
tri0 tri1 triand trior trireg type typedef union unique unique0 unsigned until until_with untyped use uwire var
vectored virtual void wait wait_order wand weak weak0 weak1 while wildcard wire with within wor xnor xor
""".split())

# Unicode categories escaped wherever a user's text is shown: controls (Cc: C0, DEL, C1), format
# characters (Cf: the bidirectional embeddings, overrides and isolates U+202A-U+202E, U+2066-U+2069,
# the marks U+200E/U+200F and U+061C, zero-width characters), line and paragraph separators (Zl, Zp),
# and lone surrogates (Cs: undecodable bytes of a file name, which no terminal encoding can print).
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TOOL_WORD = re.compile(r"[A-Za-z0-9_+-][A-Za-z0-9_./+-]*")

MAX_FILE_NAME = 255
"""The longest file name (bytes) the usual file systems store."""


def sanitize(name: str) -> str:
    """A Verilog identifier from any name: keep [A-Za-z0-9_], never start with a digit.

    >>> sanitize("fc-1.weight")
    'fc_1_weight'
    >>> sanitize("1st")
    'n_1st'
    """
    s = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return s if re.match(r"^[A-Za-z_]", s) else f"n_{s}"


def is_identifier(name: object, keywords: bool = False) -> bool:
    """True when ``name`` is a plain identifier as :func:`sanitize` makes them: ASCII letters, digits and _,
    not starting with a digit, and (unless ``keywords``) not a Verilog keyword.

    Nothing else can be pasted into a Yosys script, a Verilator config or a file name
    without meaning something more than a name.

    >>> is_identifier("fc1"), is_identifier("a b"), is_identifier("top;shell"), is_identifier("module")
    (True, False, False, False)
    >>> is_identifier("input"), is_identifier("input", keywords=True), is_identifier(3)
    (False, True, False)
    """
    return (isinstance(name, str) and _IDENT.fullmatch(name) is not None
            and (keywords or name not in VERILOG_KEYWORDS))


def is_plain_file_name(name: object, suffixes: Iterable[str]) -> bool:
    """True when ``name`` is a file name as bnnc writes them into a folder: an identifier stem and one of
    ``suffixes``; so no path separator, no ``..``, no space, quote, ``;`` or control character.

    >>> is_plain_file_name("fc1_weights.mem", (".mem", ".v")), is_plain_file_name("../x.v", (".v",))
    (True, False)
    >>> is_plain_file_name("a.v; shell", (".v",)), is_plain_file_name("top.sv", (".v",))
    (False, False)
    """
    if not isinstance(name, str) or len(name.encode()) > MAX_FILE_NAME:
        return False
    stem, dot, suffix = name.rpartition(".")
    return bool(dot) and f".{suffix}" in tuple(suffixes) and is_identifier(stem, keywords=True)


def tool_word(value: object) -> str:
    """``value`` as one word of a tool's script or command line (floats as ``format(value, "g")``).

    Raises ValueError unless the word is plain: letters, digits and ``_ . / + -`` (not first ``.`` or
    ``/``), no ``..``. So no value can end a Yosys command (``;``), start a comment (``#``), quote,
    span two words, name an absolute path or leave the folder, whatever was checked before it.

    >>> tool_word("mlp"), tool_word("synth/bnnc_uart_rx.v"), tool_word(12.5), tool_word("-noflatten")
    ('mlp', 'synth/bnnc_uart_rx.v', '12.5', '-noflatten')
    >>> tool_word("mlp; shell")
    Traceback (most recent call last):
    ...
    ValueError: a tool script word must be plain (letters, digits and _ . / + -), not 'mlp; shell'
    """
    text = value if isinstance(value, str) else format(value, "g") if isinstance(value, float) else str(value)
    if not _TOOL_WORD.fullmatch(text) or ".." in text:
        raise ValueError(f"a tool script word must be plain (letters, digits and _ . / + -), not {printable(repr(text))}")
    return text


def tool_words(values: Iterable[object] | str) -> str:
    """Several words (a sequence, or one string of words separated by spaces), each :func:`tool_word`, joined by spaces.

    >>> tool_words("synth_ice40 -noflatten"), tool_words(["a.v", "b.v"])
    ('synth_ice40 -noflatten', 'a.v b.v')
    """
    items = values.split() if isinstance(values, str) else list(values)
    return " ".join(tool_word(v) for v in items)


class NameTable:
    """Unique identifiers in one scope: each claim is sanitized, kept off keywords and reserved names, and
    differs case-insensitively from every other claim (and from what the claims derive by a suffix).

    >>> t = NameTable(reserved=["clk"])
    >>> t.claim("fc1"), t.claim("FC1"), t.claim("clk"), t.claim("wire"), t.claim("a b")
    ('fc1', 'FC1_1', 'clk_1', 'wire_1', 'a_b')
    >>> t = NameTable(reserved=["s_axis_tdata"])
    >>> t.claim("s_axis", suffixes=("_tdata",))   # its net s_axis_tdata would shadow a port
    's_axis_1'
    """

    def __init__(self, reserved: Iterable[str] = ()) -> None:
        self._taken: set[str] = {r.lower() for r in reserved} | VERILOG_KEYWORDS

    def _free(self, name: str, suffixes: tuple[str, ...]) -> bool:
        return all((name + s).lower() not in self._taken for s in ("", *suffixes))

    def claim(self, name: str, suffixes: tuple[str, ...] = ()) -> str:
        """A unique identifier for ``name`` (``name`` itself when it is free), reserving it and its suffixed forms."""
        base = sanitize(name)
        out, k = base, 0
        while not self._free(out, suffixes):
            k += 1
            out = f"{base}_{k}"
        for s in ("", *suffixes):
            self._taken.add((out + s).lower())
        return out


def comment_text(text: str) -> str:
    r"""``text`` for one line of a Verilog ``//`` comment: control characters (line breaks too) escaped.

    >>> comment_text("net\nmodule evil;")
    'net\\nmodule evil;'
    """
    return printable(text)


def printable(text: str) -> str:
    r"""``text`` for one terminal line: control characters shown as escapes, so none reaches the terminal raw.

    >>> printable("fc1\x1b[31m\nbnnc: ok")
    'fc1\\x1b[31m\\nbnnc: ok'
    >>> printable("net\u202egnp.yaml \u2066x\u2069 \u200f\u061c\x85 caf\u00e9")
    'net\\u202egnp.yaml \\u2066x\\u2069 \\u200f\\u061c\\x85 café'
    """
    if text.isascii() and text.isprintable():
        return text  # the common case: nothing to escape
    return "".join(_escape(c) if unicodedata.category(c) in _ESCAPED_CATEGORIES else c for c in text)


def _escape(c: str) -> str:
    """One character as its Python escape (``\\x1b``, ``\\n``, ``\\u202e``, ``\\udcff``): plain ASCII."""
    return c.encode("unicode_escape", "backslashreplace").decode("ascii")
