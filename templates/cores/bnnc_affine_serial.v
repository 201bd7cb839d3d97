// bnnc_affine_serial: the final per-class affine on one shared multiplier (or shift-add unit).
//
// Consumes vectors of N signed accumulators as ceil(N/LANES) beats of LANES
// ACC_BITS lanes (a bnnc_mvtu's raw-accumulator output; lanes past N in the
// last beat are ignored) and emits one score per beat, N beats per vector, in
// class order:
//   MODE 1: score[n] = (A[n]*acc[n] + B[n]) >>> SHIFT  (one multiply per cycle)
//   MODE 0: score[n] = ((acc[n] << A_SHIFT) + B[n]) >>> SHIFT  (every scale is
//           2**A_SHIFT, so no multiplier: an add)
// computed exactly, then sign-extended or truncated to OUT_BITS (the compiler
// sizes OUT_BITS so nothing is lost). >>> is the arithmetic shift (floor).
//
// The unit holds one input beat and issues one of its lanes per cycle, taking
// the next beat in the cycle it issues the current one's last lane, so a
// vector costs exactly N cycles when the input keeps up and the output is
// ready. Pipeline: issue (lane select, {A, B} ROM read) -> product -> sum,
// shift (output register). The pipeline advances when the output register is
// free or being read (adv = !m_axis_tvalid || m_axis_tready); s_axis_tready
// depends on it (combinationally on m_axis_tready; no loop).
//
// PARAM_FILE: N lines, line n = class n: MODE 1 {B, A} (A in the low A_BITS
// bits), MODE 0 B alone; two's complement (compiler/cores/affine_serial.py).
`default_nettype none

module bnnc_affine_serial #(
    parameter integer N = 10,          // scores per vector (>= 1)
    parameter integer LANES = 10,      // accumulator lanes per input beat (>= 1)
    parameter integer ACC_BITS = 12,   // signed accumulator lane width (>= 2)
    parameter integer MODE = 1,        // 1: multiply by A[n]; 0: shift left by A_SHIFT (no multiplier)
    parameter integer A_BITS = 16,     // signed scale width (MODE 1; >= 2)
    parameter integer A_SHIFT = 0,     // left shift standing for the common scale 2**A_SHIFT (MODE 0; >= 0)
    parameter integer B_BITS = 16,     // signed offset width (>= 1)
    parameter integer SHIFT = 0,       // arithmetic right shift of A*acc + B (>= 0): low bits the argmax does not need
    parameter integer OUT_BITS = 24,   // signed score width (>= 2)
    parameter PARAM_FILE = "affine.mem"  // $readmemh file of the {B, A} (MODE 1) or B (MODE 0) words
) (
    input  wire                      clk,            // clock
    input  wire                      rst_n,          // synchronous active-low reset
    input  wire [LANES*ACC_BITS-1:0] s_axis_tdata,   // accumulator lanes (two's complement)
    input  wire                      s_axis_tvalid,  // input beat valid
    output wire                      s_axis_tready,  // unit takes an input beat
    output wire [OUT_BITS-1:0]       m_axis_tdata,   // one score (two's complement)
    output wire                      m_axis_tvalid,  // output beat valid
    input  wire                      m_axis_tready   // consumer takes the output beat
);
    generate
        if (N < 1) begin : g_bad_n
            bnnc_param_error_affine_serial_n_must_be_positive u_err ();
        end
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_affine_serial_lanes_must_be_positive u_err ();
        end
        if (ACC_BITS < 2) begin : g_bad_acc_bits
            bnnc_param_error_affine_serial_acc_bits_must_be_at_least_2 u_err ();
        end
        if (MODE != 0 && MODE != 1) begin : g_bad_mode
            bnnc_param_error_affine_serial_mode_must_be_0_or_1 u_err ();
        end
        if (MODE == 1 && A_BITS < 2) begin : g_bad_a_bits
            bnnc_param_error_affine_serial_a_bits_must_be_at_least_2 u_err ();
        end
        if (A_SHIFT < 0) begin : g_bad_a_shift
            bnnc_param_error_affine_serial_a_shift_must_not_be_negative u_err ();
        end
        if (B_BITS < 1) begin : g_bad_b_bits
            bnnc_param_error_affine_serial_b_bits_must_be_positive u_err ();
        end
        if (SHIFT < 0) begin : g_bad_shift
            bnnc_param_error_affine_serial_shift_must_not_be_negative u_err ();
        end
        if (OUT_BITS < 2) begin : g_bad_out_bits
            bnnc_param_error_affine_serial_out_bits_must_be_at_least_2 u_err ();
        end
    endgenerate

    // Clamped copies keep the arithmetic below defined for illegal values, so the
    // named parameter error above is what elaboration reports.
    localparam integer N_C = (N > 0) ? N : 1;
    localparam integer LANES_C = (LANES > 0) ? LANES : 1;
    localparam integer AB = (MODE == 1 && A_BITS > 1) ? A_BITS : 2;         // scale width in use
    localparam integer ASH = (A_SHIFT > 0) ? A_SHIFT : 0;
    localparam integer SH = (SHIFT > 0) ? SHIFT : 0;
    localparam integer BB = (B_BITS > 0) ? B_BITS : 1;
    localparam integer PW = (MODE == 1) ? BB + AB : BB;                    // ROM word width
    localparam integer PRODW = (MODE == 1) ? ACC_BITS + AB : ACC_BITS + ASH;  // exact width of the scaled acc
    localparam integer FULLW = ((PRODW > BB) ? PRODW : BB) + 1;            // exact width of scaled acc + B
    localparam integer SUMW = (FULLW > SH + OUT_BITS) ? FULLW : SH + OUT_BITS;  // room for the shift
    localparam integer BEATS = (N_C + LANES_C - 1) / LANES_C;              // input beats per vector
    localparam integer LAST_LANES = N_C - (BEATS - 1) * LANES_C;           // valid lanes in the last beat
    localparam integer LN_W = (LANES_C > 1) ? $clog2(LANES_C) : 1;         // lane counter width
    localparam integer BT_W = (BEATS > 1) ? $clog2(BEATS) : 1;             // beat counter width
    localparam integer AD_W = (N_C > 1) ? $clog2(N_C) : 1;                 // class (ROM address) width
    localparam integer BEATS_LAST_I = BEATS - 1;
    localparam integer LANES_LAST_I = LANES_C - 1;
    localparam integer LAST_LAST_I = LAST_LANES - 1;
    localparam integer N_LAST_I = N_C - 1;
    localparam [BT_W-1:0] BEAT_LAST = BEATS_LAST_I[BT_W-1:0];
    localparam [LN_W-1:0] LANE_LAST_FULL = LANES_LAST_I[LN_W-1:0];
    localparam [LN_W-1:0] LANE_LAST_PART = LAST_LAST_I[LN_W-1:0];
    localparam [AD_W-1:0] CLASS_LAST = N_LAST_I[AD_W-1:0];

    reg [PW-1:0] prom [0:N_C-1];
    initial begin
        $readmemh(PARAM_FILE, prom);
    end

    // ------------------------------------------------------------------
    // Issue: hold one beat, hand out one lane per cycle.
    // ------------------------------------------------------------------
    reg                      out_valid;
    wire                     adv = !out_valid || m_axis_tready;
    reg [LANES*ACC_BITS-1:0] hold;       // the beat being issued
    reg                      have;       // hold is valid
    reg [LN_W-1:0]           lane;       // next lane of hold to issue
    reg [LN_W-1:0]           lane_end;   // last lane of hold to issue
    reg [BT_W-1:0]           beat;       // beat of the vector the next input beat belongs to
    reg [AD_W-1:0]           cls;        // class of the next lane issued (ROM address)

    wire issue = have && adv;
    wire issue_last = issue && (lane == lane_end);
    assign s_axis_tready = adv && (!have || lane == lane_end);
    wire in_fire = s_axis_tvalid && s_axis_tready;

    always @(posedge clk) begin
        if (!rst_n) begin
            have <= 1'b0;
            lane <= {LN_W{1'b0}};
            lane_end <= {LN_W{1'b0}};
            beat <= {BT_W{1'b0}};
            cls <= {AD_W{1'b0}};
        end else begin
            if (in_fire) begin
                hold <= s_axis_tdata;
                have <= 1'b1;
                lane <= {LN_W{1'b0}};
                lane_end <= (beat == BEAT_LAST) ? LANE_LAST_PART : LANE_LAST_FULL;
                beat <= (beat == BEAT_LAST) ? {BT_W{1'b0}} : beat + 1'b1;
            end else if (issue_last) begin
                have <= 1'b0;
            end else if (issue) begin
                lane <= lane + 1'b1;
            end
            if (issue) begin
                cls <= (cls == CLASS_LAST) ? {AD_W{1'b0}} : cls + 1'b1;
            end
        end
    end

    // Stage 1: the issued accumulator and its class's parameters.
    reg                v1;
    reg [ACC_BITS-1:0] acc1;
    reg [PW-1:0]       ab1;
    always @(posedge clk) begin
        if (!rst_n) begin
            v1 <= 1'b0;
        end else if (adv) begin
            v1 <= issue;
        end
        if (issue) begin
            acc1 <= hold[lane*ACC_BITS +: ACC_BITS];
            ab1 <= prom[cls];
        end
    end

    // Stage 2: the scaled accumulator (the one multiplier, or a shift), and B.
    reg             v2;
    reg [PRODW-1:0] prod2;
    reg [BB-1:0]    b2;
    wire [PRODW-1:0] prod_now;
    generate
        if (MODE == 1) begin : g_mul
            wire [AB-1:0] a_coef = ab1[AB-1:0];
            wire [PRODW-1:0] a_ext = {{ACC_BITS{a_coef[AB-1]}}, a_coef};
            wire [PRODW-1:0] acc_ext = {{AB{acc1[ACC_BITS-1]}}, acc1};
            // Low PRODW bits of the product of the sign-extended operands = exact signed product.
            assign prod_now = a_ext * acc_ext;
        end else if (ASH > 0) begin : g_shl
            assign prod_now = {acc1, {ASH{1'b0}}};
        end else begin : g_wire
            assign prod_now = acc1;
        end
    endgenerate
    always @(posedge clk) begin
        if (!rst_n) begin
            v2 <= 1'b0;
        end else if (adv) begin
            v2 <= v1;
        end
        if (adv && v1) begin
            prod2 <= prod_now;
            b2 <= ab1[PW-1 -: BB];
        end
    end

    // Stage 3 (output register): + B, >>> SHIFT, to OUT_BITS.
    // Bits outside [SH, SH + OUT_BITS) of the sum are dropped by design.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SUMW-1:0] sum = {{(SUMW - PRODW){prod2[PRODW-1]}}, prod2} + {{(SUMW - BB){b2[BB-1]}}, b2};
    /* verilator lint_on UNUSEDSIGNAL */
    reg [OUT_BITS-1:0] out_q;
    always @(posedge clk) begin
        if (!rst_n) begin
            out_valid <= 1'b0;
        end else if (adv) begin
            out_valid <= v2;
        end
        if (adv && v2) begin
            out_q <= sum[SH +: OUT_BITS];
        end
    end
    assign m_axis_tdata = out_q;
    assign m_axis_tvalid = out_valid;
endmodule

`default_nettype wire
