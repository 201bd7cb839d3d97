// fv_bnnc_fifo: bnnc_fifo's formal wrapper. The stream properties (bnnc_fv_stream) with one
// beat in, one out per "image", and its data properties: beats leave in order and unchanged
// (on the beat the checker follows, which may be any beat), and it never holds more than DEPTH.
//
// Proven by k-induction (formal/cases.py): beside the properties, the wrapper states how the
// checker's counters and followed beat relate to the FIFO's contents (bnnc_fifo's formal-only
// fv_* ports), so that an induction step starting from any state that keeps them is a real one.
`default_nettype none

module fv_bnnc_fifo #(
    parameter integer WIDTH = 3,   // as bnnc_fifo
    parameter integer DEPTH = 2,   // as bnnc_fifo
    parameter integer BYPASS = 1,  // as bnnc_fifo
    parameter integer BOUND = 4,   // progress bound (formal/cases.py: the FIFO's latency + 1)
    parameter integer STALL = 3,   // the consumer's longest run of tready low
    parameter integer LATENCY = 0  // the FIFO's latency bound (formal/cases.py: FifoParams.latency_bound())
) (
    input wire             clk,
    input wire             rst_n,
    input wire [WIDTH-1:0] s_axis_tdata,
    input wire             s_axis_tvalid,
    input wire             m_axis_tready
);
    wire             s_axis_tready;
    wire [WIDTH-1:0] m_axis_tdata;
    wire             m_axis_tvalid;
    wire [7:0]       fv_count;  // beats the FIFO holds
    wire [7:0]       fv_pos;    // the followed beat's place in the queue
    wire [WIDTH-1:0] fv_beat;   // the beat at that place

    bnnc_fifo #(.WIDTH(WIDTH), .DEPTH(DEPTH), .BYPASS(BYPASS)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .fv_count(fv_count), .fv_pos(fv_pos), .fv_beat(fv_beat));

    wire [7:0] in_idx, out_idx, in_pos, out_pos, in_img, out_img, ahead;
    wire f_in, f_out, followed, followed_full;
    wire [7:0] followed_wait;
    bnnc_fv_stream #(.IN_W(WIDTH), .OUT_W(WIDTH), .IN_BEATS(1), .OUT_BEATS(1), .BOUND(BOUND), .STALL(STALL), .CW(8),
                     .INVARIANTS(1), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out),
        .in_img(in_img), .out_img(out_img), .followed(followed), .followed_ahead(ahead),
        .followed_full(followed_full), .followed_wait(followed_wait));
    assign fv_pos = ahead;  // one beat per image: the beats ahead of the followed one are the images ahead

    // in order, unchanged: the followed beat leaves as it entered, after every beat before it
    reg [WIDTH-1:0] rec;
    always @(posedge clk) begin
        if (f_in) rec <= s_axis_tdata;
        if (rst_n && f_out) begin
            in_order: assert (m_axis_tdata == rec);
        end
    end
    // never more than DEPTH beats inside (counted modulo 2**8, as the counters wrap)
    wire [7:0] held = in_idx - out_idx;
    always @(*) begin
        if (rst_n) begin
            capacity: assert (held <= DEPTH);
        end
    end
`ifndef BNNC_FV_NO_LEMMAS
    // lemmas for k-induction: the checker's count of beats inside is the FIFO's, and the followed
    // beat, until it leaves, is held unchanged at its place in the queue
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) begin
        if (f_past_valid && rst_n) begin
            inv_count: assert (held == fv_count && in_img - out_img == fv_count);
            if (followed) begin
                inv_followed: assert (ahead < fv_count && fv_beat == rec);
                // one beat per image: followed from the cycle it is taken; each counted cycle moves the queue on,
                // but for a cycle with the output register empty (without the bypass), which a full FIFO never has
                inv_wait: assert (followed_full && {8'd0, followed_wait} + ahead + (m_axis_tvalid ? 0 : 1) <= DEPTH - 1);
            end
        end
    end
`endif
endmodule

`default_nettype wire
