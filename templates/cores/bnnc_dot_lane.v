// bnnc_dot_lane: one PE's SIMD-lane dot product with +-1 weights (combinational).
//
// BINARY_IN = 1: dot = popcount(xnor(x, w) & lane_en)   (popcount domain, >= 0),
//                by bnnc_xnor_popcount (XNOR folded into 6-input-LUT compressors)
// BINARY_IN = 0: dot = sum over enabled lanes of (w ? x : -x), x an IN_BITS
//                integer (two's complement when IN_SIGNED = 1).
// The result is DOT_BITS wide, two's complement, computed modulo 2**DOT_BITS:
// a caller that accumulates modulo 2**ACC_BITS may pass DOT_BITS = ACC_BITS
// even when one lane sum alone would need more bits (the final sum is exact
// whenever it fits ACC_BITS).
`default_nettype none

module bnnc_dot_lane #(
    parameter integer SIMD = 4,       // lanes (>= 1)
    parameter integer BINARY_IN = 1,  // 1: 1-bit bipolar lanes; 0: integer lanes of IN_BITS
    parameter integer IN_BITS = 8,    // integer lane width (BINARY_IN = 0 only; >= 1, >= 2 if signed)
    parameter integer IN_SIGNED = 0,  // integer lanes are two's complement (1) or unsigned (0)
    parameter integer DOT_BITS = 8    // result width (>= 1)
) (
    input  wire [SIMD*((BINARY_IN != 0) ? 1 : IN_BITS)-1:0] x,        // input lanes
    input  wire [SIMD-1:0]                                  w,        // weight bits (1 = +1)
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
        if (BINARY_IN == 0 && (IN_BITS < 1 || (IN_SIGNED == 1 && IN_BITS < 2))) begin : g_bad_in_bits
            bnnc_param_error_dot_lane_in_bits_too_small u_err ();
        end
        if (DOT_BITS < 1) begin : g_bad_dot_bits
            bnnc_param_error_dot_lane_dot_bits_must_be_positive u_err ();
        end
    endgenerate

    genvar i;
    generate
        if (BINARY_IN != 0) begin : g_binary
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
            // Each term is formed exactly in EXT bits, then reduced modulo 2**DOT_BITS.
            localparam integer EXT = (DOT_BITS > IN_BITS + 1) ? DOT_BITS : IN_BITS + 1;
            localparam integer LEAVES = (SIMD > 1) ? (1 << $clog2(SIMD)) : 1;  // adder-tree leaves
            localparam integer DW = DOT_BITS;
            // Adder tree, heap order: node i (g_node[i].v) sums nodes 2i+1 and 2i+2;
            // leaf LEAVES-1+k is the term of lane k. One wire per node.
            for (i = 0; i < 2 * LEAVES - 1; i = i + 1) begin : g_node
                wire [DW-1:0] v;
                if (i < LEAVES - 1) begin : g_sum
                    assign v = g_node[2*i + 1].v + g_node[2*i + 2].v;
                end else if (i - (LEAVES - 1) < SIMD) begin : g_used
                    localparam integer K = i - (LEAVES - 1);  // lane of this leaf
                    wire [IN_BITS-1:0] xi = x[K*IN_BITS +: IN_BITS];
                    wire [EXT-1:0] ext;
                    if (IN_SIGNED != 0) begin : g_sext
                        assign ext = {{(EXT - IN_BITS){xi[IN_BITS-1]}}, xi};
                    end else begin : g_zext
                        assign ext = {{(EXT - IN_BITS){1'b0}}, xi};
                    end
                    // Top bits of term are dropped when DOT_BITS < EXT (modular result, see header).
                    /* verilator lint_off UNUSEDSIGNAL */
                    wire [EXT-1:0] term = w[K] ? ext : (~ext + {{(EXT - 1){1'b0}}, 1'b1});
                    /* verilator lint_on UNUSEDSIGNAL */
                    assign v = lane_en[K] ? term[DW-1:0] : {DW{1'b0}};
                end else begin : g_pad
                    assign v = {DW{1'b0}};
                end
            end
            assign dot = g_node[0].v;
        end
    endgenerate
endmodule

`default_nettype wire
