// bnnc_threshold: lane-wise binarizer, output bit i = ((NEGATE ? -x_i : x_i) >= THRESHOLD).
//
// One output beat per input beat. The output is a register stage: full
// throughput, s_axis_tready = !m_axis_tvalid || m_axis_tready (a
// combinational path from m_axis_tready to s_axis_tready, allowed by the
// contract; no loop). Comparisons are exact for any 32-bit THRESHOLD (done
// in IN_BITS+2 bits, or 34 when the threshold needs more). With N > 0 the input
// is vectors of N elements (ceil(N/LANES) beats each) and the padding lanes of a
// vector's last beat give 0, as the stream contract asks.
`default_nettype none

module bnnc_threshold #(
    parameter integer LANES = 4,      // lanes per beat (>= 1)
    parameter integer IN_BITS = 8,    // input lane width (>= 1; >= 2 when signed)
    parameter integer IN_SIGNED = 1,  // input lanes are two's complement (1) or unsigned (0)
    parameter integer THRESHOLD = 0,  // compare value (signed 32-bit integer)
    parameter integer NEGATE = 0,     // 1: compare -x_i >= THRESHOLD instead
    parameter integer N = 0           // elements per vector (0: every lane is an element, no padding)
) (
    input  wire                     clk,            // clock
    input  wire                     rst_n,          // synchronous active-low reset
    input  wire [LANES*IN_BITS-1:0] s_axis_tdata,   // input lanes
    input  wire                     s_axis_tvalid,  // input beat valid
    output wire                     s_axis_tready,  // unit takes an input beat
    output wire [LANES-1:0]         m_axis_tdata,   // output bits, lane i = bit i
    output wire                     m_axis_tvalid,  // output beat valid
    input  wire                     m_axis_tready   // consumer takes the output beat
`ifdef FORMAL
    ,  // formal only (templates/cores/formal/fv_bnnc_threshold.sv): the state k-induction relates to the streams
    output wire [7:0]               fv_beat         // the next input beat's index within its vector
`endif
);
    generate
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_threshold_lanes_must_be_positive u_err ();
        end
        if (IN_BITS < 1 || (IN_SIGNED == 1 && IN_BITS < 2)) begin : g_bad_in_bits
            bnnc_param_error_threshold_in_bits_too_small u_err ();
        end
        if (IN_SIGNED != 0 && IN_SIGNED != 1) begin : g_bad_in_signed
            bnnc_param_error_threshold_in_signed_must_be_0_or_1 u_err ();
        end
        if (NEGATE != 0 && NEGATE != 1) begin : g_bad_negate
            bnnc_param_error_threshold_negate_must_be_0_or_1 u_err ();
        end
        if (N < 0) begin : g_bad_n
            bnnc_param_error_threshold_n_must_not_be_negative u_err ();
        end
    endgenerate

    // Position within a vector, only to zero the padding lanes of its last beat.
    localparam integer NB = (N > 0) ? (N + LANES - 1) / LANES : 1;  // beats per vector
    localparam integer LAST = (N > 0) ? N - (NB - 1) * LANES : LANES; // real lanes in the last beat
    localparam integer IW = (NB > 1) ? $clog2(NB) : 1;
    localparam [31:0] LAST_BEAT32 = NB - 1;
    localparam [IW-1:0] LAST_BEAT = LAST_BEAT32[IW-1:0];
    reg  [IW-1:0] beat;
    wire          last_beat = (beat == LAST_BEAT);

    // Compare width: IN_BITS + 2 holds x and -x; widen to 34 bits only when the
    // 32-bit THRESHOLD does not fit IN_BITS + 2 bits (keeps comparators small).
    localparam integer NARROW = IN_BITS + 2;
    localparam integer FITS = (NARROW >= 32) ? 1
        : ((THRESHOLD >= -(1 << (NARROW - 1))) && (THRESHOLD <= (1 << (NARROW - 1)) - 1)) ? 1 : 0;
    localparam integer CW = (FITS == 1) ? NARROW : 34;
    localparam [31:0] THR_BITS = THRESHOLD;
    localparam [CW+31:0] THR_WIDE = {{CW{THR_BITS[31]}}, THR_BITS};  // sign-extended threshold
    localparam [CW-1:0] THR = THR_WIDE[CW-1:0];                      // exact: THRESHOLD fits CW bits

    wire [LANES-1:0] bits_now;

    genvar i;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_lane
            wire [IN_BITS-1:0] xi = s_axis_tdata[i*IN_BITS +: IN_BITS];
            wire [CW-1:0] ext;
            if (IN_SIGNED != 0) begin : g_sext
                assign ext = {{(CW - IN_BITS){xi[IN_BITS-1]}}, xi};
            end else begin : g_zext
                assign ext = {{(CW - IN_BITS){1'b0}}, xi};
            end
            wire [CW-1:0] val;
            if (NEGATE != 0) begin : g_neg
                assign val = ~ext + {{(CW - 1){1'b0}}, 1'b1};
            end else begin : g_pos
                assign val = ext;
            end
            wire real_lane = !last_beat || (i < LAST);
            assign bits_now[i] = real_lane && ($signed(val) >= $signed(THR));
        end
    endgenerate

    reg [LANES-1:0] out_bits;
    reg             out_valid;

    assign s_axis_tready = !out_valid || m_axis_tready;
    assign m_axis_tdata = out_bits;
    assign m_axis_tvalid = out_valid;

    always @(posedge clk) begin
        if (!rst_n) begin
            out_valid <= 1'b0;
            out_bits <= {LANES{1'b0}};
            beat <= {IW{1'b0}};
        end else if (s_axis_tready) begin
            out_valid <= s_axis_tvalid;
            if (s_axis_tvalid) begin
                out_bits <= bits_now;
                beat <= last_beat ? {IW{1'b0}} : beat + 1'b1;
            end
        end
    end
`ifdef FORMAL
    assign fv_beat = {{(8 - IW){1'b0}}, beat};  // its range is a lemma of the wrapper's (bnnc_fv_one_beat)
`endif
endmodule

`default_nettype wire
