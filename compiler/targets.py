"""The FPGA targets bnnc knows: the one list of target names and each part's memory and logic model.

Used by the compiler (``hardware.target`` / ``bnnc compile --target``: how each ROM is mapped,
:mod:`compiler.cores.rom`; whether the block-planned ROMs fit) and by ``bnnc synth``
(compiler/runtime/synth.py reads the block memory capacity from here). Facts, with sources:

* Xilinx 7-series (UG473, "7 Series FPGAs Memory Resources", table "RAMB18E1 and RAMB36E1
  port aspect ratios"): a RAMB18E1 holds 18 kbit (16 kbit data + 2 kbit parity, the parity
  bits are ordinary ROM bits when initialised with INITP) as 16Kx1, 8Kx2, 4Kx4, 2Kx9, 1Kx18,
  or 512x36 in simple dual-port mode (a ROM needs one read port, so SDP's x36 read port is
  usable). A RAMB36E1 is two RAMB18s with every depth doubled (32Kx1 ... 512x72), so the
  model counts RAMB18s and reports RAMB36 equivalents as half. UG474 ("7 Series FPGAs CLB"):
  LUT6; a SLICEM LUT is a 64x1 RAM (RAM64X1S), RAM32M packs 4 LUTs as 32x2 per port.
  The exchange rate uses the XC7Z020 (PYNQ-Z1, BNN-PYNQ's board; DS190): 53,200 LUTs and
  140 RAMB36 = 280 RAMB18.
* iCE40 UltraPlus UP5K (FPGA-DS-02008, "iCE40 UltraPlus Family Data Sheet"; TN1250
  "Memory Usage Guide for iCE40 Devices"): 5,280 LUT4, 30 sysMEM EBR (SB_RAM40_4K) of
  4 kbit as 256x16, 512x8, 1024x4 or 2048x2; no distributed RAM. Its four 256 kbit SPRAMs
  (SB_SPRAM256KA) are not initialised by the bitstream, so ROMs never go there (they would
  only suit weights loaded at run time, which bnnc does not do).
* ECP5 (FPGA-DS-02012, "ECP5 and ECP5-5G Family Data Sheet"; FPGA-TN-02204 "ECP5 Memory
  Usage Guide"): sysMEM EBR of 18 kbit as 16Kx1, 8Kx2, 4Kx4, 2Kx9, 1Kx18 (DP16KD) or
  512x36 (PDPW16KD); LFE5U-25F: 24K LUT4 (24,288) and 56 EBR; LFE5U-85F: 84K LUT4 (83,640)
  and 208 EBR. Distributed RAM: a PFU's slices 0 and 1 hold 16x4 (TRELLIS_DPR16X4), slice 2
  drives the write port.

Checked against public copies: FPGA-DS-02008 (UP5K: 5,280 LUTs, 120 kbit of EBR), an ECP5 overview
(https://bjonnh.github.io/fpga_class_psone/candyjar/ecp5/: LFE5U-25 24K LUTs, 56 x 18 kbit EBR, 16x4
distributed RAM = 3 slices), element14's ECP5 architecture notes (LUT5..LUT8 by slice concatenation).
Yosys's memory_libmap reads the attributes ram_block, rom_block, ram_style, rom_style, ramstyle, romstyle,
syn_ramstyle and syn_romstyle; bnnc writes rom_style, and tests/test_memory_yosys.py checks that
synth_xilinx, synth_ice40 and synth_ecp5 map each ROM as planned ("block" to RAMB18E1/RAMB36E1,
SB_RAM40_4K, DP16KD; "logic" to LUTs).

The exchange rate (LUTs one block is worth when :func:`compiler.cores.rom.plan_rom` weighs a
block plan against a LUT plan) is the part's LUTs divided by its blocks: what a block costs
in the same share of the chip.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BlockRam:
    """A family's block RAM primitive, as a ROM with one synchronous read port uses it."""

    name: str  # the primitive counted: RAMB18 (Xilinx) or EBR (Lattice)
    bits: int  # capacity of one block, parity bits included
    aspects: tuple[tuple[int, int], ...]  # (depth, width) shapes of the read port, widest first
    unit: str  # what one counted block is, as the manifest's resource record names it


