// fv_bnnc_pool_reduce: bnnc_pool_reduce's formal wrapper. The stream properties with one output
// pixel per image (WIN*CH/LANES beats in, CH/LANES out), and its data property on the followed
// pixel: channel c out is the OR/max (AND/min where AND_MASK[c]) of its WIN input elements, on
// bits (EW = 1) or on signed/unsigned codes (EW >= 2).
// Proven by k-induction (formal/cases.py), with the lemmas at the end relating the checker to the core.
`default_nettype none

module fv_bnnc_pool_reduce #(
    parameter integer CH = 2,          // as bnnc_pool_reduce
    parameter integer WIN = 2,         // as bnnc_pool_reduce
    parameter integer LANES = 1,       // as bnnc_pool_reduce
    parameter [CH-1:0] AND_MASK = 0,   // as bnnc_pool_reduce
    parameter integer EW = 1,          // as bnnc_pool_reduce
    parameter integer SIGNED = 0,      // as bnnc_pool_reduce
    parameter integer BOUND = 3,       // progress bound (formal/cases.py)
    parameter integer STALL = 3,       // the consumer's longest run of tready low
    parameter integer LATENCY = 0      // the core's latency bound (formal/cases.py: its latency_bound())
) (
    input wire                  clk,
    input wire                  rst_n,
    input wire [LANES*EW-1:0]   s_axis_tdata,
    input wire                  s_axis_tvalid,
    input wire                  m_axis_tready
);
    localparam integer CPB = CH / LANES;  // beats per pixel out
    wire                s_axis_tready;
    wire [LANES*EW-1:0] m_axis_tdata;
    wire                m_axis_tvalid;

    bnnc_pool_reduce #(.CH(CH), .WIN(WIN), .LANES(LANES), .AND_MASK(AND_MASK), .EW(EW), .SIGNED(SIGNED)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .fv_pos(fv_pos), .fv_cb(fv_cb), .fv_acc(fv_acc));

    wire [7:0] fv_pos, fv_cb;   // the core's next input beat: window position, channel beat
    wire [CH*EW-1:0] fv_acc;    // the core's running reductions
    wire [7:0] in_idx, out_idx, in_pos, out_pos, in_img, out_img, ahead, followed_wait;
    wire f_in, f_out, followed, followed_in, followed_full;
    bnnc_fv_stream #(.IN_W(LANES*EW), .OUT_W(LANES*EW), .IN_BEATS(WIN*CPB), .OUT_BEATS(CPB), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .INVARIANTS(1), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out),
        .in_img(in_img), .out_img(out_img), .followed(followed), .followed_in(followed_in), .followed_ahead(ahead),
        .followed_full(followed_full), .followed_wait(followed_wait));

    reg [WIN*CH*EW-1:0] rec;  // the followed pixel's window, position-major
    always @(posedge clk) begin
        if (f_in) rec[in_pos*LANES*EW +: LANES*EW] <= s_axis_tdata;
    end

    // the model: each channel's reduction over the window's positions 0 .. upto[c] (WIN - 1 for the output)
    function [EW-1:0] reduce_upto;
        input integer c, last;
        input [WIN*CH*EW-1:0] r;
        reg [EW-1:0] a, v;
        reg take;
        integer q;
        begin
            a = r[c*EW +: EW];
            for (q = 1; q < WIN; q = q + 1) begin
                v = r[(q*CH + c)*EW +: EW];
                if (EW == 1) take = AND_MASK[c] ? (v < a) : (v > a);
                else if (SIGNED != 0) take = AND_MASK[c] ? ($signed(v) < $signed(a)) : ($signed(v) > $signed(a));
                else take = AND_MASK[c] ? (v < a) : (v > a);
                if (take && q <= last) a = v;
            end
            reduce_upto = a;
        end
    endfunction
    reg [LANES*EW-1:0] expect_beat;
    integer j;
    always @(*) begin
        for (j = 0; j < LANES; j = j + 1) begin
            expect_beat[j*EW +: EW] = reduce_upto(out_pos * LANES + j, WIN - 1, rec);
        end
        if (rst_n && f_out) begin
            reduce: assert (m_axis_tdata == expect_beat);
        end
    end

`ifndef BNNC_FV_NO_LEMMAS
    // lemmas for k-induction. The core's position is the checker's; it holds one output beat at most, which
    // is beat out_pos of its pixel (the pixel under way, or the last one's final beat while the next pixel's
    // first positions arrive); and while the followed pixel is under way, each channel's running reduction is
    // that of its positions so far, and a held beat of it is already its reduction.
    wire [7:0] in_flight = in_img - out_img;
    // output beats of the pixel under way already made: one per last-position beat taken
    wire [7:0] made = (fv_pos == WIN - 1) ? fv_cb : 8'd0;
    wire held_last = m_axis_tvalid && made == 0;  // the held beat is the previous pixel's final one
    // a channel beat's running reduction covers positions 0 .. upto (none when negative): the current position
    // too once its beat was taken, except at the last position, whose beats go to the output instead
    reg acc_ok;
    integer c2, upto;
    always @(*) begin
        acc_ok = 1'b1;
        for (c2 = 0; c2 < CH; c2 = c2 + 1) begin
            upto = (c2 / LANES < fv_cb && fv_pos < WIN - 1) ? fv_pos : fv_pos - 1;
            if (upto >= 0) acc_ok = acc_ok && fv_acc[c2*EW +: EW] == reduce_upto(c2, upto, rec);
        end
    end
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) begin
        if (f_past_valid && rst_n) begin
            inv_pos: assert (in_pos == fv_pos * CPB + fv_cb);
            inv_out: assert (out_pos == (held_last ? CPB - 1 : (m_axis_tvalid ? made - 1 : made))
                             && in_flight == {7'd0, held_last});
            if (followed) begin
                // picked at its first beat: an earlier pixel is owed only while its final beat is held; once all
                // its input is in, its own final beat is the one held, and no cycle has counted to its latency
                inv_followed: assert (ahead == {7'd0, held_last && followed_in} && (followed_in || held_last)
                                      && (!followed_full || followed_wait == 0));
                if (followed_in) inv_acc: assert (acc_ok);
                if (m_axis_tvalid && ahead == 0) inv_held: assert (m_axis_tdata == expect_beat);
            end
        end
    end
`endif
endmodule

`default_nettype wire
