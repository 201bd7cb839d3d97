// bnnc_popcount: combinational count of the ones of a WIDTH-bit word.
//
// A balanced binary adder tree (heap-indexed: node i sums nodes 2i+1 and
// 2i+2; the leaves are the input bits, zero-padded to a power of two).
// Explicit adders synthesize with Yosys, unlike $countones on wide words.
`default_nettype none

module bnnc_popcount #(
    parameter integer WIDTH = 8  // input bits (>= 1); the count has $clog2(WIDTH + 1) bits
) (
    input  wire [WIDTH-1:0]               bits,   // input word
    output wire [$clog2(WIDTH + 1)-1:0]   count   // number of ones in bits
);
    localparam integer COUNT_BITS = $clog2(WIDTH + 1);  // width of count and of every tree node

    generate
        if (WIDTH < 1) begin : g_bad_width
            bnnc_param_error_popcount_width_must_be_positive u_err ();
        end
    endgenerate

    localparam integer LEAVES = (WIDTH > 1) ? (1 << $clog2(WIDTH)) : 1;  // power-of-two leaf count
    localparam integer CW = COUNT_BITS;

    // Tree node i is g_node[i].v: one wire per node, so simulators see no
    // false combinational loop through a shared array.
    genvar i;
    generate
        for (i = 0; i < 2 * LEAVES - 1; i = i + 1) begin : g_node
            wire [CW-1:0] v;
            if (i < LEAVES - 1) begin : g_sum
                assign v = g_node[2*i + 1].v + g_node[2*i + 2].v;
            end else if (i - (LEAVES - 1) < WIDTH && CW == 1) begin : g_bit1
                assign v = bits[i - (LEAVES - 1)];
            end else if (i - (LEAVES - 1) < WIDTH) begin : g_bit
                assign v = {{(CW - 1){1'b0}}, bits[i - (LEAVES - 1)]};
            end else begin : g_pad
                assign v = {CW{1'b0}};
            end
        end
    endgenerate

    assign count = g_node[0].v;
endmodule

`default_nettype wire
