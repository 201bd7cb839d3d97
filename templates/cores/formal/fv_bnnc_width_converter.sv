// fv_bnnc_width_converter: bnnc_width_converter's formal wrapper. The stream properties with
// one vector per image (ceil(N/IN_LANES) beats in, ceil(N/OUT_LANES) out), and its data
// property on the followed vector: every output lane holds the element of the same index
// from the same vector, arrived before it leaves, and the padding lanes of the last output
// beat are 0.
`default_nettype none

module fv_bnnc_width_converter #(
    parameter integer N = 5,          // as bnnc_width_converter
    parameter integer EW = 1,         // as bnnc_width_converter
    parameter integer IN_LANES = 2,   // as bnnc_width_converter
    parameter integer OUT_LANES = 3,  // as bnnc_width_converter
    parameter integer BOUND = 4,      // progress bound (formal/cases.py)
    parameter integer STALL = 3,      // the consumer's longest run of tready low
    parameter integer LATENCY = 0      // the core's latency bound (formal/cases.py: its latency_bound())
) (
    input wire                    clk,
    input wire                    rst_n,
    input wire [IN_LANES*EW-1:0]  s_axis_tdata,
    input wire                    s_axis_tvalid,
    input wire                    m_axis_tready
);
    localparam integer NIB = (N + IN_LANES - 1) / IN_LANES;
    localparam integer NOB = (N + OUT_LANES - 1) / OUT_LANES;
    wire                    s_axis_tready;
    wire [OUT_LANES*EW-1:0] m_axis_tdata;
    wire                    m_axis_tvalid;

    bnnc_width_converter #(.N(N), .EW(EW), .IN_LANES(IN_LANES), .OUT_LANES(OUT_LANES)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    wire [7:0] in_idx, out_idx, in_pos, out_pos;
    wire f_in, f_out;
    bnnc_fv_stream #(.IN_W(IN_LANES*EW), .OUT_W(OUT_LANES*EW), .IN_BEATS(NIB), .OUT_BEATS(NOB), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out));

    // the followed vector's elements as they arrive, and which have arrived
    reg [N*EW-1:0] rec;
    reg [N-1:0] got;
    integer l, e;
    always @(posedge clk) begin
        if (!rst_n) got <= 0;
        if (f_in) begin
            if (in_pos == 0) got <= 0;
            for (l = 0; l < IN_LANES; l = l + 1) begin
                e = in_pos * IN_LANES + l;
                if (e < N) begin
                    rec[e*EW +: EW] <= s_axis_tdata[l*EW +: EW];
                    got[e] <= 1'b1;
                end
            end
        end
    end
    // the checks of the output beat's lanes, gathered (labels cannot sit in a loop)
    reg ok_arrived, ok_element, ok_padding;
    integer j, k;
    always @(*) begin
        ok_arrived = 1'b1;
        ok_element = 1'b1;
        ok_padding = 1'b1;
        for (j = 0; j < OUT_LANES; j = j + 1) begin
            k = out_pos * OUT_LANES + j;
            if (k < N) begin
                ok_arrived = ok_arrived && got[k];
                ok_element = ok_element && (m_axis_tdata[j*EW +: EW] == rec[k*EW +: EW]);
            end else begin
                ok_padding = ok_padding && (m_axis_tdata[j*EW +: EW] == 0);
            end
        end
        if (rst_n && f_out) begin
            arrived: assert (ok_arrived);
            element: assert (ok_element);
            padding: assert (ok_padding);
        end
    end
endmodule

`default_nettype wire
