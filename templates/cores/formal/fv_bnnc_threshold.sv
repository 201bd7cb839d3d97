// fv_bnnc_threshold: bnnc_threshold's formal wrapper. The stream properties with one vector
// per image (ceil(N/LANES) beats each way; one beat when N = 0), and its data property on the
// followed vector: output bit i of each beat is (NEGATE ? -x_i : x_i) >= THRESHOLD of the same
// beat's input lane i, computed here in 40-bit integers, and 0 on the last beat's padding lanes.
// Proven by k-induction (formal/cases.py), with the lemmas at the end relating the checker to the core.
`default_nettype none

module fv_bnnc_threshold #(
    parameter integer LANES = 3,      // as bnnc_threshold
    parameter integer IN_BITS = 3,    // as bnnc_threshold
    parameter integer IN_SIGNED = 1,  // as bnnc_threshold
    parameter integer THRESHOLD = 0,  // as bnnc_threshold
    parameter integer NEGATE = 0,     // as bnnc_threshold
    parameter integer N = 0,          // as bnnc_threshold
    parameter integer BOUND = 3,      // progress bound (formal/cases.py)
    parameter integer STALL = 3,      // the consumer's longest run of tready low
    parameter integer LATENCY = 0     // the core's latency bound (formal/cases.py: its latency_bound())
) (
    input wire                     clk,
    input wire                     rst_n,
    input wire [LANES*IN_BITS-1:0] s_axis_tdata,
    input wire                     s_axis_tvalid,
    input wire                     m_axis_tready
);
    localparam integer NB = (N > 0) ? (N + LANES - 1) / LANES : 1;  // beats per vector
    localparam integer REAL = (N > 0) ? N : LANES;                  // real elements per vector
    wire             s_axis_tready;
    wire [LANES-1:0] m_axis_tdata;
    wire             m_axis_tvalid;

    bnnc_threshold #(.LANES(LANES), .IN_BITS(IN_BITS), .IN_SIGNED(IN_SIGNED), .THRESHOLD(THRESHOLD),
                     .NEGATE(NEGATE), .N(N)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .fv_beat(fv_beat));

    wire [7:0] fv_beat;  // the core's next input beat index
    wire [7:0] in_idx, out_idx, in_pos, out_pos, in_img, out_img, ahead;
    wire f_in, f_out, followed, followed_in, followed_full;
    wire [7:0] followed_wait;
    bnnc_fv_stream #(.IN_W(LANES*IN_BITS), .OUT_W(LANES), .IN_BEATS(NB), .OUT_BEATS(NB), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .INVARIANTS(1), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out),
        .in_img(in_img), .out_img(out_img), .followed(followed), .followed_in(followed_in), .followed_ahead(ahead),
        .followed_full(followed_full), .followed_wait(followed_wait));

    reg [NB*LANES*IN_BITS-1:0] rec;  // the followed vector's input beats
    always @(posedge clk) begin
        if (f_in) rec[in_pos*LANES*IN_BITS +: LANES*IN_BITS] <= s_axis_tdata;
    end

    // the model: each lane's compare, in 40-bit integers
    wire signed [39:0] thr = THRESHOLD;
    reg [LANES-1:0] expect_bits;
    reg [IN_BITS-1:0] x;
    reg signed [39:0] v;
    integer j;
    always @(*) begin
        for (j = 0; j < LANES; j = j + 1) begin
            x = rec[(out_pos*LANES + j)*IN_BITS +: IN_BITS];
            v = (IN_SIGNED != 0) ? {{(40-IN_BITS){x[IN_BITS-1]}}, x} : {{(40-IN_BITS){1'b0}}, x};
            if (NEGATE != 0) v = -v;
            expect_bits[j] = (out_pos * LANES + j < REAL) && (v >= thr);
        end
        if (rst_n && f_out) begin
            compare: assert (m_axis_tdata == expect_bits);
        end
    end

    // k-induction's lemmas: the core holds one beat at most, and a followed one is already its compare
    bnnc_fv_one_beat #(.NB(NB)) lemmas (.clk(clk), .rst_n(rst_n), .beat(fv_beat), .m_tvalid(m_axis_tvalid),
        .held_ok(m_axis_tdata == expect_bits), .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos),
        .in_img(in_img), .out_img(out_img), .ahead(ahead), .followed(followed), .followed_in(followed_in),
        .followed_full(followed_full), .followed_wait(followed_wait));
endmodule

`default_nettype wire
