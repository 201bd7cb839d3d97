// bnnc_xnor_popcount: count = popcount(xnor(x, w)) of WIDTH lanes, shaped for 6-input LUTs.
//
// Level 0 folds the XNOR into the first compressor: the lanes are taken in
// groups of three, and each group's 2-bit count xnor0 + xnor1 + xnor2 is
// formed directly from the six input/weight bits (bit 0 is their parity,
// bit 1 their majority: one LUT6 each, a 3:2 compressor of three XNORs for
// two LUTs, where a separate XNOR per lane would already cost one LUT a lane).
// The last group holds the 1 or 2 leftover lanes when WIDTH is not a multiple
// of 3. Levels 1.. are a binary adder tree over the group counts, each node
// only as wide as its value range needs (level l: l + 2 bits, capped at the
// width of count), so the carry-chain adders stay narrow.
//
// Pipelining: PIPE = 0 is purely combinational (clk and en unused, LATENCY 0).
// PIPE = k >= 1 registers the outputs of every k-th level (levels 0..NL-1,
// registered when (level + 1) % k == 0) and always the last level, so
// count follows x and w by LATENCY = ceil(NL / k) cycles, NL = 1 + clog2(groups).
// en is the clock enable of every pipeline register (hold: en = 0).
`default_nettype none

module bnnc_xnor_popcount #(
    parameter integer WIDTH = 16,  // lanes (>= 1), any value (odd, non-power-of-two)
    parameter integer PIPE = 0     // 0: combinational; k >= 1: a register rank after every k tree levels and at the output
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                           clk,    // clock (PIPE >= 1 only)
    input  wire                           en,     // clock enable of the pipeline registers (PIPE >= 1 only)
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [WIDTH-1:0]               x,      // input bits (bipolar: 1 = +1)
    input  wire [WIDTH-1:0]               w,      // weight bits (1 = +1)
    output wire [$clog2(WIDTH + 1)-1:0]   count   // number of lanes i with x[i] == w[i]
);
    generate
        if (WIDTH < 1) begin : g_bad_width
            bnnc_param_error_xnor_popcount_width_must_be_positive u_err ();
        end
        if (PIPE < 0) begin : g_bad_pipe
            bnnc_param_error_xnor_popcount_pipe_must_not_be_negative u_err ();
        end
    endgenerate

    localparam integer W_C = (WIDTH > 0) ? WIDTH : 1;               // clamped copy (illegal values)
    localparam integer CW = $clog2(W_C + 1);                        // width of count
    localparam integer GROUPS = (W_C + 2) / 3;                      // level-0 groups of 3 lanes
    localparam integer NL = 1 + ((GROUPS > 1) ? $clog2(GROUPS) : 0);  // tree levels, level 0 included
    localparam integer PIPE_C = (PIPE > 0) ? PIPE : 0;
    // Cycles from x/w to count: register ranks of the pipeline (read by testbenches and callers).
    /* verilator lint_off UNUSEDPARAM */
    localparam integer LATENCY = (PIPE_C == 0) ? 0 : (NL + PIPE_C - 1) / PIPE_C;
    /* verilator lint_on UNUSEDPARAM */

    genvar l, j;
    generate
        for (l = 0; l < NL; l = l + 1) begin : g_lvl
            localparam integer N = (GROUPS + (1 << l) - 1) >> l;   // nodes at this level
            localparam integer LW = (l + 2 < CW) ? l + 2 : CW;       // node width at this level
            // 1: this level's outputs are registered
            localparam integer REG = ((PIPE_C > 0) && (((l + 1) % ((PIPE_C > 0) ? PIPE_C : 1) == 0) || (l == NL - 1))) ? 1 : 0;
            for (j = 0; j < N; j = j + 1) begin : g_n
                wire [LW-1:0] s;   // this node's sum
                wire [LW-1:0] v;   // its value as seen by the next level (s, or s registered)
                if (l == 0) begin : g_leaf
                    // Group j: lanes 3j .. 3j+2 (those below WIDTH).
                    localparam integer K = 3 * j;
                    localparam integer NLANE = (W_C - K < 3) ? W_C - K : 3;  // lanes in this group
                    // xnor of each lane of the group (0 past WIDTH; WIDTH = 1 reads e[0] only)
                    /* verilator lint_off UNUSEDSIGNAL */
                    wire [2:0] e;
                    /* verilator lint_on UNUSEDSIGNAL */
                    assign e[0] = ~(x[K] ^ w[K]);
                    if (NLANE > 1) begin : g_e1
                        assign e[1] = ~(x[K + 1] ^ w[K + 1]);
                    end else begin : g_e1_pad
                        assign e[1] = 1'b0;
                    end
                    if (NLANE > 2) begin : g_e2
                        assign e[2] = ~(x[K + 2] ^ w[K + 2]);
                    end else begin : g_e2_pad
                        assign e[2] = 1'b0;
                    end
                    if (LW == 1) begin : g_one
                        // WIDTH = 1: the count is the single xnor.
                        assign s = e[0];
                    end else begin : g_two
                        assign s = {(e[0] & e[1]) | (e[0] & e[2]) | (e[1] & e[2]), e[0] ^ e[1] ^ e[2]};
                    end
                end else if (2 * j + 1 < (GROUPS + (1 << (l - 1)) - 1) >> (l - 1)) begin : g_add
                    localparam integer PW = (l + 1 < CW) ? l + 1 : CW;  // width of the level below
                    if (PW < LW) begin : g_widen
                        assign s = {1'b0, g_lvl[l - 1].g_n[2 * j].v} + {1'b0, g_lvl[l - 1].g_n[2 * j + 1].v};
                    end else begin : g_same
                        assign s = g_lvl[l - 1].g_n[2 * j].v + g_lvl[l - 1].g_n[2 * j + 1].v;
                    end
                end else begin : g_pass
                    localparam integer PW = (l + 1 < CW) ? l + 1 : CW;  // width of the level below
                    if (PW < LW) begin : g_widen
                        assign s = {1'b0, g_lvl[l - 1].g_n[2 * j].v};
                    end else begin : g_same
                        assign s = g_lvl[l - 1].g_n[2 * j].v;
                    end
                end
                if (REG != 0) begin : g_reg
                    reg [LW-1:0] q;
                    always @(posedge clk) begin
                        if (en) begin
                            q <= s;
                        end
                    end
                    assign v = q;
                end else begin : g_wire
                    assign v = s;
                end
            end
        end
    endgenerate

    assign count = g_lvl[NL - 1].g_n[0].v;
endmodule

`default_nettype wire
