// fv_bnnc_pool_reduce: bnnc_pool_reduce's formal wrapper. The stream properties with one output
// pixel per image (WIN*CH/LANES beats in, CH/LANES out), and its data property on the followed
// pixel: channel c out is the OR/max (AND/min where AND_MASK[c]) of its WIN input elements, on
// bits (EW = 1) or on signed/unsigned codes (EW >= 2).
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
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    wire [7:0] in_idx, out_idx, in_pos, out_pos;
    wire f_in, f_out;
    bnnc_fv_stream #(.IN_W(LANES*EW), .OUT_W(LANES*EW), .IN_BEATS(WIN*CPB), .OUT_BEATS(CPB), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out));

    reg [WIN*CH*EW-1:0] rec;  // the followed pixel's window, position-major
    always @(posedge clk) begin
        if (f_in) rec[in_pos*LANES*EW +: LANES*EW] <= s_axis_tdata;
    end

    // the model: each channel's reduction over the window
    reg [LANES*EW-1:0] expect_beat;
    reg [EW-1:0] acc, v;
    reg take;
    integer j, c, p;
    always @(*) begin
        for (j = 0; j < LANES; j = j + 1) begin
            c = out_pos * LANES + j;
            acc = rec[c*EW +: EW];
            for (p = 1; p < WIN; p = p + 1) begin
                v = rec[(p*CH + c)*EW +: EW];
                if (EW == 1) take = AND_MASK[c] ? (v < acc) : (v > acc);
                else if (SIGNED != 0) take = AND_MASK[c] ? ($signed(v) < $signed(acc)) : ($signed(v) > $signed(acc));
                else take = AND_MASK[c] ? (v < acc) : (v > acc);
                if (take) acc = v;
            end
            expect_beat[j*EW +: EW] = acc;
        end
        if (rst_n && f_out) begin
            reduce: assert (m_axis_tdata == expect_beat);
        end
    end
endmodule

`default_nettype wire
