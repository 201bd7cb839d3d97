"""compiler/cores against templates/cores: one parameter class per Verilog core, its fields and defaults the core's."""

from __future__ import annotations

import re

import pytest

from compiler.codegen.paths import cores_dir
from compiler.cores import CORES, CoreParams, params_of

# A parameter declaration in a module header: its name and default (up to the comma, comment or closing parenthesis).
_PARAM = re.compile(r"^\s*parameter\s+(?:integer\s+|\[[^\n]*?\]\s+)?(\w+)\s*=\s*(.+?)\s*(?:,|\)\s*\(|//|$)", re.M)


def verilog_parameters(core: str) -> dict[str, str]:
    """The ``parameter`` declarations of ``templates/cores/<core>.v``: name -> default, as written."""
    return dict(_PARAM.findall((cores_dir() / f"{core}.v").read_text()))


def _value(text: str) -> int | str:
    """A default as Python reads it: an integer, a string, or 0 for a replication of zero bits."""
    if text.startswith('"'):
        return text.strip('"')
    if re.fullmatch(r"\{.*\{1'b0\}\}", text):
        return 0
    return int(text)


def test_every_core_file_has_a_parameter_class() -> None:
    assert set(CORES) == {p.stem for p in cores_dir().glob("*.v")}


@pytest.mark.parametrize("core", sorted(CORES))
def test_fields_are_the_verilog_parameters(core: str) -> None:
    """Field names (and the file parameters) are the .v file's parameters; defaults equal, None meaning 'not set'."""
    cls = CORES[core]
    declared = verilog_parameters(core)
    fields = {name: getattr(cls(), name) for name in cls._names()}
    assert set(fields) | set(cls.FILES) == set(declared), core
    for name, default in fields.items():
        if default is not None:
            assert default == _value(declared[name]), (core, name)
    for name in cls.FILES:
        assert isinstance(_value(declared[name]), str), (core, name)


def test_mapping_view_is_the_instance_parameter_list() -> None:
    """Read as a mapping: fields in order, without those left None; ``of`` reads such a mapping back."""
    p = CORES["bnnc_mvtu"](MW=9, MH=3)
    assert list(p)[:4] == ["MW", "MH", "PE", "SIMD"] and "PARAM_STYLE" not in p and p["MW"] == 9
    assert params_of("bnnc_mvtu", dict(p)) == p
    assert isinstance(p, CoreParams) and hash(p) == hash(CORES["bnnc_mvtu"](MW=9, MH=3))
    with pytest.raises(ValueError, match="core must be one of"):
        params_of("bnnc_nothing", {})
