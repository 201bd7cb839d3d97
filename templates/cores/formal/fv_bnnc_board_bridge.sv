// fv_bnnc_board_bridge: bnnc_board_bridge's formal wrapper. Two streams, each with the stream
// properties: bytes to beats (IN_BEATS*IN_BYTES bytes in, IN_BEATS beats out per image) and beats
// to bytes (OUT_BEATS beats in, one reply's bytes out), and the data property of the first on the
// followed image: beat b is its IN_BYTES bytes, least significant first, cut to IN_WIDTH bits.
// The environment: no receive errors (err_in low) and no idle timeouts within the depth
// (IDLE_CLKS above it): the bridge's resynchronisation deliberately completes or drops images, which
// its cocotb test covers; and the accelerator returns no more images than it was given.
`default_nettype none

module fv_bnnc_board_bridge #(
    parameter integer IN_WIDTH = 10,   // as bnnc_board_bridge
    parameter integer IN_BYTES = 2,    // as bnnc_board_bridge
    parameter integer IN_BEATS = 2,    // as bnnc_board_bridge
    parameter integer OUT_LANES = 2,   // as bnnc_board_bridge
    parameter integer OUT_EW = 4,      // as bnnc_board_bridge
    parameter integer OUT_VBEATS = 2,  // as bnnc_board_bridge
    parameter integer LAST_LANES = 1,  // as bnnc_board_bridge
    parameter integer OUT_BEATS = 2,   // as bnnc_board_bridge
    parameter integer ELEM_BYTES = 1,  // as bnnc_board_bridge
    parameter integer OUT_SIGNED = 0,  // as bnnc_board_bridge
    parameter integer IDLE_CLKS = 64,  // as bnnc_board_bridge (above the depth)
    parameter integer BOUND = 6,       // progress bound (formal/cases.py)
    parameter integer STALL = 3        // the consumers' longest run of tready low
) (
    input wire                          clk,
    input wire                          rst_n,
    input wire [7:0]                    s_byte_tdata,
    input wire                          s_byte_tvalid,
    input wire                          m_axis_tready,
    input wire [OUT_LANES*OUT_EW-1:0]   s_axis_tdata,
    input wire                          s_axis_tvalid,
    input wire                          m_byte_tready
);
    localparam integer REPLY = (OUT_BEATS / OUT_VBEATS) * ((OUT_VBEATS - 1) * OUT_LANES + LAST_LANES) * ELEM_BYTES;
    wire                s_byte_tready, m_axis_tvalid, s_axis_tready, m_byte_tvalid;
    wire [IN_WIDTH-1:0] m_axis_tdata;
    wire [7:0]          m_byte_tdata;
    /* verilator lint_off UNUSEDSIGNAL */
    wire                reply_done, dropped;
    /* verilator lint_on UNUSEDSIGNAL */

    always @(*) begin
        no_errors: assume (!err_in);
    end
    wire err_in = 1'b0;

    bnnc_board_bridge #(.IN_WIDTH(IN_WIDTH), .IN_BYTES(IN_BYTES), .IN_BEATS(IN_BEATS), .OUT_LANES(OUT_LANES),
                        .OUT_EW(OUT_EW), .OUT_VBEATS(OUT_VBEATS), .LAST_LANES(LAST_LANES), .OUT_BEATS(OUT_BEATS),
                        .ELEM_BYTES(ELEM_BYTES), .OUT_SIGNED(OUT_SIGNED), .IDLE_CLKS(IDLE_CLKS)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_byte_tdata(s_byte_tdata), .s_byte_tvalid(s_byte_tvalid), .s_byte_tready(s_byte_tready), .err_in(err_in),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_byte_tdata(m_byte_tdata), .m_byte_tvalid(m_byte_tvalid), .m_byte_tready(m_byte_tready),
        .reply_done(reply_done), .dropped(dropped));

    // bytes -> beats
    wire [7:0] rx_in_idx, rx_out_idx, rx_in_pos, rx_out_pos, rx_in_img, rx_out_img;
    wire rx_f_in, rx_f_out;
    bnnc_fv_stream #(.IN_W(8), .OUT_W(IN_WIDTH), .IN_BEATS(IN_BEATS*IN_BYTES), .OUT_BEATS(IN_BEATS), .BOUND(BOUND),
                     .STALL(STALL), .CW(8))
    rx (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_byte_tdata), .s_tvalid(s_byte_tvalid), .s_tready(s_byte_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(rx_in_idx), .out_idx(rx_out_idx), .in_pos(rx_in_pos), .out_pos(rx_out_pos), .f_in(rx_f_in),
        .f_out(rx_f_out), .in_img(rx_in_img), .out_img(rx_out_img));

    // beats -> bytes
    wire [7:0] tx_in_idx, tx_out_idx, tx_in_pos, tx_out_pos, tx_in_img, tx_out_img;
    wire tx_f_in, tx_f_out;
    bnnc_fv_stream #(.IN_W(OUT_LANES*OUT_EW), .OUT_W(8), .IN_BEATS(OUT_BEATS), .OUT_BEATS(REPLY), .BOUND(BOUND),
                     .STALL(STALL), .CW(8))
    tx (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_byte_tdata), .m_tvalid(m_byte_tvalid), .m_tready(m_byte_tready),
        .in_idx(tx_in_idx), .out_idx(tx_out_idx), .in_pos(tx_in_pos), .out_pos(tx_out_pos), .f_in(tx_f_in),
        .f_out(tx_f_out), .in_img(tx_in_img), .out_img(tx_out_img));

    // the accelerator starts a result only for an image it has started to receive
    always @(*) begin
        if (rst_n && s_axis_tvalid && tx_in_pos == 0) begin
            accelerator: assume (tx_in_img < rx_out_img + ((rx_out_pos != 0) ? 1 : 0));
        end
    end

    // bytes -> beats, data: the followed image's bytes, and each beat from its own
    reg [IN_BEATS*IN_BYTES*8-1:0] rec;
    always @(posedge clk) begin
        if (rx_f_in) rec[rx_in_pos*8 +: 8] <= s_byte_tdata;
    end
    wire [IN_BYTES*8-1:0] bytes = rec[rx_out_pos*IN_BYTES*8 +: IN_BYTES*8];
    always @(*) begin
        if (rst_n && rx_f_out) begin
            beat: assert (m_axis_tdata == bytes[IN_WIDTH-1:0]);
        end
    end
endmodule

`default_nettype wire
