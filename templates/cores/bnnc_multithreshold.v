// bnnc_multithreshold: lane-wise multi-threshold, the few-bit quantizer of integer inputs (a quant's codes on
// the network input, where no matrix unit's output stage can compute it). Output code of lane i:
//
//     OUT_BIAS + #{k < N_THR : (x_i >= T_k) XOR INV}
//
// with the same thresholds T_0..T_{N_THR-1} for every lane. A negated compare -x >= T is given as INV = 1 and
// T' = 1 - T (-x >= T  <=>  not (x >= 1 - T) on integers), as bnnc_threshold_rom stores it.
//
// One output beat per input beat. The output is a register stage: full throughput, s_axis_tready =
// !m_axis_tvalid || m_axis_tready (a combinational path from m_axis_tready to s_axis_tready, allowed by the
// contract; no loop). Compares are exact for any 32-bit threshold (done in 34 bits; synthesis reduces a
// compare against a constant to the input's bits). With N > 0 the input is vectors of N elements
// (ceil(N/LANES) beats each) and the padding lanes of a vector's last beat give 0, as the stream contract asks.
`default_nettype none

module bnnc_multithreshold #(
    parameter integer LANES = 4,          // lanes per beat (>= 1)
    parameter integer IN_BITS = 8,        // input lane width (>= 1; >= 2 when signed)
    parameter integer IN_SIGNED = 0,      // input lanes are two's complement (1) or unsigned (0)
    parameter integer N_THR = 2,          // thresholds (1..15)
    parameter [479:0] THRESHOLDS = 0,     // N_THR signed 32-bit thresholds, T_k at bits [32k +: 32]
    parameter integer INV = 0,            // 1: count the compares that fail (a negated channel)
    parameter integer OUT_BITS = 2,       // output code width (two's complement when OUT_BIAS < 0)
    parameter integer OUT_BIAS = -1,      // the code below every threshold; codes OUT_BIAS..OUT_BIAS+N_THR
    parameter integer N = 0               // elements per vector (0: every lane is an element, no padding)
) (
    input  wire                      clk,            // clock
    input  wire                      rst_n,          // synchronous active-low reset
    input  wire [LANES*IN_BITS-1:0]  s_axis_tdata,   // input lanes
    input  wire                      s_axis_tvalid,  // input beat valid
    output wire                      s_axis_tready,  // unit takes an input beat
    output wire [LANES*OUT_BITS-1:0] m_axis_tdata,   // output codes, lane i at [i*OUT_BITS +: OUT_BITS]
    output wire                      m_axis_tvalid,  // output beat valid
    input  wire                      m_axis_tready   // consumer takes the output beat
`ifdef FORMAL
    ,  // formal only (templates/cores/formal/fv_bnnc_multithreshold.sv): the state k-induction relates to the streams
    output wire [7:0]               fv_beat         // the next input beat's index within its vector
`endif
);
    // The codes OUT_BIAS and OUT_BIAS + N_THR must both fit OUT_BITS bits.
    localparam integer OUT_TOP = OUT_BIAS + N_THR;
    localparam integer OUT_FITS = (OUT_BITS < 1 || OUT_BITS > 16) ? 0
        : (OUT_BIAS < 0) ? ((OUT_BIAS >= -(1 << (OUT_BITS - 1)) && OUT_TOP <= (1 << (OUT_BITS - 1)) - 1) ? 1 : 0)
        : ((OUT_TOP <= (1 << OUT_BITS) - 1) ? 1 : 0);

    generate
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_multithreshold_lanes_must_be_positive u_err ();
        end
        if (IN_BITS < 1 || (IN_SIGNED == 1 && IN_BITS < 2)) begin : g_bad_in_bits
            bnnc_param_error_multithreshold_in_bits_too_small u_err ();
        end
        if (IN_BITS > 32) begin : g_bad_in_bits_wide
            bnnc_param_error_multithreshold_in_bits_above_32 u_err ();
        end
        if (IN_SIGNED != 0 && IN_SIGNED != 1) begin : g_bad_in_signed
            bnnc_param_error_multithreshold_in_signed_must_be_0_or_1 u_err ();
        end
        if (N_THR < 1 || N_THR > 15) begin : g_bad_n_thr
            bnnc_param_error_multithreshold_n_thr_must_be_1_to_15 u_err ();
        end
        if (INV != 0 && INV != 1) begin : g_bad_inv
            bnnc_param_error_multithreshold_inv_must_be_0_or_1 u_err ();
        end
        if (OUT_FITS != 1) begin : g_bad_out_bits
            bnnc_param_error_multithreshold_codes_must_fit_out_bits u_err ();
        end
        if (N < 0) begin : g_bad_n
            bnnc_param_error_multithreshold_n_must_not_be_negative u_err ();
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

    localparam integer CW = 34;                   // holds every 32-bit threshold and every input of <= 32 bits
    localparam integer KW = $clog2(N_THR + 1);    // the count's width
    localparam [31:0] BIAS32 = OUT_BIAS;

    wire [LANES*OUT_BITS-1:0] codes_now;

    genvar i, k;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_lane
            wire [IN_BITS-1:0] xi = s_axis_tdata[i*IN_BITS +: IN_BITS];
            wire [CW-1:0] ext;
            if (IN_SIGNED != 0) begin : g_sext
                assign ext = {{(CW - IN_BITS){xi[IN_BITS-1]}}, xi};
            end else begin : g_zext
                assign ext = {{(CW - IN_BITS){1'b0}}, xi};
            end
            wire [N_THR-1:0] hit;
            for (k = 0; k < N_THR; k = k + 1) begin : g_thr
                localparam [31:0] TK = THRESHOLDS[32*k +: 32];
                localparam [CW-1:0] T = {{(CW - 32){TK[31]}}, TK};
                assign hit[k] = ($signed(ext) >= $signed(T)) ^ (INV == 1);
            end
            // The count of thresholds passed, plus the bias, in 32 bits; the code is its low OUT_BITS bits.
            reg [KW-1:0] count;
            integer j;
            always @(*) begin
                count = {KW{1'b0}};
                for (j = 0; j < N_THR; j = j + 1) begin
                    count = count + {{(KW - 1){1'b0}}, hit[j]};
                end
            end
            wire [31:0] code32 = BIAS32 + {{(32 - KW){1'b0}}, count};
            wire real_lane = !last_beat || (i < LAST);
            assign codes_now[i*OUT_BITS +: OUT_BITS] = real_lane ? code32[OUT_BITS-1:0] : {OUT_BITS{1'b0}};
            if (OUT_BITS < 32) begin : g_unused
                wire unused_high = &{1'b0, code32[31:OUT_BITS]};
            end
        end
    endgenerate

    reg [LANES*OUT_BITS-1:0] out_codes;
    reg                      out_valid;

    assign s_axis_tready = !out_valid || m_axis_tready;
    assign m_axis_tdata = out_codes;
    assign m_axis_tvalid = out_valid;

    always @(posedge clk) begin
        if (!rst_n) begin
            out_valid <= 1'b0;
            out_codes <= {(LANES*OUT_BITS){1'b0}};
            beat <= {IW{1'b0}};
        end else if (s_axis_tready) begin
            out_valid <= s_axis_tvalid;
            if (s_axis_tvalid) begin
                out_codes <= codes_now;
                beat <= last_beat ? {IW{1'b0}} : beat + 1'b1;
            end
        end
    end
`ifdef FORMAL
    assign fv_beat = {{(8 - IW){1'b0}}, beat};  // its range is a lemma of the wrapper's (bnnc_fv_one_beat)
`endif
endmodule

`default_nettype wire
