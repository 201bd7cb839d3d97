// fv_bnnc_threshold_rom: bnnc_threshold_rom's formal wrapper. The stream properties with one vector
// per image (ceil(N/LANES) beats each way), and its data property on the followed vector: the
// output bit of element e is (NEG_e ? -x_e : x_e) >= T_e, computed here in 40-bit integers from
// the thresholds as the network states them (TS, NEGS), not from the ROM file the core reads
// (compiler/cores/threshold_rom.py writes that), and 0 on the last beat's padding lanes.
// Proven by k-induction (formal/cases.py), with the lemmas at the end relating the checker to the core.
`default_nettype none

module fv_bnnc_threshold_rom #(
    parameter integer LANES = 3,      // as bnnc_threshold_rom
    parameter integer IN_BITS = 3,    // as bnnc_threshold_rom
    parameter integer IN_SIGNED = 1,  // as bnnc_threshold_rom
    parameter integer N = 4,          // as bnnc_threshold_rom
    parameter integer TW = 4,         // as bnnc_threshold_rom
    parameter THR_FILE = "",          // as bnnc_threshold_rom
    parameter integer ROM_STYLE = 0,  // as bnnc_threshold_rom
    parameter [1023:0] TS = 0,        // threshold of element e at bits [32e +: 32] (signed)
    parameter [31:0] NEGS = 0,        // bit e: element e's compare is negated
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
    localparam integer NB = (N + LANES - 1) / LANES;  // beats per vector
    wire             s_axis_tready;
    wire [LANES-1:0] m_axis_tdata;
    wire             m_axis_tvalid;

    bnnc_threshold_rom #(.LANES(LANES), .IN_BITS(IN_BITS), .IN_SIGNED(IN_SIGNED), .N(N), .TW(TW),
                         .THR_FILE(THR_FILE), .ROM_STYLE(ROM_STYLE)) dut (
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

    // the model: each element's compare against its own threshold, in 40-bit integers
    reg [LANES-1:0] expect_bits;
    reg [IN_BITS-1:0] x;
    reg signed [39:0] v, t;
    integer j, e;
    always @(*) begin
        for (j = 0; j < LANES; j = j + 1) begin
            e = out_pos * LANES + j;
            x = rec[e*IN_BITS +: IN_BITS];
            v = (IN_SIGNED != 0) ? {{(40-IN_BITS){x[IN_BITS-1]}}, x} : {{(40-IN_BITS){1'b0}}, x};
            t = {{8{TS[32*e+31]}}, TS[32*e +: 32]};
            if (NEGS[e]) v = -v;
            expect_bits[j] = (e < N) && (v >= t);
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
