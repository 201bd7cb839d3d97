// fv_bnnc_top: the formal wrapper of a whole generated network (bnnc compile's top module, named by
// the BNNC_TOP macro): the stream properties on its input and output streams, IN_BEATS beats in and
// OUT_BEATS out per image, as the manifest states them. The data of a whole network is checked beat
// for beat by bnnc simulate against the numpy reference; the proof is that the composition of cores,
// FIFOs and converters neither deadlocks nor creates, drops or reorders images' beats.
`default_nettype none

module fv_bnnc_top #(
    parameter integer IN_W = 1,        // input stream width (manifest: rtl.input_stream.width)
    parameter integer OUT_W = 1,       // output stream width
    parameter integer IN_BEATS = 1,    // input beats per image
    parameter integer OUT_BEATS = 1,   // output beats per image
    parameter MEM_DIR = "",            // the compile folder (with trailing /): its .mem ROM images
    parameter integer BOUND = 16,      // progress bound (formal/cases.py: the network's interval and latency)
    parameter integer STALL = 3        // the consumer's longest run of tready low
) (
    input wire              clk,
    input wire              rst_n,
    input wire [IN_W-1:0]   s_axis_tdata,
    input wire              s_axis_tvalid,
    input wire              m_axis_tready
);
    wire             s_axis_tready;
    wire [OUT_W-1:0] m_axis_tdata;
    wire             m_axis_tvalid;

    `BNNC_TOP #(.MEM_DIR(MEM_DIR)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    /* verilator lint_off UNUSEDSIGNAL */
    wire [7:0] in_idx, out_idx, in_pos, out_pos, in_img, out_img;
    wire f_in, f_out;
    /* verilator lint_on UNUSEDSIGNAL */
    bnnc_fv_stream #(.IN_W(IN_W), .OUT_W(OUT_W), .IN_BEATS(IN_BEATS), .OUT_BEATS(OUT_BEATS), .BOUND(BOUND),
                     .STALL(STALL), .CW(8))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out),
        .in_img(in_img), .out_img(out_img));
endmodule

`default_nettype wire
