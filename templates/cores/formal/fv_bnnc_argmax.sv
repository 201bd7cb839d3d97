// fv_bnnc_argmax: bnnc_argmax's formal wrapper. The stream properties with one vector per image
// (ceil(NUM_CLASSES/LANES) beats in, one out), and its data property on the followed vector: the
// index out is the lowest index of the largest score (numpy's argmax), padding lanes ignored.
`default_nettype none

module fv_bnnc_argmax #(
    parameter integer NUM_CLASSES = 5,  // as bnnc_argmax
    parameter integer LANES = 2,        // as bnnc_argmax
    parameter integer IN_BITS = 3,      // as bnnc_argmax
    parameter integer BOUND = 4,        // progress bound (formal/cases.py: the tree's LEVELS + 2)
    parameter integer STALL = 3,        // the consumer's longest run of tready low
    parameter integer LATENCY = 0       // the core's latency bound (formal/cases.py: its latency_bound())
) (
    input wire                     clk,
    input wire                     rst_n,
    input wire [LANES*IN_BITS-1:0] s_axis_tdata,
    input wire                     s_axis_tvalid,
    input wire                     m_axis_tready
);
    localparam integer NB = (NUM_CLASSES + LANES - 1) / LANES;      // beats per vector
    localparam integer OW = (NUM_CLASSES > 1) ? $clog2(NUM_CLASSES) : 1;
    wire          s_axis_tready;
    wire [OW-1:0] m_axis_tdata;
    wire          m_axis_tvalid;

    bnnc_argmax #(.NUM_CLASSES(NUM_CLASSES), .LANES(LANES), .IN_BITS(IN_BITS)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    wire [7:0] in_idx, out_idx, in_pos, out_pos;
    wire f_in, f_out;
    bnnc_fv_stream #(.IN_W(LANES*IN_BITS), .OUT_W(OW), .IN_BEATS(NB), .OUT_BEATS(1), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out));

    reg [NB*LANES*IN_BITS-1:0] rec;  // the followed vector's scores
    always @(posedge clk) begin
        if (f_in) rec[in_pos*LANES*IN_BITS +: LANES*IN_BITS] <= s_axis_tdata;
    end

    // the model: a scan in class order, a later score winning only when strictly greater
    reg [OW-1:0] best;
    reg signed [IN_BITS-1:0] best_v, v;
    integer c;
    always @(*) begin
        best = 0;
        best_v = rec[0 +: IN_BITS];
        for (c = 1; c < NUM_CLASSES; c = c + 1) begin
            v = rec[c*IN_BITS +: IN_BITS];
            if (v > best_v) begin
                best = c;
                best_v = v;
            end
        end
        if (rst_n && f_out) begin
            index: assert (m_axis_tdata == best);
        end
    end
endmodule

`default_nettype wire