@dataclass(frozen=True)
class FpgaTarget:
    """One target: its family, logic cells, block RAM and the exchange rate between the two."""

    name: str
    family: str  # xilinx, ice40, ecp5
    lut_inputs: int  # 6 (Xilinx LUT6) or 4 (Lattice LUT4)
    luts: int  # LUTs of the part (Xilinx: the XC7Z020 the exchange rate is taken from)
    bram: BlockRam
    blocks: int  # block RAMs of the part (RAMB18 / EBR)
    # LUT RAM: (depth, width, LUTs) of its smallest piece; None: the family has none. Yosys 0.5x-0.70
    # maps no memory without a write port to LUT RAM (rom_style "distributed" on a ROM fails with "no
    # valid mapping found", checked for synth_xilinx / synth_ice40 / synth_ecp5), and a ROM in logic
    # costs the same LUTs (a LUT6 is a 64x1 ROM), so plan_rom never plans "distributed" for a ROM.
    lutram: tuple[int, int, int] | None
    # LUT outputs one slice's dedicated muxes join for free: Xilinx MUXF7/MUXF8 (4 LUT6, UG474),
    # ECP5 PFUMX + L6MUX21 (8 LUT4 of a PFU, FPGA-DS-02012's slice/PFU description; Yosys 0.70 maps a
    # 128-deep ROM bit to 8 LUT4 + 4 PFUMX + 3 L6MUX21), iCE40 none (1: every mux is a LUT4).
    free_mux: int
    # Whether the block RAM count is a limit bnnc enforces (a Lattice part; "xilinx" is a family, not a part).
    enforce_capacity: bool
    bram_what: str  # the capacity in words, for messages

    @property
    def capacity_bits(self) -> int:
        """Bits the part's block RAM holds with initial contents from the bitstream."""
        return self.blocks * self.bram.bits

    @property
    def lut_per_block(self) -> float:
        """Exchange rate: LUTs worth one block (the part's LUTs over its blocks)."""
        return self.luts / self.blocks

    @property
    def bram_luts(self) -> int:
        """The exchange rate rounded to whole LUTs: what the resource model's cost and the folding
        search weigh a block at (the manifest's ``bram_luts``)."""
        return round(self.lut_per_block)


RAMB18 = BlockRam("RAMB18", 18 * 1024, ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1)),
                  "RAMB18")
ICE40_EBR = BlockRam("EBR", 4 * 1024, ((256, 16), (512, 8), (1024, 4), (2048, 2)), "EBR 4 kbit")
ECP5_EBR = BlockRam("EBR", 18 * 1024, ((512, 36), (1024, 18), (2048, 9), (4096, 4), (8192, 2), (16384, 1)),
                    "EBR 18 kbit (DP16KD)")

# The one list of target names (net.yaml hardware.target, bnnc compile --target, bnnc synth --target).
TARGETS: dict[str, FpgaTarget] = {
    "xilinx": FpgaTarget("xilinx", "xilinx", 6, 53_200, RAMB18, 280, (64, 1, 1), 4, False, "280 RAMB18 (XC7Z020)"),
    "ice40-up5k": FpgaTarget("ice40-up5k", "ice40", 4, 5_280, ICE40_EBR, 30, None, 1, True, "30 EBR x 4 kbit"),
    "ecp5-25k": FpgaTarget("ecp5-25k", "ecp5", 4, 24_288, ECP5_EBR, 56, (16, 4, 6), 8, True, "56 EBR x 18 kbit"),
    "ecp5-85k": FpgaTarget("ecp5-85k", "ecp5", 4, 83_640, ECP5_EBR, 208, (16, 4, 6), 8, True, "208 EBR x 18 kbit"),
}

DEFAULT_TARGET = "xilinx"


def target(name: str) -> FpgaTarget:
    """The target called ``name``; ValueError ("target must be one of ..., not ...") otherwise."""
    if name not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {name!r}")
    return TARGETS[name]
