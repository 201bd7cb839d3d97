// bnnc_dot_lane: one PE's SIMD-lane dot product with +-1 or few-bit weights (combinational).
//
// WEIGHT_BITS = 1 (one weight bit per lane, 1 = +1):
// BINARY_IN = 1: dot = popcount(xnor(x, w) & lane_en)   (popcount domain, >= 0),
//                by bnnc_xnor_popcount (XNOR folded into 6-input-LUT compressors)
// BINARY_IN = 0: dot = sum over enabled lanes of (w ? x : -x), x an IN_BITS
//                integer (two's complement when IN_SIGNED = 1); with ONES = 1
//                sum over enabled lanes of (w ? x : ~x), ~x = -x - 1 (ones'
//                complement: no +1 per lane; the caller adds the number of
//                enabled lanes with w = 0 back, bnnc_mvtu in its bias).
//                An adder tree whose nodes grow one bit per level (each sum
//                exact), reduced to DOT_BITS at the root.
// WEIGHT_BITS = 2..4 (lane k's weight w_k at w[k*WEIGHT_BITS +: WEIGHT_BITS], two's complement):
// BINARY_IN = 1: dot = sum over enabled lanes of (x ? w_k : -w_k)  (x = 1 means +1)
// BINARY_IN = 0: dot = sum over enabled lanes of x * w_k, an exact signed product
//                by radix-4 Booth recoding (selects among 0, +-x, +-2x and at most one
//                adder; no multiplier cell, so synthesis keeps it out of DSP blocks),
//                then the same adder tree.
// The result is DOT_BITS wide, two's complement, computed modulo 2**DOT_BITS:
// a caller that accumulates modulo 2**ACC_BITS may pass DOT_BITS = ACC_BITS
// even when one lane sum alone would need more bits (the final sum is exact
// whenever it fits ACC_BITS).
`default_nettype none

module bnnc_dot_lane #(
    parameter integer SIMD = 4,       // lanes (>= 1)
    parameter integer BINARY_IN = 1,  // 1: 1-bit bipolar lanes; 0: integer lanes of IN_BITS
    parameter integer IN_BITS = 8,    // integer lane width (BINARY_IN = 0 only; >= 1: a 1-bit signed lane is -1 or 0)
    parameter integer IN_SIGNED = 0,  // integer lanes are two's complement (1) or unsigned (0)
    parameter integer DOT_BITS = 8,   // result width (>= 1)
    parameter integer ONES = 0,       // integer lanes, WEIGHT_BITS = 1: 0 w ? x : -x; 1 w ? x : ~x (ones' complement)
    parameter integer WEIGHT_BITS = 1 // bits per weight (1..4): 1 the +-1 bit, 2..4 a two's complement code
) (
    input  wire [SIMD*((BINARY_IN != 0) ? 1 : IN_BITS)-1:0] x,        // input lanes
    input  wire [SIMD*((WEIGHT_BITS > 1) ? WEIGHT_BITS : 1)-1:0] w,   // weights, lane k at [k*WEIGHT_BITS +: WEIGHT_BITS]
    input  wire [SIMD-1:0]                                  lane_en,  // lanes that count
    output wire [DOT_BITS-1:0]                              dot       // dot product (two's complement)
);
    generate
        if (SIMD < 1) begin : g_bad_simd
            bnnc_param_error_dot_lane_simd_must_be_positive u_err ();
        end
        if (BINARY_IN != 0 && BINARY_IN != 1) begin : g_bad_binary_in
            bnnc_param_error_dot_lane_binary_in_must_be_0_or_1 u_err ();
        end
        if (IN_SIGNED != 0 && IN_SIGNED != 1) begin : g_bad_in_signed
            bnnc_param_error_dot_lane_in_signed_must_be_0_or_1 u_err ();
        end
        if (BINARY_IN == 0 && IN_BITS < 1) begin : g_bad_in_bits
            bnnc_param_error_dot_lane_in_bits_too_small u_err ();
        end
        if (DOT_BITS < 1) begin : g_bad_dot_bits
            bnnc_param_error_dot_lane_dot_bits_must_be_positive u_err ();
        end
        if (ONES != 0 && ONES != 1) begin : g_bad_ones
            bnnc_param_error_dot_lane_ones_must_be_0_or_1 u_err ();
        end
        if (WEIGHT_BITS < 1 || WEIGHT_BITS > 4) begin : g_bad_weight_bits
            bnnc_param_error_dot_lane_weight_bits_must_be_1_to_4 u_err ();
        end
        if (ONES != 0 && WEIGHT_BITS != 1) begin : g_bad_ones_weight_bits
            bnnc_param_error_dot_lane_ones_needs_weight_bits_1 u_err ();
        end
    endgenerate

    localparam integer WB = (WEIGHT_BITS > 1) ? WEIGHT_BITS : 1;  // clamped: the check above reports bad values

    localparam integer PW = ((BINARY_IN != 0) ? 1 : IN_BITS) + WB;  // an integer lane's product width
    localparam integer ND = (WB + 1) / 2;  // radix-4 Booth digits of a weight (integer lanes, WB >= 2)

    // One radix-4 Booth partial product: the digit of bits {b2, b1, b0} (-2*b2 + b1 + b0, in -2..2)
    // times x, chosen among 0, x, 2x, -x, -2x (x and its negation, shifted): a 5-way select, no adder.
    function automatic [PW-1:0] booth_pp(input [2:0] b, input [PW-1:0] xv, input [PW-1:0] nx);
        begin
            case (b)
                3'b001, 3'b010: booth_pp = xv;
                3'b011:         booth_pp = {xv[PW-2:0], 1'b0};
                3'b100:         booth_pp = {nx[PW-2:0], 1'b0};
                3'b101, 3'b110: booth_pp = nx;
                default:        booth_pp = {PW{1'b0}};
            endcase
        end
    endfunction

    genvar i;
    generate
        if (BINARY_IN != 0 && WB == 1) begin : g_binary
            localparam integer PCW = $clog2(SIMD + 1);  // popcount width
            // Top bits of pc are dropped when DOT_BITS < PCW (modular result, see header).
            /* verilator lint_off UNUSEDSIGNAL */
            wire [PCW-1:0] pc;
            /* verilator lint_on UNUSEDSIGNAL */
            // A disabled lane is presented as x = 1, w = 0, so its xnor is 0 and it does
            // not count: the LUT-shaped datapath then computes popcount(xnor(x, w) & lane_en).
            bnnc_xnor_popcount #(
                .WIDTH(SIMD),
                .PIPE(0)
            ) u_popcount (
                .clk(1'b0),
                .en(1'b0),
                .x(x | ~lane_en),
                .w(w & lane_en),
                .count(pc)
            );
            if (DOT_BITS > PCW) begin : g_zext
                assign dot = {{(DOT_BITS - PCW){1'b0}}, pc};
            end else begin : g_trunc
                assign dot = pc[DOT_BITS-1:0];
            end
        end else begin : g_integer
            // Integer lanes, or few-bit weights (either input). Leaf width: a term exactly, as two's
            // complement. 1-bit weights: -x needs one bit more than x (-(-2**(IN_BITS-1)),
            // -(2**IN_BITS - 1)); ~x of a signed x needs none. Few-bit weights: +-w needs WB + 1
            // bits (-(-2**(WB-1))); x * w needs IN_BITS + WB (signed x: (-2**(IN_BITS-1)) *
            // (-2**(WB-1)) = 2**(IN_BITS+WB-2); unsigned x: (2**IN_BITS - 1) * -2**(WB-1)).
            localparam integer LW = (WB > 1) ? ((BINARY_IN != 0) ? WB + 1 : IN_BITS + WB)
                                             : IN_BITS + ((ONES != 0 && IN_SIGNED != 0) ? 0 : 1);
            localparam integer LEVELS = (SIMD > 1) ? $clog2(SIMD) : 0;  // adder-tree levels
            localparam integer LEAVES = 1 << LEVELS;
            localparam integer RW = LW + LEVELS;  // root width: the sum of LEAVES terms, exact
            // Adder tree, heap order: node i (g_node[i].v) sums nodes 2i+1 and 2i+2 and is one
            // bit wider than they are (depth d = floor(log2(i+1)): LW + LEVELS - d bits), so no
            // node carries sign-extension bits it does not need; leaf LEAVES-1+k is lane k's
            // term. Built from the leaves up, so each node's children are declared before it.
            for (i = 2 * LEAVES - 2; i >= 0; i = i - 1) begin : g_node
                localparam integer NW = LW + LEVELS - ($clog2(i + 2) - 1);  // this node's width
                wire [NW-1:0] v;
                if (i < LEAVES - 1) begin : g_sum
                    wire [NW-2:0] a = g_node[2*i + 1].v;
                    wire [NW-2:0] b = g_node[2*i + 2].v;
                    // keep: without it Yosys (alumacc) merges the whole tree into one $macc and maps
                    // it to LUT full adders (int8, SIMD 9: 170 LUT instead of 111 on carry chains).
                    (* keep *) wire [NW-1:0] s = {a[NW-2], a} + {b[NW-2], b};
                    assign v = s;
                end else if (i - (LEAVES - 1) < SIMD && WB > 1) begin : g_used_prod
                    localparam integer K = i - (LEAVES - 1);  // lane of this leaf
                    wire [WB-1:0] wk = w[K*WB +: WB];
                    wire [LW-1:0] term;
                    if (BINARY_IN != 0) begin : g_pm
                        // x = 1 is +1: the weight, else its negation (exact in WB + 1 bits)
                        wire [LW-1:0] wext = {{(LW - WB){wk[WB-1]}}, wk};
                        assign term = x[K] ? wext : (~wext + {{(LW - 1){1'b0}}, 1'b1});
                    end else begin : g_mul
                        // x * w by radix-4 Booth recoding: w (sign-extended to 2*ND bits) is
                        // sum_d digit_d * 4**d, each digit in -2..2, so the product is one negation of x
                        // and ND selects among 0, +-x, +-2x, summed (WB 2: one select, no sum; WB 3, 4:
                        // one adder). Against WEIGHT_BITS shifted copies of x summed (one adder each) it
                        // saved 40 % of an int8 x 2-bit unit's LUTs in Yosys (PE 16, SIMD 9: 5,346 -> 3,202).
                        // The product fits PW = IN_BITS + WB bits, so the sum modulo 2**PW is exact.
                        wire [IN_BITS-1:0] xi = x[K*IN_BITS +: IN_BITS];
                        wire [PW-1:0] xe = (IN_SIGNED != 0) ? {{WB{xi[IN_BITS-1]}}, xi} : {{WB{1'b0}}, xi};
                        wire [PW-1:0] negx = ~xe + {{(PW - 1){1'b0}}, 1'b1};
                        wire [2*ND:0] wsx = {{(2 * ND - WB){wk[WB-1]}}, wk, 1'b0};  // {w sign-extended, 0}
                        wire [PW-1:0] pp0 = booth_pp(wsx[2:0], xe, negx);
                        if (ND == 1) begin : g_one
                            assign term = pp0;  // LW = PW here
                        end else begin : g_two
                            // its top two bits fall off the shift by 4 (modular sum, exact as above)
                            /* verilator lint_off UNUSEDSIGNAL */
                            wire [PW-1:0] pp1 = booth_pp(wsx[4:2], xe, negx);
                            /* verilator lint_on UNUSEDSIGNAL */
                            assign term = pp0 + {pp1[PW-3:0], 2'b00};
                        end
                    end
                    assign v = lane_en[K] ? term : {LW{1'b0}};
                end else if (i - (LEAVES - 1) < SIMD) begin : g_used
                    localparam integer K = i - (LEAVES - 1);  // lane of this leaf
                    wire [IN_BITS-1:0] xi = x[K*IN_BITS +: IN_BITS];
                    wire [LW-1:0] ext;
                    if (LW == IN_BITS) begin : g_same
                        assign ext = xi;
                    end else if (IN_SIGNED != 0) begin : g_sext
                        assign ext = {xi[IN_BITS-1], xi};
                    end else begin : g_zext
                        assign ext = {1'b0, xi};
                    end
                    wire [LW-1:0] neg = (ONES != 0) ? ~ext : (~ext + {{(LW - 1){1'b0}}, 1'b1});
                    assign v = lane_en[K] ? (w[K] ? ext : neg) : {LW{1'b0}};
                end else begin : g_pad
                    assign v = {NW{1'b0}};
                end
            end
            // Top bits of the root are dropped when DOT_BITS < RW (modular result, see header).
            /* verilator lint_off UNUSEDSIGNAL */
            wire [RW-1:0] root = g_node[0].v;
            /* verilator lint_on UNUSEDSIGNAL */
            if (DOT_BITS > RW) begin : g_sext_root
                assign dot = {{(DOT_BITS - RW){root[RW-1]}}, root};
            end else begin : g_trunc_root
                assign dot = root[DOT_BITS-1:0];
            end
        end
    endgenerate
endmodule

`default_nettype wire
