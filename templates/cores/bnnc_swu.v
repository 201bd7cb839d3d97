// bnnc_swu: sliding-window unit (line buffer) of a convolution or pooling layer.
//
// Input: one image = IFM_H*IFM_W pixels in row-major order, each pixel its CH
// channels in order, LANES elements of EW bits per beat (CH/LANES beats per
// pixel), element i of a beat at bits [i*EW, (i+1)*EW). Images follow each
// other with no separator.
//
// Output: for each output pixel (oy, ox) in row-major order, with
//   OH = (IFM_H + 2*PAD - K_H)/STRIDE + 1, OW = (IFM_W + 2*PAD - K_W)/STRIDE + 1,
// the window's K_H*K_W*CH elements in (ky, kx, c) order (compiler.kernels.im2col's
// last axis): element (ky, kx, c) is input pixel (oy*STRIDE - PAD + ky,
// ox*STRIDE - PAD + kx), channel c, or PAD_VAL where that pixel lies in the
// padding. LANES elements per beat, so K_H*K_W*CH/LANES beats per output pixel;
// a beat never mixes pixels (LANES divides CH). No separator between pixels or
// images.
//
// Beats per image: IN_BEATS = IFM_H*IFM_W*CH/LANES in, OUT_BEATS =
// OH*OW*K_H*K_W*CH/LANES out. With input always valid and output always ready,
// a continuous stream of images takes exactly max(IN_BEATS, OUT_BEATS) cycles
// per image in steady state. First-output latency (empty unit, input always
// valid, output ready): the first output beat is valid NEED0*IFM_W*CH/LANES + 3
// cycles after the first input beat is accepted, NEED0 = min(USED_ROWS, K_H - PAD)
// (the image rows the first output row needs); 4 cycles when NEED0 <= 0 (the
// first output row is all padding). An image's output, even an all-padding
// row, never starts before the image's first input beat has been taken.
//
// Line buffer: a ring of NROWS rows of IFM_W*CH/LANES beats (one memory of
// NROWS*IFM_W*CH/LANES words of LANES*EW bits, one write and one synchronous
// read port: block RAM or LUT RAM). Rows below the last one any window uses
// (image rows >= USED_ROWS = min(IFM_H, (OH-1)*STRIDE - PAD + K_H)) are taken
// from the stream but not stored. NROWS is computed at elaboration by
// swu_line_rows below: the smallest ring with which the slower side never
// waits for the faster one in steady state (a row-level schedule analysis of
// one image period), at least STRIDE. E.g. 4 for K=3/STRIDE=1/PAD=1, 2*K_H
// without padding at STRIDE 1 (6 for K=3), 4 for a 2x2/2 pool; more table in
// docs/hardware.md.
//
// Scheduling: the writer stores image rows in ring order; a stored row's
// slot is reused only after the reader has released the row. The reader
// starts output row oy once every image row it needs (up to
// min(USED_ROWS, oy*STRIDE - PAD + K_H) - 1) is complete and the writer has
// begun the reader's image (img_ahead != 0), then issues one beat
// per cycle (window rows ky, columns kx, channel beats) while it holds an output
// credit; after the last beat of the output row it releases the rows that
// later output rows no longer need (all remaining rows after the last output
// row of an image). Rows of the next image are written while the current
// image's windows are emitted.
//
// Pipeline: issue (counters, read address) -> memory read (a padding beat is the
// read register's synchronous reset value) ->
// output FIFO (bnnc_fifo, 4 beats, no bypass, registered m_axis). An output credit
// counter keeps the FIFO from overflowing, so s_axis_tready and the read issue
// depend on registers only (no combinational path from m_axis_tready or
// s_axis_tvalid). With ROW_PIPE = 1 the writer's room and the reader's row
// deficit are kept as registers (a sign bit decides each), and the next output
// row's geometry is computed during the row through four register stages when
// an output row has more than 4 beats, so no row-end arithmetic chain sits
// between two registers; ROW_PIPE = 0 is the same unit, cycle for cycle, with
// that chain in one cycle and the fewest LUTs. Requires bnnc_fifo.v.
//
// Parameter errors: bnnc_param_error_swu_<what> (see the generate block).
`default_nettype none

module bnnc_swu #(
    parameter integer IFM_H = 8,    // input map height in pixels (>= 1)
    parameter integer IFM_W = 8,    // input map width in pixels (>= 1)
    parameter integer CH = 4,       // channels per pixel (>= 1)
    parameter integer K_H = 3,      // kernel height (>= 1, <= IFM_H + 2*PAD)
    parameter integer K_W = 3,      // kernel width (>= 1, <= IFM_W + 2*PAD)
    parameter integer STRIDE = 1,   // window step, rows and columns (>= 1)
    parameter integer PAD = 0,      // padding rows/columns on every side (>= 0)
    parameter integer EW = 1,       // element width in bits (>= 1)
    // The element at padding positions as its EW-bit pattern, < 2**EW (a bipolar +1 is 1, -1 is 0; a
    // signed value in two's complement). Declared at least 64 bits wide so that a value wider than EW
    // bits (300 for EW = 8, or -1, which extends to all ones) is rejected at elaboration rather than
    // cut to EW bits; any narrower literal (8'ha5, 1) is zero-extended, hence the lint pragma.
    /* verilator lint_off WIDTHEXPAND */
    parameter [((EW > 64) ? EW : 64)-1:0] PAD_VAL = 0,  // padding element's EW-bit pattern (< 2**EW)
    /* verilator lint_on WIDTHEXPAND */
    parameter integer LANES = 4,    // elements per beat, input and output (>= 1, divides CH)
    parameter integer IN_CYCLES = 0,   // the ring is sized for a producer needing up to this many cycles
                                       // per image (0: input may come every cycle; >= 0, < 2**27)
    parameter integer OUT_CYCLES = 0,  // ... and a consumer needing up to this many (0: output taken every
                                       // cycle; >= 0, < 2**27)
    parameter integer ROW_PIPE = 1  // 1: row accounts as registers, next output row through register
                                    // stages (shallow paths, ~14 working-width words of FFs more);
                                    // 0: the same unit cycle for cycle in the fewest LUTs (0 or 1)
) (
    input  wire                      clk,            // clock
    input  wire                      rst_n,          // synchronous active-low reset
    input  wire [LANES*EW-1:0]       s_axis_tdata,   // input lanes (channels of one pixel)
    input  wire                      s_axis_tvalid,  // input beat valid
    output wire                      s_axis_tready,  // unit takes an input beat
    output wire [LANES*EW-1:0]       m_axis_tdata,   // output lanes (window elements)
    output wire                      m_axis_tvalid,  // output beat valid
    input  wire                      m_axis_tready   // consumer takes the output beat
);
    // ------------------------------------------------------------------
    // Line-buffer size: the schedule analysis (mirrored in Python by
    // compiler/cores/swu.py: swu_line_rows, checked by cocotb_tests/cores/tb_swu.py).
    // ------------------------------------------------------------------
    // Rows of the ring such that neither side waits for the other in the
    // periodic steady state when an image row comes in every RB cycles and an
    // output row leaves every RL cycles. The slower side runs without a gap
    // (the reader when its rows take at least as long per image: output row k
    // in cycles [k*RL, (k+1)*RL); else the writer: input row i in cycles
    // [i*RB, (i+1)*RB)); the other side is placed as late (writer) or as early
    // (reader) as the row dependencies allow, and a stored row needs a free
    // slot when its first beat is written. The result is the largest number of
    // rows held at such a moment, taken in image 3 of 5 (the schedule is
    // periodic by then). At least STRIDE (so one release never wraps the ring
    // twice) and 1. swu_line_rows takes the larger ring of two such schedules:
    // a beat every cycle on both sides (RB = IFM_W*CH/LANES, RL = ROW_BEATS),
    // and both sides at the pace of the producer and the consumer (RB at least
    // IN_CYCLES/IFM_H, RL at least OUT_CYCLES/OH): a slow side holds rows
    // longer. 32-bit arithmetic: images are limited to 2**28 beats per side,
    // IN_CYCLES and OUT_CYCLES to 2**27 (checked below).
    function integer swu_line_rows;
        input integer h, w, cpb, kh, kw, s, p, cin, cout;
        integer oh, ow, rb, rl, fast, paced;
        begin
            oh = (h + 2 * p - kh) / s + 1;
            ow = (w + 2 * p - kw) / s + 1;
            rb = w * cpb;
            rl = ow * kh * kw * cpb;
            fast = swu_sched_rows(h, kh, s, p, oh, rb, rl);
            if ((cin + h - 1) / h > rb) rb = (cin + h - 1) / h;         // the producer's row time
            if ((cout + oh - 1) / oh > rl) rl = (cout + oh - 1) / oh;   // the consumer's row time
            paced = swu_sched_rows(h, kh, s, p, oh, rb, rl);
            swu_line_rows = (paced > fast) ? paced : fast;
        end
    endfunction

    // One schedule of swu_line_rows: RB cycles per input row, RL per output row.
    function integer swu_sched_rows;
        input integer h, kh, s, p, oh, rb, rl;
        integer hu, tper, n, r, i, k, oy, oyn, nd, nr, f, m, cand;
        integer lt, dl, st, en, started, have;
        begin
            hu = (oh - 1) * s - p + kh;
            if (hu > h) hu = h;
            tper = rb * h;
            nr = (s > 1) ? s : 1;
            if (rl * oh >= tper) begin
                // Reader continuous; writer as late as possible (backwards over rows).
                tper = rl * oh;
                have = 0;
                lt = 0;
                for (i = 5 * h - 1; i >= 0; i = i - 1) begin
                    n = i / h;
                    r = i % h;
                    if (r < hu) begin
                        oyn = (r + p - kh < 0) ? 0 : (r + p - kh) / s + 1;
                        dl = tper * n + rl * oyn - 1;   // row due before output row oyn starts
                        // Row 0 has begun before the image's first output row starts.
                        if (r == 0 && tper * n + rb - 2 < dl) dl = tper * n + rb - 2;
                        lt = (have != 0 && lt - rb < dl) ? lt - rb : dl;
                        have = 1;
                        if (n == 3) begin
                            st = lt - rb + 1;           // first beat of stored row (n, r)
                            m = st / rl;                // output rows released before it
                            f = (m % oh) * s - p;
                            if (f < 0) f = 0;
                            if (f > hu) f = hu;
                            cand = n * hu + r - ((m / oh) * hu + f) + 1;
                            if (cand > nr) nr = cand;
                        end
                    end else if (have != 0) begin
                        lt = lt - rb;
                    end
                end
            end else begin
                // Writer continuous; reader as early as possible (forwards over output rows).
                en = -1;
                for (k = 0; k < 5 * oh; k = k + 1) begin
                    n = k / oh;
                    oy = k % oh;
                    nd = oy * s - p + kh;
                    if (nd > hu) nd = hu;
                    st = en + 1;
                    if (nd > 0 && (h * n + nd) * rb > st) st = (h * n + nd) * rb;
                    if (oy == 0 && h * n * rb + 1 > st) st = h * n * rb + 1;  // image has begun
                    en = st + rl - 1;
                    if (n == 3) begin
                        m = en / rb;                    // input rows started by the row's end
                        started = (m / h) * hu + ((m % h + 1 > hu) ? hu : m % h + 1);
                        f = oy * s - p;                 // head before this row's release
                        if (f < 0) f = 0;
                        if (f > hu) f = hu;
                        cand = started - (n * hu + f);
                        if (cand > nr) nr = cand;
                    end
                end
            end
            swu_sched_rows = nr;
        end
    endfunction

    // 1 when some output row needs at least one image row (else every window
    // lies in the padding: such parameters are rejected).
    function integer swu_touches;
        input integer h, kh, s, p;
        integer oh, hu, oy, nd, f, t;
        begin
            oh = (h + 2 * p - kh) / s + 1;
            hu = (oh - 1) * s - p + kh;
            if (hu > h) hu = h;
            t = 0;
            for (oy = 0; oy < oh; oy = oy + 1) begin
                nd = oy * s - p + kh;
                if (nd > hu) nd = hu;
                f = oy * s - p;
                if (f < 0) f = 0;
                if (nd > f) t = 1;
            end
            swu_touches = t;
        end
    endfunction

    // ------------------------------------------------------------------
    // Parameter checks (elaboration fails on an unknown module name).
    // ------------------------------------------------------------------
    localparam integer BASIC_OK = (IFM_H >= 1 && IFM_W >= 1 && CH >= 1 && K_H >= 1 && K_W >= 1
                                   && STRIDE >= 1 && PAD >= 0 && EW >= 1 && LANES >= 1) ? 1 : 0;
    localparam integer DIV_OK = (BASIC_OK != 0 && CH % LANES == 0) ? 1 : 0;
    localparam integer FIT_H = (BASIC_OK != 0 && K_H <= IFM_H + 2 * PAD) ? 1 : 0;
    localparam integer FIT_W = (BASIC_OK != 0 && K_W <= IFM_W + 2 * PAD) ? 1 : 0;
    localparam integer TOUCH = swu_touches((FIT_H != 0) ? IFM_H : 1, (FIT_H != 0) ? K_H : 1,
                                           (FIT_H != 0) ? STRIDE : 1, (FIT_H != 0) ? PAD : 0);
    // Beats per image on either side must stay below 2**28 (32-bit schedule arithmetic).
    localparam integer FIT_OK = (FIT_H != 0 && FIT_W != 0) ? 1 : 0;
    localparam integer Z_CPB = (DIV_OK != 0) ? CH / LANES : 1;
    localparam integer Z_OH = (FIT_OK != 0) ? (IFM_H + 2 * PAD - K_H) / STRIDE + 1 : 1;
    localparam integer Z_OW = (FIT_OK != 0) ? (IFM_W + 2 * PAD - K_W) / STRIDE + 1 : 1;
    localparam integer Z_H = (FIT_OK != 0) ? IFM_H : 1;
    localparam integer Z_W = (FIT_OK != 0) ? IFM_W : 1;
    localparam integer Z_KK = (FIT_OK != 0) ? K_H * K_W : 1;
    localparam integer LIM = 1 << 28;
    localparam integer SIZE_OK = (Z_W <= LIM / Z_H && Z_H * Z_W <= LIM / Z_CPB
                                  && Z_OW <= LIM / Z_OH && Z_OH * Z_OW <= LIM / Z_KK
                                  && Z_OH * Z_OW * Z_KK <= LIM / Z_CPB) ? 1 : 0;
    localparam integer GEOM_OK = (DIV_OK != 0 && FIT_OK != 0 && TOUCH != 0 && SIZE_OK != 0) ? 1 : 0;

    // Legal stand-ins keep the arithmetic below defined when a check fails, so
    // the named parameter error is what elaboration reports.
    localparam integer G_H = (GEOM_OK != 0) ? IFM_H : 1;
    localparam integer G_W = (GEOM_OK != 0) ? IFM_W : 1;
    localparam integer G_KH = (GEOM_OK != 0) ? K_H : 1;
    localparam integer G_KW = (GEOM_OK != 0) ? K_W : 1;
    localparam integer G_S = (GEOM_OK != 0) ? STRIDE : 1;
    localparam integer G_P = (GEOM_OK != 0) ? PAD : 0;
    localparam integer CYC_OK = (IN_CYCLES >= 0 && IN_CYCLES < LIM / 2 && OUT_CYCLES >= 0
                                 && OUT_CYCLES < LIM / 2) ? 1 : 0;
    localparam integer G_CIN = (CYC_OK != 0) ? IN_CYCLES : 0;
    localparam integer G_COUT = (CYC_OK != 0) ? OUT_CYCLES : 0;
    localparam integer G_EW = (EW >= 1) ? EW : 1;
    localparam integer G_LANES = (LANES >= 1) ? LANES : 1;
    localparam integer CPB = (GEOM_OK != 0) ? CH / LANES : 1;        // beats per pixel

    localparam integer OH = (G_H + 2 * G_P - G_KH) / G_S + 1;        // output rows
    localparam integer OW = (G_W + 2 * G_P - G_KW) / G_S + 1;        // output columns
    localparam integer USED_I = (OH - 1) * G_S - G_P + G_KH;
    localparam integer USED_ROWS = (USED_I < G_H) ? USED_I : G_H;    // image rows any window uses
    localparam integer RB = G_W * CPB;                               // beats per image row
    localparam integer WB = G_KW * CPB;                              // beats per window row
    localparam integer ROW_BEATS = OW * G_KH * WB;                   // beats per output row
    localparam integer NROWS = swu_line_rows(G_H, G_W, CPB, G_KH, G_KW, G_S, G_P, G_CIN, G_COUT);  // ring rows
    localparam integer TOTAL = NROWS * RB;                           // line buffer words
    localparam integer DW = G_LANES * G_EW;                          // beat width

    localparam integer MAX_COL = (G_W + 2 * G_P + G_S + G_KW) * CPB;
    localparam integer MAX_ROW = 2 * (G_H + 2 * G_P + G_S + G_KH + NROWS);
    localparam integer MAX_A = TOTAL + RB;
    localparam integer MAX_V = (MAX_COL > MAX_ROW) ? ((MAX_COL > MAX_A) ? MAX_COL : MAX_A)
                                                   : ((MAX_ROW > MAX_A) ? MAX_ROW : MAX_A);
    localparam integer XW = $clog2(MAX_V + 1) + 2;     // signed width of rows, columns, addresses
    localparam integer AW = (TOTAL > 1) ? $clog2(TOTAL) : 1;          // line buffer address width

    generate
        if (IFM_H < 1) begin : g_bad_ifm_h
            bnnc_param_error_swu_ifm_h_must_be_positive u_err ();
        end
        if (IFM_W < 1) begin : g_bad_ifm_w
            bnnc_param_error_swu_ifm_w_must_be_positive u_err ();
        end
        if (CH < 1) begin : g_bad_ch
            bnnc_param_error_swu_ch_must_be_positive u_err ();
        end
        if (K_H < 1) begin : g_bad_k_h
            bnnc_param_error_swu_k_h_must_be_positive u_err ();
        end
        if (K_W < 1) begin : g_bad_k_w
            bnnc_param_error_swu_k_w_must_be_positive u_err ();
        end
        if (STRIDE < 1) begin : g_bad_stride
            bnnc_param_error_swu_stride_must_be_positive u_err ();
        end
        if (PAD < 0) begin : g_bad_pad
            bnnc_param_error_swu_pad_must_not_be_negative u_err ();
        end
        if (EW < 1) begin : g_bad_ew
            bnnc_param_error_swu_ew_must_be_positive u_err ();
        end
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_swu_lanes_must_be_positive u_err ();
        end
        if (EW >= 1 && (PAD_VAL >> EW) != 0) begin : g_bad_pad_val
            bnnc_param_error_swu_pad_val_must_fit_ew_bits u_err ();
        end
        if (BASIC_OK != 0 && DIV_OK == 0) begin : g_bad_lanes_div
            bnnc_param_error_swu_lanes_must_divide_ch u_err ();
        end
        if (BASIC_OK != 0 && FIT_H == 0) begin : g_bad_fit_h
            bnnc_param_error_swu_k_h_exceeds_padded_map u_err ();
        end
        if (BASIC_OK != 0 && FIT_W == 0) begin : g_bad_fit_w
            bnnc_param_error_swu_k_w_exceeds_padded_map u_err ();
        end
        if (FIT_H != 0 && TOUCH == 0) begin : g_bad_touch
            bnnc_param_error_swu_every_window_is_padding u_err ();
        end
        if (SIZE_OK == 0) begin : g_bad_image_size
            bnnc_param_error_swu_image_too_large u_err ();
        end
        if (CYC_OK == 0) begin : g_bad_cycles
            bnnc_param_error_swu_in_out_cycles_must_be_in_0_to_2_pow_27 u_err ();
        end
        if (ROW_PIPE != 0 && ROW_PIPE != 1) begin : g_bad_row_pipe
            bnnc_param_error_swu_row_pipe_must_be_0_or_1 u_err ();
        end
        if (XW > 31) begin : g_bad_size
            bnnc_param_error_swu_line_buffer_too_large u_err ();
        end
    endgenerate

    // Constants at the working width XW (two's complement where negative).
    localparam integer NEG_P_I = -G_P;
    localparam integer NEG_PC_I = -G_P * CPB;
    localparam integer SC_I = G_S * CPB;
    localparam integer KH_M1_I = G_KH - 1;
    localparam integer NEED0_I = (G_KH - G_P < USED_ROWS) ? G_KH - G_P : USED_ROWS;
    localparam integer TOTAL_M_RB_I = TOTAL - RB;
    localparam [XW-1:0] X_H = G_H[XW-1:0];
    localparam [XW-1:0] X_S = G_S[XW-1:0];
    localparam [XW-1:0] X_KH = G_KH[XW-1:0];
    localparam [XW-1:0] X_NEG_P = NEG_P_I[XW-1:0];
    localparam [XW-1:0] X_NEG_PC = NEG_PC_I[XW-1:0];
    localparam [XW-1:0] X_SC = SC_I[XW-1:0];
    localparam [XW-1:0] X_USED = USED_ROWS[XW-1:0];
    localparam [XW-1:0] X_NEED0 = NEED0_I[XW-1:0];
    localparam [XW-1:0] X_NROWS = NROWS[XW-1:0];
    localparam [XW-1:0] X_RB = RB[XW-1:0];
    localparam [XW-1:0] X_TOTAL_M_RB = TOTAL_M_RB_I[XW-1:0];
    localparam integer NEG_S_I = -G_S;
    localparam integer S_KH_I = G_S + G_KH;
    localparam integer USED_M_S_I = USED_ROWS - G_S;
    localparam integer USED_M_S_KH_I = USED_ROWS - G_S - G_KH;
    localparam integer NEED0_USED_I = NEED0_I + USED_ROWS;
    localparam [XW-1:0] X_NEG_S = NEG_S_I[XW-1:0];
    localparam [XW-1:0] X_S_KH = S_KH_I[XW-1:0];
    localparam [XW-1:0] X_USED_M_S = USED_M_S_I[XW-1:0];
    localparam [XW-1:0] X_USED_M_S_KH = USED_M_S_KH_I[XW-1:0];
    localparam [XW-1:0] X_NEED0_USED = NEED0_USED_I[XW-1:0];
    localparam [XW-1:0] X_ZERO = {XW{1'b0}};
    localparam [XW-1:0] X_ONE = {{(XW-1){1'b0}}, 1'b1};

    // ------------------------------------------------------------------
    // Line buffer memory.
    // ------------------------------------------------------------------
    reg [DW-1:0] mem [0:TOTAL-1];
    reg [DW-1:0] rdata;       // word read in the previous issue cycle
    wire         wr_en;
    wire [AW-1:0] wr_addr;
    wire         rd_en;
    wire [AW-1:0] rd_addr;

    always @(posedge clk) begin
        if (wr_en) begin
            mem[wr_addr] <= s_axis_tdata;
        end
    end

    // A padding beat is the read register's synchronous reset value (block RAM and LUT RAM
    // read registers reset to any word), so no select per output bit follows the memory.
    wire          rd_pad;
    wire [DW-1:0] pad_beat = {G_LANES{PAD_VAL[G_EW-1:0]}};
    always @(posedge clk) begin
        if (rd_pad) begin
            rdata <= pad_beat;
        end else if (rd_en) begin
            rdata <= mem[rd_addr];
        end
    end

    // ------------------------------------------------------------------
    // Writer: stores image rows 0..USED_ROWS-1 in ring order.
    // ------------------------------------------------------------------
    localparam integer WC_W = (RB > 1) ? $clog2(RB) : 1;       // column beat counter width
    localparam integer WR_W = $clog2(G_H + 1);                 // image row counter width
    localparam integer RB_LAST_I = RB - 1;
    localparam integer H_LAST_I = G_H - 1;
    localparam integer TOTAL_LAST_I = TOTAL - 1;
    localparam [WC_W-1:0] WC_LAST = RB_LAST_I[WC_W-1:0];
    localparam [WR_W-1:0] WR_LAST = H_LAST_I[WR_W-1:0];
    localparam [WR_W-1:0] WR_USED = USED_ROWS[WR_W-1:0];
    localparam [AW-1:0] WA_LAST = TOTAL_LAST_I[AW-1:0];

    reg [WC_W-1:0] wcol;      // beat within the image row being received
    reg [WR_W-1:0] wrow;      // image row being received
    reg [AW-1:0]   waddr;     // line buffer address of the next stored beat

    wire space_ok;            // the ring holds fewer than NROWS rows (the row accounts below)
    wire store = (wrow < WR_USED);
    assign s_axis_tready = !store || space_ok;
    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire img_begin = in_fire && (wcol == {WC_W{1'b0}}) && (wrow == {WR_W{1'b0}});  // first beat of an image
    wire row_stored = in_fire && store && (wcol == WC_LAST);                    // a stored row completes
    assign wr_en = in_fire && store;
    assign wr_addr = waddr;

    always @(posedge clk) begin
        if (!rst_n) begin
            wcol <= {WC_W{1'b0}};
            wrow <= {WR_W{1'b0}};
            waddr <= {AW{1'b0}};
        end else if (in_fire) begin
            if (wcol == WC_LAST) begin
                wcol <= {WC_W{1'b0}};
                wrow <= (wrow == WR_LAST) ? {WR_W{1'b0}} : wrow + 1'b1;
            end else begin
                wcol <= wcol + 1'b1;
            end
            if (store) begin
                waddr <= (waddr == WA_LAST) ? {AW{1'b0}} : waddr + 1'b1;
            end
        end
    end

    // ------------------------------------------------------------------
    // Reader: one window beat per cycle.
    // ------------------------------------------------------------------
    localparam integer J_W = (WB > 1) ? $clog2(WB) : 1;
    localparam integer KY_W = (G_KH > 1) ? $clog2(G_KH) : 1;
    localparam integer OX_W = (OW > 1) ? $clog2(OW) : 1;
    localparam integer OY_W = (OH > 1) ? $clog2(OH) : 1;
    localparam integer WB_LAST_I = WB - 1;
    localparam integer OW_LAST_I = OW - 1;
    localparam integer OH_LAST_I = OH - 1;
    localparam [J_W-1:0] J_LAST = WB_LAST_I[J_W-1:0];
    localparam [KY_W-1:0] KY_LAST = KH_M1_I[KY_W-1:0];
    localparam [OX_W-1:0] OX_LAST = OW_LAST_I[OX_W-1:0];
    localparam [OY_W-1:0] OY_LAST = OH_LAST_I[OY_W-1:0];
    localparam integer IA_W = $clog2(NROWS + 2) + 1;           // images-ahead counter width
    // Output FIFO without bypass (no 2:1 mux per output bit): a beat is issued, read (1 cycle),
    // and leaves the FIFO 2 cycles after entering it, so 3 beats are in flight at full rate;
    // one more slot keeps the credits from ever stopping the issue.
    localparam integer OQ_DEPTH = 4;                          // output FIFO beats
    localparam integer CR_W = 3;                              // credit counter width
    localparam [CR_W-1:0] CR_FULL = OQ_DEPTH[CR_W-1:0];

    reg [J_W-1:0]  rj;        // beat within the window row: kx*CPB + channel beat
    reg [KY_W-1:0] rky;       // window row
    reg [OX_W-1:0] rox;       // output column
    reg [OY_W-1:0] roy;       // output row
    reg [XW-1:0]   rcol;      // column beat of the current beat: ix*CPB + cb (signed)
    reg [XW-1:0]   rcol0;     // column beat of the window's first column: (ox*STRIDE - PAD)*CPB
    reg [XW-1:0]   rty;       // oy*STRIDE - PAD (signed)
    reg [XW-1:0]   riy;       // image row of the current window row: rty + ky (signed)
    reg [XW-1:0]   rneed;     // image rows 0..rneed-1 must be complete: min(USED_ROWS, rty + K_H)
    reg [XW-1:0]   rfirst;    // first image row still held: clamp(oy*STRIDE - PAD, 0, USED_ROWS)
    reg [XW-1:0]   hslot;     // ring slot of image row rfirst
    reg [XW-1:0]   hrow;      // line buffer address of that slot (hslot*RB)
    reg [XW-1:0]   rrow;      // line buffer address of image row max(riy, 0)
    reg [CR_W-1:0] credits;   // beats issued and not yet taken from the output
    reg [IA_W-1:0] img_ahead; // images begun by the writer and not finished by the reader (<= NROWS + 1)

    wire out_fire = m_axis_tvalid && m_axis_tready;
    wire row_start = (rj == {J_W{1'b0}}) && (rky == {KY_W{1'b0}}) && (rox == {OX_W{1'b0}});
    // An output row starts once its image rows are complete and its image has
    // begun (so rows that are all padding never run ahead of their image).
    wire rows_ready;          // the output row's image rows are complete (the row accounts below)
    wire rows_ok = rows_ready && (img_ahead != {IA_W{1'b0}});
    wire issue = (credits != CR_FULL) && (!row_start || rows_ok);
    wire row_end = issue && (rj == J_LAST) && (rky == KY_LAST) && (rox == OX_LAST);  // last beat of an output row
    wire row_real = !riy[XW-1] && ($signed(riy) < $signed(X_H));
    wire col_real = !rcol[XW-1] && ($signed(rcol) < $signed(X_RB));
    // Without padding every beat is a stored one (then the two range checks fold away).
    wire beat_real = (G_P == 0) || (row_real && col_real);
    /* verilator lint_off UNUSEDSIGNAL */
    wire [XW-1:0] raddr_x = rrow + rcol;                      // < TOTAL on a real beat: low AW bits used
    /* verilator lint_on UNUSEDSIGNAL */
    assign rd_en = issue && beat_real;
    assign rd_pad = issue && !beat_real;
    assign rd_addr = raddr_x[AW-1:0];

    // Next window row's address: one ring row further (wrapping) once riy >= 0. Both
    // candidates in parallel, the subtraction's sign picks one.
    wire [XW-1:0] rrow_wrap = rrow - X_TOTAL_M_RB;
    wire [XW-1:0] rrow_step = rrow_wrap[XW-1] ? rrow + X_RB : rrow_wrap;

    // ------------------------------------------------------------------
    // The row accounts, and the next output row's geometry and the rows it
    // releases. Its inputs (rty, rfirst, rneed, hslot, roy) change only at
    // the end of an output row.
    // ------------------------------------------------------------------
    wire last_oy = (roy == OY_LAST);
    wire [XW-1:0] ty_n;       // next row's rty
    wire [XW-1:0] first_n;    // next row's rfirst
    wire [XW-1:0] need_n;     // next row's rneed
    wire [XW-1:0] hslot_n;    // next row's hslot
    wire [XW-1:0] hrow_n;     // next row's hrow

    generate
        if (ROW_PIPE != 0) begin : g_fast
            // The accounts as registers (a sign bit decides each), not as differences of row
            // sequence numbers, which put three subtractions and a compare before s_axis_tready:
            //   room = NROWS - 1 - (rows held, incl. the one being written)   write while room >= 0
            //   done = complete rows of the reader's image - rows its output row needs
            reg [XW-1:0] room;
            reg [XW-1:0] done;
            assign space_ok = !room[XW-1];
            assign rows_ready = !done[XW-1];
            // With rows of ROW_BEATS > 4 beats the next row's chain runs through four register
            // stages (A-D) and is settled long before the row ends; with shorter rows the stages
            // are wires (the chain is combinational, but such units are tiny).
            // A: next row's top, first held row, rows needed, and what is released, from rty alone
            //    (rty + STRIDE compared with 0 and USED_ROWS as rty against constants, in parallel).
            wire [XW-1:0] ty_step = rty + X_S;
            wire [XW-1:0] need_step = rty + X_S_KH;
            wire step_neg = $signed(rty) < $signed(X_NEG_S);              // ty_step < 0
            wire step_over = $signed(rty) > $signed(X_USED_M_S);          // ty_step > USED_ROWS
            wire need_over = $signed(rty) > $signed(X_USED_M_S_KH);       // ty_step + K_H > USED_ROWS
            wire [XW-1:0] first_step = step_neg ? X_ZERO : (step_over ? X_USED : ty_step);
            wire [XW-1:0] need_clamp = need_over ? X_USED : need_step;
            wire [5*XW-1:0] a_d = {last_oy ? X_NEG_P : ty_step,           // next rty
                                   last_oy ? X_ZERO : first_step,         // next rfirst
                                   last_oy ? X_USED : first_step,         // rfirst + rows released
                                   last_oy ? X_NEED0 : need_clamp,        // next rneed
                                   last_oy ? X_NEED0_USED : need_clamp};  // next rneed + rows the image ends
            wire [5*XW-1:0] a_q;
            assign ty_n = a_q[4*XW +: XW];
            assign first_n = a_q[3*XW +: XW];
            wire [XW-1:0] rel_to = a_q[2*XW +: XW];
            assign need_n = a_q[XW +: XW];
            wire [XW-1:0] need_to = a_q[0 +: XW];
            // B: rows released (<= NROWS), the change of `done` at the row's end, the unwrapped next slot.
            wire [3*XW-1:0] b_d = {rel_to - rfirst, need_to - rneed, hslot - X_NROWS};
            wire [3*XW-1:0] b_q;
            wire [XW-1:0] rel = b_q[2*XW +: XW];
            wire [XW-1:0] dstep = b_q[XW +: XW];
            wire [XW-1:0] hslot_m = b_q[0 +: XW];
            // C: the next ring slot, and the account steps with and without a stored row in the same cycle.
            wire [XW-1:0] hsum = hslot + rel;
            wire [XW-1:0] hsum_m = hslot_m + rel;
            wire [5*XW-1:0] c_d = {hsum_m[XW-1] ? hsum : hsum_m, rel, rel - X_ONE, X_ZERO - dstep, X_ONE - dstep};
            wire [5*XW-1:0] c_q;
            assign hslot_n = c_q[4*XW +: XW];
            wire [XW-1:0] room_end = c_q[3*XW +: XW];
            wire [XW-1:0] room_end_in = c_q[2*XW +: XW];
            wire [XW-1:0] done_end = c_q[XW +: XW];
            wire [XW-1:0] done_end_in = c_q[0 +: XW];
            // D: the slot's line buffer address.
            wire [XW-1:0] d_d = hslot_n * X_RB;
            if (ROW_BEATS > 4) begin : g_row_pipe
                reg [5*XW-1:0] a_r;
                reg [3*XW-1:0] b_r;
                reg [5*XW-1:0] c_r;
                reg [XW-1:0]   d_r;
                always @(posedge clk) begin
                    a_r <= a_d;
                    b_r <= b_d;
                    c_r <= c_d;
                    d_r <= d_d;
                end
                assign a_q = a_r;
                assign b_q = b_r;
                assign c_q = c_r;
                assign hrow_n = d_r;
            end else begin : g_row_comb
                assign a_q = a_d;
                assign b_q = b_d;
                assign c_q = c_d;
                assign hrow_n = d_d;
            end
            // A stored row adds one complete row (room - 1, done + 1); the end of an output row
            // releases rel rows (room + rel) and moves `done` to the next row's need.
            always @(posedge clk) begin
                if (!rst_n) begin
                    room <= X_NROWS - X_ONE;
                    done <= X_ZERO - X_NEED0;
                end else begin
                    if (row_end) begin
                        room <= room + (row_stored ? room_end_in : room_end);
                        done <= done + (row_stored ? done_end_in : done_end);
                    end else if (row_stored) begin
                        room <= room - X_ONE;
                        done <= done + X_ONE;
                    end
                end
            end
        end else begin : g_small
            // The accounts as differences of row sequence numbers and the next row in one cycle:
            // the fewest LUTs, a deeper path (for slow clocks).
            reg [XW-1:0] wseq;    // stored rows completed (ring sequence number, wraps)
            reg [XW-1:0] rbase;   // sequence number of row 0 of the reader's image
            wire [XW-1:0] w_ahead = wseq - rbase - rfirst;           // rows held, incl. the one being written
            wire [XW-1:0] w_done = wseq - rbase;                      // complete rows of the reader's image
            assign space_ok = ($signed(w_ahead) < $signed(X_NROWS));
            assign rows_ready = ($signed(w_done) >= $signed(rneed));
            wire [XW-1:0] ty_step = rty + X_S;
            wire [XW-1:0] first_step = ty_step[XW-1] ? X_ZERO
                                     : (($signed(ty_step) > $signed(X_USED)) ? X_USED : ty_step);
            assign ty_n = last_oy ? X_NEG_P : ty_step;
            assign first_n = last_oy ? X_ZERO : first_step;
            wire [XW-1:0] rel = (last_oy ? X_USED : first_step) - rfirst;   // rows released (<= NROWS)
            wire [XW-1:0] hsum = hslot + rel;
            assign hslot_n = ($signed(hsum) >= $signed(X_NROWS)) ? hsum - X_NROWS : hsum;
            assign hrow_n = hslot_n * X_RB;
            wire [XW-1:0] need_raw = ty_n + X_KH;
            assign need_n = ($signed(need_raw) > $signed(X_USED)) ? X_USED : need_raw;
            always @(posedge clk) begin
                if (!rst_n) begin
                    wseq <= X_ZERO;
                    rbase <= X_ZERO;
                end else begin
                    if (row_stored) begin
                        wseq <= wseq + X_ONE;
                    end
                    if (row_end && last_oy) begin
                        rbase <= rbase + X_USED;
                    end
                end
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (!rst_n) begin
            rj <= {J_W{1'b0}};
            rky <= {KY_W{1'b0}};
            rox <= {OX_W{1'b0}};
            roy <= {OY_W{1'b0}};
            rcol <= X_NEG_PC;
            rcol0 <= X_NEG_PC;
            rty <= X_NEG_P;
            riy <= X_NEG_P;
            rneed <= X_NEED0;
            rfirst <= X_ZERO;
            hslot <= X_ZERO;
            hrow <= X_ZERO;
            rrow <= X_ZERO;
        end else if (issue) begin
            if (rj != J_LAST) begin
                rj <= rj + 1'b1;
                rcol <= rcol + X_ONE;
            end else begin
                rj <= {J_W{1'b0}};
                if (rky != KY_LAST) begin
                    rky <= rky + 1'b1;
                    rcol <= rcol0;
                    riy <= riy + X_ONE;
                    if (!riy[XW-1]) begin
                        rrow <= rrow_step;
                    end
                end else begin
                    rky <= {KY_W{1'b0}};
                    riy <= rty;
                    rrow <= hrow;
                    if (rox != OX_LAST) begin
                        rox <= rox + 1'b1;
                        rcol0 <= rcol0 + X_SC;
                        rcol <= rcol0 + X_SC;
                    end else begin
                        // Last beat of the output row: next row, release rows.
                        rox <= {OX_W{1'b0}};
                        rcol0 <= X_NEG_PC;
                        rcol <= X_NEG_PC;
                        roy <= last_oy ? {OY_W{1'b0}} : roy + 1'b1;
                        rty <= ty_n;
                        riy <= ty_n;
                        rneed <= need_n;
                        rfirst <= first_n;
                        hslot <= hslot_n;
                        hrow <= hrow_n;
                        rrow <= hrow_n;
                    end
                end
            end
        end
    end

    wire img_end = row_end && last_oy;
    always @(posedge clk) begin
        if (!rst_n) begin
            img_ahead <= {IA_W{1'b0}};
        end else if (img_begin && !img_end) begin
            img_ahead <= img_ahead + 1'b1;
        end else if (img_end && !img_begin) begin
            img_ahead <= img_ahead - 1'b1;
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            credits <= {CR_W{1'b0}};
        end else if (issue && !out_fire) begin
            credits <= credits + 1'b1;
        end else if (out_fire && !issue) begin
            credits <= credits - 1'b1;
        end
    end

    // ------------------------------------------------------------------
    // Read stage: the memory word or padding beat, into the output FIFO.
    // ------------------------------------------------------------------
    reg v_q;      // a beat was issued last cycle
    always @(posedge clk) begin
        if (!rst_n) begin
            v_q <= 1'b0;
        end else begin
            v_q <= issue;
        end
    end

    wire [DW-1:0] q_data = rdata;

    /* verilator lint_off UNUSEDSIGNAL */
    wire oq_ready;            // always 1 when v_q is set: the credits guarantee room
    /* verilator lint_on UNUSEDSIGNAL */

    bnnc_fifo #(
        .WIDTH(DW),
        .DEPTH(OQ_DEPTH),
        .BYPASS(0)
    ) u_oq (
        .clk(clk),
        .rst_n(rst_n),
        .s_axis_tdata(q_data),
        .s_axis_tvalid(v_q),
        .s_axis_tready(oq_ready),
        .m_axis_tdata(m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );
endmodule

`default_nettype wire
