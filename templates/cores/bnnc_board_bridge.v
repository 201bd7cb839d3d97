// bnnc_board_bridge: bytes from a UART receiver to the accelerator's input beats, and
// the accelerator's output beats to bytes for a UART transmitter (the board wrapper's
// protocol; docs in README "On a board", layout decided in compiler/hw/uart.py).
//
// In: each input beat arrives as IN_BYTES bytes, least significant byte first (the
// beat's bits [8k, 8k+8) in byte k, bits above IN_WIDTH zero); IN_BEATS beats make an
// image. Out: each valid output lane (padding lanes skipped) leaves as ELEM_BYTES
// bytes, least significant first, sign- or zero-extended from OUT_EW bits.
//
// Resynchronisation: when no byte has arrived for IDLE_CLKS cycles, a partly received
// image is completed with zero beats (the accelerator always sees whole images) and
// its result is dropped, so the next byte starts a new image. A framing error or
// overrun (err_in) drops the rest of the image being received: bytes are ignored until
// the line has been idle for IDLE_CLKS cycles. Which results to drop is kept per image
// in a 16-entry ring (more than any accelerator holds in flight while bytes trickle in).
`default_nettype none

module bnnc_board_bridge #(
    parameter integer IN_WIDTH = 8,    // accelerator input beat width (bits, >= 1)
    parameter integer IN_BYTES = 1,    // bytes per input beat: ceil(IN_WIDTH / 8)
    parameter integer IN_BEATS = 1,    // input beats per image (>= 1)
    parameter integer OUT_LANES = 1,   // lanes per output beat (>= 1)
    parameter integer OUT_EW = 8,      // bits per output lane (>= 1)
    parameter integer OUT_VBEATS = 1,  // output beats per vector (>= 1)
    parameter integer LAST_LANES = 1,  // valid lanes in the last beat of each vector (1..OUT_LANES)
    parameter integer OUT_BEATS = 1,   // output beats per image (a multiple of OUT_VBEATS)
    parameter integer ELEM_BYTES = 1,  // bytes per output element: ceil(OUT_EW / 8)
    parameter integer OUT_SIGNED = 0,  // 1: output lanes are two's complement (sign-extended)
    parameter integer IDLE_CLKS = 1000 // idle cycles that end a partly received image (>= 2)
) (
    input  wire                          clk,           // clock
    input  wire                          rst_n,         // synchronous active-low reset
    input  wire [7:0]                    s_byte_tdata,  // received byte
    input  wire                          s_byte_tvalid, // received byte valid
    output wire                          s_byte_tready, // byte taken
    input  wire                          err_in,        // pulse: framing error or overrun at the receiver
    output wire [IN_WIDTH-1:0]           m_axis_tdata,  // input beat to the accelerator
    output wire                          m_axis_tvalid, // input beat valid
    input  wire                          m_axis_tready, // accelerator takes the beat
    input  wire [OUT_LANES*OUT_EW-1:0]   s_axis_tdata,  // output beat from the accelerator
    input  wire                          s_axis_tvalid, // output beat valid
    output wire                          s_axis_tready, // output beat taken
    output wire [7:0]                    m_byte_tdata,  // byte to transmit
    output wire                          m_byte_tvalid, // byte valid
    input  wire                          m_byte_tready, // transmitter takes the byte
    output reg                           reply_done,    // pulse: the last byte of a reply was taken
    output reg                           dropped        // pulse: an image was dropped (idle timeout or error)
);
    localparam integer OUT_WIDTH = OUT_LANES * OUT_EW;  // output beat width
    localparam integer EXT_W = ELEM_BYTES * 8;          // an element extended to whole bytes

    generate
        if (IN_WIDTH < 1) begin : g_bad_in_width
            bnnc_param_error_board_bridge_in_width_must_be_positive u_err ();
        end
        if (IN_BYTES * 8 < IN_WIDTH || (IN_BYTES - 1) * 8 >= IN_WIDTH) begin : g_bad_in_bytes
            bnnc_param_error_board_bridge_in_bytes_must_be_ceil_in_width_over_8 u_err ();
        end
        if (IN_BEATS < 1) begin : g_bad_in_beats
            bnnc_param_error_board_bridge_in_beats_must_be_positive u_err ();
        end
        if (OUT_LANES < 1 || OUT_EW < 1) begin : g_bad_out
            bnnc_param_error_board_bridge_out_lanes_and_ew_must_be_positive u_err ();
        end
        if (OUT_VBEATS < 1 || OUT_BEATS < OUT_VBEATS || OUT_BEATS % OUT_VBEATS != 0) begin : g_bad_beats
            bnnc_param_error_board_bridge_out_beats_must_be_a_multiple_of_out_vbeats u_err ();
        end
        if (LAST_LANES < 1 || LAST_LANES > OUT_LANES) begin : g_bad_last
            bnnc_param_error_board_bridge_last_lanes_must_be_in_1_to_out_lanes u_err ();
        end
        if (EXT_W < OUT_EW || (ELEM_BYTES - 1) * 8 >= OUT_EW) begin : g_bad_elem_bytes
            bnnc_param_error_board_bridge_elem_bytes_must_be_ceil_out_ew_over_8 u_err ();
        end
        if (OUT_SIGNED != 0 && OUT_SIGNED != 1) begin : g_bad_signed
            bnnc_param_error_board_bridge_out_signed_must_be_0_or_1 u_err ();
        end
        if (IDLE_CLKS < 2) begin : g_bad_idle
            bnnc_param_error_board_bridge_idle_clks_must_be_at_least_2 u_err ();
        end
    endgenerate

    // Counter widths (at least 1 bit each).
    localparam integer BYW = (IN_BYTES > 1) ? $clog2(IN_BYTES) : 1;
    localparam integer IBW = (IN_BEATS > 1) ? $clog2(IN_BEATS) : 1;
    localparam integer IDW = $clog2(IDLE_CLKS + 1);
    localparam integer LNW = (OUT_LANES > 1) ? $clog2(OUT_LANES) : 1;
    localparam integer VBW = (OUT_VBEATS > 1) ? $clog2(OUT_VBEATS) : 1;
    localparam integer OBW = (OUT_BEATS > 1) ? $clog2(OUT_BEATS) : 1;
    localparam integer EBW = (ELEM_BYTES > 1) ? $clog2(ELEM_BYTES) : 1;
    localparam integer BUF_W = IN_BYTES * 8;
    localparam integer BY_LAST_I = IN_BYTES - 1;
    localparam integer IB_LAST_I = IN_BEATS - 1;
    localparam integer ID_LAST_I = IDLE_CLKS - 1;
    localparam integer LN_LAST_I = OUT_LANES - 1;
    localparam integer LL_LAST_I = LAST_LANES - 1;
    localparam integer VB_LAST_I = OUT_VBEATS - 1;
    localparam integer OB_LAST_I = OUT_BEATS - 1;
    localparam integer EB_LAST_I = ELEM_BYTES - 1;
    localparam [BYW-1:0] BY_LAST = BY_LAST_I[BYW-1:0];
    localparam [IBW-1:0] IB_LAST = IB_LAST_I[IBW-1:0];
    localparam [IDW-1:0] ID_LAST = ID_LAST_I[IDW-1:0];
    localparam [LNW-1:0] LN_LAST = LN_LAST_I[LNW-1:0];
    localparam [LNW-1:0] LL_LAST = LL_LAST_I[LNW-1:0];
    localparam [VBW-1:0] VB_LAST = VB_LAST_I[VBW-1:0];
    localparam [OBW-1:0] OB_LAST = OB_LAST_I[OBW-1:0];
    localparam [EBW-1:0] EB_LAST = EB_LAST_I[EBW-1:0];

    // ------------------------------------------------------------------
    // Bytes -> beats, with the idle timeout and error skip.
    // ------------------------------------------------------------------
    // Bytes shift in at the top: byte 0 ends at bits [7:0]. Bits above IN_WIDTH are the
    // protocol's zero padding of the last byte and are not passed on.
    /* verilator lint_off UNUSEDSIGNAL */
    reg [BUF_W-1:0] beat_buf;
    /* verilator lint_on UNUSEDSIGNAL */
    reg             beat_valid;  // a formed beat waits for the accelerator
    reg [BYW-1:0]   byte_idx;    // bytes of the beat being formed
    reg [IBW-1:0]   rbeat;       // beats of the current image formed so far
    reg             partial;     // some but not all bytes of the current image arrived
    reg             skip;        // after an error: ignore bytes until the line is idle
    reg             pad;         // completing a partial image with zero beats
    reg [IDW-1:0]   idle;        // cycles since the last byte or error
    reg [15:0]      drop_ring;   // per image (index mod 16): 1 = drop its result
    reg [3:0]       in_img;      // index of the image being formed

    wire byte_fire = s_byte_tvalid && s_byte_tready;
    wire beat_fire = beat_valid && m_axis_tready;
    // IDLE_CLKS cycles without a byte, this one included: a byte taken in the same cycle still belongs to
    // the image being received (the gap was one cycle short), so a byte is never lost to a timeout.
    wire timeout = (idle == ID_LAST) && !byte_fire;
    wire [BUF_W-1:0] shifted;  // beat_buf with the new byte shifted in at the top
    generate
        if (BUF_W > 8) begin : g_shift
            assign shifted = {s_byte_tdata, beat_buf[BUF_W-1:8]};
        end else begin : g_noshift
            assign shifted = s_byte_tdata;
        end
    endgenerate

    assign s_byte_tready = !beat_valid && !pad;
    assign m_axis_tdata = beat_buf[IN_WIDTH-1:0];
    assign m_axis_tvalid = beat_valid;

    always @(posedge clk) begin
        if (!rst_n) begin
            beat_buf <= {BUF_W{1'b0}};
            beat_valid <= 1'b0;
            byte_idx <= {BYW{1'b0}};
            rbeat <= {IBW{1'b0}};
            partial <= 1'b0;
            skip <= 1'b0;
            pad <= 1'b0;
            idle <= {IDW{1'b0}};
            drop_ring <= 16'd0;
            in_img <= 4'd0;
            dropped <= 1'b0;
        end else begin
            dropped <= 1'b0;
            if (beat_fire) begin
                beat_valid <= 1'b0;
            end
            // The idle timer restarts on every byte and error, and stops at ID_LAST (one timeout per gap).
            if (byte_fire || err_in) begin
                idle <= {IDW{1'b0}};
            end else if (!timeout) begin
                idle <= idle + 1'b1;
            end
            if (err_in) begin
                skip <= 1'b1;
                if (!skip) begin
                    dropped <= 1'b1;  // the image being received is lost (even if no byte of it was taken)
                end
            end else if (timeout) begin
                skip <= 1'b0;
            end
            if (timeout && partial && !pad) begin
                pad <= 1'b1;
            end
            if (pad && !beat_valid) begin
                // One zero beat per free cycle until the image is whole; its result is dropped.
                beat_buf <= {BUF_W{1'b0}};
                beat_valid <= 1'b1;
                byte_idx <= {BYW{1'b0}};
                if (rbeat == IB_LAST) begin
                    rbeat <= {IBW{1'b0}};
                    pad <= 1'b0;
                    partial <= 1'b0;
                    drop_ring[in_img] <= 1'b1;
                    in_img <= in_img + 1'b1;
                    dropped <= 1'b1;
                end else begin
                    rbeat <= rbeat + 1'b1;
                end
            end else if (byte_fire && !skip && !err_in) begin
                beat_buf <= shifted;
                if (byte_idx == BY_LAST) begin
                    byte_idx <= {BYW{1'b0}};
                    beat_valid <= 1'b1;
                    if (rbeat == IB_LAST) begin
                        rbeat <= {IBW{1'b0}};
                        partial <= 1'b0;
                        drop_ring[in_img] <= 1'b0;
                        in_img <= in_img + 1'b1;
                    end else begin
                        rbeat <= rbeat + 1'b1;
                        partial <= 1'b1;
                    end
                end else begin
                    byte_idx <= byte_idx + 1'b1;
                    partial <= 1'b1;
                end
            end
        end
    end

    // ------------------------------------------------------------------
    // Beats -> bytes.
    // ------------------------------------------------------------------
    reg [OUT_WIDTH-1:0] obuf;     // the output beat being sent
    reg                 have;     // obuf holds a beat
    reg [LNW-1:0]       lane;     // lane being sent
    reg [EBW-1:0]       ebyte;    // byte of that lane's element being sent
    reg [VBW-1:0]       vbeat;    // beat within the output vector
    reg [OBW-1:0]       obeat;    // beat within the image's output
    reg [3:0]           out_img;  // index of the image whose result is being sent

    wire drop_cur = drop_ring[out_img];
    wire [OUT_EW-1:0] elem = obuf[lane * OUT_EW +: OUT_EW];
    wire [EXT_W-1:0] ext;
    generate
        if (EXT_W > OUT_EW) begin : g_ext
            wire fill = (OUT_SIGNED == 1) && elem[OUT_EW-1];
            assign ext = {{(EXT_W - OUT_EW){fill}}, elem};
        end else begin : g_noext
            assign ext = elem;
        end
    endgenerate

    wire [LNW-1:0] lanes_last = (vbeat == VB_LAST) ? LL_LAST : LN_LAST;  // last valid lane of this beat
    wire last_byte = (ebyte == EB_LAST);
    wire out_fire = have && !drop_cur && m_byte_tready;
    wire beat_done = have && (drop_cur || (m_byte_tready && last_byte && lane == lanes_last));

    assign s_axis_tready = !have;
    assign m_byte_tdata = ext[ebyte * 8 +: 8];
    assign m_byte_tvalid = have && !drop_cur;

    always @(posedge clk) begin
        if (!rst_n) begin
            obuf <= {OUT_WIDTH{1'b0}};
            have <= 1'b0;
            lane <= {LNW{1'b0}};
            ebyte <= {EBW{1'b0}};
            vbeat <= {VBW{1'b0}};
            obeat <= {OBW{1'b0}};
            out_img <= 4'd0;
            reply_done <= 1'b0;
        end else begin
            reply_done <= 1'b0;
            if (s_axis_tvalid && !have) begin
                obuf <= s_axis_tdata;
                have <= 1'b1;
            end
            if (beat_done) begin
                have <= 1'b0;
                lane <= {LNW{1'b0}};
                ebyte <= {EBW{1'b0}};
                vbeat <= (vbeat == VB_LAST) ? {VBW{1'b0}} : vbeat + 1'b1;
                if (obeat == OB_LAST) begin
                    obeat <= {OBW{1'b0}};
                    out_img <= out_img + 1'b1;
                    reply_done <= !drop_cur;
                end else begin
                    obeat <= obeat + 1'b1;
                end
            end else if (out_fire) begin
                if (last_byte) begin
                    ebyte <= {EBW{1'b0}};
                    lane <= lane + 1'b1;
                end else begin
                    ebyte <= ebyte + 1'b1;
                end
            end
        end
    end
endmodule

`default_nettype wire
