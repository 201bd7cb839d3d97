// bnnc_rom: a ROM of DEPTH words of WIDTH bits, initialised from a $readmemh file and built
// the way the compiler's memory plan says (compiler/cores/rom.py).
//
// REGISTERED = 1: q is a register loaded with word addr in a cycle where en is high (a block RAM
// read port with a clock enable). REGISTERED = 0: q is word addr in the same cycle (combinational;
// block RAM cannot do that, so STYLE 1 is illegal there), and en is unused.
//
// Why a module of its own, kept apart in synthesis (keep_hierarchy): built from logic, each output
// bit is a function of the address alone (a LUT6 is a 64x1 ROM). Yosys's mapper finds that when
// the address arrives on the module's pins, but not when the ROM shares a netlist with the counter
// that drives its address: a 64x256 ROM behind a 6-bit counter maps to 864 LUT6 flattened into
// one module and to 256 LUT6 kept apart (Yosys 0.70 synth_xilinx; docs/performance.md, "Logic ROMs kept apart").
// Vivado honours the same attribute; simulators ignore it.
//
// FILE: DEPTH lines of ceil(WIDTH / 4) hex digits, word 0 first.
`default_nettype none

(* keep_hierarchy = "yes" *)
module bnnc_rom #(
    parameter integer WIDTH = 8,       // bits per word (>= 1)
    parameter integer DEPTH = 16,      // words (>= 1)
    parameter integer ADDR_BITS = 4,   // address width (>= 1, and 2**ADDR_BITS >= DEPTH)
    parameter FILE = "",               // $readmemh image of the words
    parameter integer STYLE = 0,       // rom_style: 0 the tool's choice, 1 block, 2 distributed, 3 logic
    parameter integer REGISTERED = 1   // 1: q registered on en (synchronous read), 0: combinational
) (
    input  wire                 clk,   // clock (unused when REGISTERED = 0)
    input  wire                 en,    // read enable: q loads word addr (unused when REGISTERED = 0)
    input  wire [ADDR_BITS-1:0] addr,  // word address (< DEPTH)
    output wire [WIDTH-1:0]     q      // the word
);
    generate
        if (WIDTH < 1) begin : g_bad_width
            bnnc_param_error_rom_width_must_be_positive u_err ();
        end
        if (DEPTH < 1) begin : g_bad_depth
            bnnc_param_error_rom_depth_must_be_positive u_err ();
        end
        if (ADDR_BITS < 1 || ADDR_BITS > 30 || (DEPTH > 1 && (1 << ADDR_BITS) < DEPTH)) begin : g_bad_addr_bits
            bnnc_param_error_rom_addr_bits_must_reach_depth u_err ();
        end
        if (STYLE < 0 || STYLE > 3) begin : g_bad_style
            bnnc_param_error_rom_style_must_be_0_to_3 u_err ();
        end
        if (REGISTERED != 0 && REGISTERED != 1) begin : g_bad_registered
            bnnc_param_error_rom_registered_must_be_0_or_1 u_err ();
        end
        if (REGISTERED == 0 && STYLE == 1) begin : g_bad_block_comb
            bnnc_param_error_rom_block_style_needs_registered_read u_err ();
        end
    endgenerate

    // One declaration per style: an attribute's value must be a literal.
    wire [WIDTH-1:0] word;
    generate
        if (STYLE == 1) begin : g_block
            (* rom_style = "block" *) reg [WIDTH-1:0] rom [0:DEPTH-1];
            initial begin
                $readmemh(FILE, rom);
            end
            assign word = rom[addr];
        end else if (STYLE == 2) begin : g_distributed
            (* rom_style = "distributed" *) reg [WIDTH-1:0] rom [0:DEPTH-1];
            initial begin
                $readmemh(FILE, rom);
            end
            assign word = rom[addr];
        end else if (STYLE == 3) begin : g_logic
            (* rom_style = "logic" *) reg [WIDTH-1:0] rom [0:DEPTH-1];
            initial begin
                $readmemh(FILE, rom);
            end
            assign word = rom[addr];
        end else begin : g_tool
            reg [WIDTH-1:0] rom [0:DEPTH-1];
            initial begin
                $readmemh(FILE, rom);
            end
            assign word = rom[addr];
        end
    endgenerate

    generate
        if (REGISTERED != 0) begin : g_sync
            reg [WIDTH-1:0] q_r;
            always @(posedge clk) begin
                if (en) begin
                    q_r <= word;
                end
            end
            assign q = q_r;
        end else begin : g_comb
            assign q = word;
            /* verilator lint_off UNUSEDSIGNAL */
            wire unused = &{1'b0, clk, en};
            /* verilator lint_on UNUSEDSIGNAL */
        end
    endgenerate
endmodule

`default_nettype wire
