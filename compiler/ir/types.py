"""Tensor types of the IR: a shape and a dtype that is float, bipolar, or an exact integer range."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.bits import bits_for_range


@dataclass(frozen=True)
class DType:
    """Element type. ``kind`` is ``float``, ``bipolar`` (values ±1) or ``int`` with the exact range [lo, hi].

    Integer ranges are exact value bounds, so hardware bit widths are derived, not guessed.

    >>> DType.int(0, 255).bits, DType.int(0, 255).signed
    (8, False)
    >>> str(DType.int(-5, 784))
    'i11[-5,784]'
    >>> str(DType.bipolar())
    'bipolar'
    """

    kind: str
    lo: int | None = None
    hi: int | None = None

    @staticmethod
    def float() -> "DType":
        return DType("float")

    @staticmethod
    def bipolar() -> "DType":
        return DType("bipolar", -1, 1)

    @staticmethod
    def int(lo: int, hi: int) -> "DType":
        assert lo <= hi, (lo, hi)
        return DType("int", int(lo), int(hi))

    @property
    def is_float(self) -> bool:
        return self.kind == "float"

    @property
    def is_bipolar(self) -> bool:
        return self.kind == "bipolar"

    @property
    def is_int(self) -> bool:
        return self.kind == "int"

    @property
    def is_integral(self) -> bool:
        """True for exact integer tensors (ints and bipolar, whose values are the integers ±1)."""
        return self.kind in ("int", "bipolar")

    @property
    def bits(self) -> int:
        """Hardware width of one element (1 for bipolar)."""
        if self.is_bipolar:
            return 1
        if self.is_float:
            return 64
        assert self.lo is not None and self.hi is not None
        return bits_for_range(self.lo, self.hi)[0]

    @property
    def signed(self) -> bool:
        if self.is_int:
            assert self.lo is not None
            return self.lo < 0
        return self.is_float

    def __str__(self) -> str:
        if self.is_float:
            return "f64"
        if self.is_bipolar:
            return "bipolar"
        prefix = "i" if self.signed else "u"
        return f"{prefix}{self.bits}[{self.lo},{self.hi}]"


@dataclass(frozen=True)
class TensorType:
    """Type of one image's tensor: channel-last shape (no batch axis) and dtype."""

    shape: tuple[int, ...]
    dtype: DType

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    @property
    def channels(self) -> int:
        return self.shape[-1]

    def __str__(self) -> str:
        return f"{self.dtype}{list(self.shape)}"
