// bnnc_mvtu: matrix-vector(-threshold) unit, PE x SIMD folded.
//
// Computes, for each input vector x of MW elements, MH outputs; with 1-bit weights (WEIGHT_BITS = 1)
//   acc[n] = popcount(xnor(x, w_n))        (BINARY_IN = 1, popcount domain 0..MW)
//   acc[n] = sum_i (w_n[i] ? x[i] : -x[i]) (BINARY_IN = 0, integer lanes; mode 0 adds
//            w ? x : ~x = -x - 1 per lane, its bias holding the count of 0 weight bits back;
//            BIT_PLANES = 1: sum_b c_b * popcount(xnor(x_b, w_n)) over the lanes' bit planes x_b,
//            acc[n] - K[n], K[n] folded into the parameter ROM: see "Bit planes" below)
// with few-bit weights (WEIGHT_BITS = 2..4, two's complement codes w_n[i])
//   acc[n] = sum_i (x[i] ? w_n[i] : -w_n[i])  (BINARY_IN = 1, x[i] = 1 means +1)
//   acc[n] = sum_i x[i] * w_n[i]              (BINARY_IN = 0, exact small products)
// and emits per neuron (OUT_MODE): 0: acc >= T[n] (1 bit), 1: acc, 2: A[n]*acc + B[n],
// 3: OUT_BIAS + #{k : acc >= T[n][k]} (N_THR thresholds, ascending: a multi-threshold activation).
//
// Folding: NF = ceil(MH/PE) neuron folds, SF = ceil(MW/SIMD) synapse folds.
// Input: SF beats of SIMD lanes per vector. Output: NF beats of PE lanes,
// neuron n in lane n % PE of beat n / PE. Lanes past MW are masked inside;
// padding neurons (n >= MH) output 0. Steps (nf, sf) run in the order
// nf-major, one per cycle: the nf = 0 fold reads the input stream (and stores
// each beat in the input buffer), folds nf > 0 re-read the buffer. The next
// vector's nf = 0 fold overwrites buffer entry sf only after the previous
// vector's last read of it, so consecutive vectors follow without a bubble:
// exactly NF*SF cycles per vector when the input is always valid and the
// output always ready.
//
// Pipeline: issue (counters, ROM address) -> S1 (weight ROM word, input word)
// -> S2 (per-PE lane dot products; binary input: DOT_LAT pipelined cycles)
// -> S3 (accumulators, parameter ROM word)
// -> S4 (threshold compare / multiply / mode 3's N_THR compares)
// -> S5 (affine add / mode 3's count + OUT_BIAS, padding mask)
// -> output FIFO (registered m_axis, no bypass). The datapath never stalls: a neuron fold
// is only started when the output FIFO has a credit for its result, so
// backpressure just pauses the issue of new folds. s_axis_tready depends on
// registers only (no combinational path from m_axis_tready or s_axis_tvalid).
//
// ROM files (docs/hardware.md): WEIGHT_FILE has NF*SF lines of PE*SIMD*WEIGHT_BITS bits,
// line nf*SF + sf, bits [(p*SIMD + s)*WEIGHT_BITS +: WEIGHT_BITS] = weight of neuron
// nf*PE + p, input sf*SIMD + s; weights of inputs >= MW must be 0 (every datapath relies
// on it: the 1-bit ones mask only the input side of those lanes, the few-bit ones
// nothing, a 0 weight adds 0). PARAM_FILE has NF lines: mode 0 PE lanes of
// ACC_BITS biases -T[n] (integer input with 1-bit weights: -T[n] + Z[n], Z[n] the number of 0
// bits of neuron n's SF*SIMD weights, padding included, written modulo 2**ACC_BITS); mode 2 PE
// lanes of {B, A}, each AFF_BITS (A low); mode 3 PE lanes of N_THR*ACC_BITS, threshold k
// at [k*ACC_BITS +: ACC_BITS], two's complement, ascending.
//
// Arithmetic: accumulators are ACC_BITS two's complement, computed modulo
// 2**ACC_BITS (exact when the true value fits, which the compiler ensures).
// Mode 0 starts each neuron's sum at its bias -T and emits the sum's sign bit
// inverted (acc - T >= 0): no comparator; ACC_BITS must hold acc - T, which the
// compiler ensures by clamping T into [min acc, max acc + 1] (compiler/cores/mvtu.py,
// threshold_fit). Mode 1 sign-extends or truncates acc to OUT_BITS; mode 2 computes
// A*acc + B exactly in ACC_BITS+AFF_BITS+1 bits, then sign-extends or
// truncates to OUT_BITS. Mode 3 sums exactly (no bias, no ones' complement), compares acc
// with each threshold (exact: the compiler sizes ACC_BITS for acc and every threshold,
// clamped into [min acc, max acc + 1]: compiler/cores/mvtu.py, multi_threshold_fit), and
// turns the thermometer code of the passed thresholds into its count (sorted thresholds
// make the code a thermometer: each count bit is an XOR of a few of its bits).
//
// Bit planes (BIT_PLANES = 1; integer input, 1-bit weights, mode 0 or 3 only): a lane
// x = sum_b c_b * x_b (c_b = 2**b, the top plane's -2**(IN_BITS-1) when IN_SIGNED) times a +-1
// weight of bit wb: x_b * (2*wb - 1) = xnor(x_b, wb) - 1 + wb, so per neuron
//   sum_i x_i * w_i = sum_b c_b * popcount(xnor(x_b, w))  +  K[n],
//   K[n] = (sum_b c_b) * (P[n] - MW),  P[n] the +1 weights of neuron n among its MW inputs
// (sum_b c_b = 2**IN_BITS - 1 unsigned, -1 signed). Each PE runs IN_BITS bnnc_xnor_popcount
// (PIPE 1, as the binary datapath) on the planes against the same weight bits, and one registered
// shift-add (the top plane subtracted when signed): DOT_LAT = the popcount's latency + 1. A lane
// past MW is presented with every x_b = 1 against its 0 padding weight: xnor 0, so it adds nothing
// and K counts the MW real lanes only (the mask is on x, shared by the PEs). The unit sums acc - K
// (modulo 2**ACC_BITS); the compiler writes mode 0's bias as K - T (mod 2**ACC_BITS) and mode 3's
// thresholds as T - K (ACC_BITS holding acc - K and every T - K: compiler/cores/mvtu.py,
// plane_offsets). Why: ~6.6 LUT per 2-bit lane for the conditional negate and adder tree
// against about 1.3 per plane per lane for the LUT-aware XNOR-popcount.
`default_nettype none

module bnnc_mvtu #(
    parameter integer MW = 16,          // inputs per vector (>= 1)
    parameter integer MH = 8,           // outputs (neurons) per vector (>= 1)
    parameter integer PE = 2,           // neurons computed in parallel (>= 1; need not divide MH)
    parameter integer SIMD = 4,         // input lanes per PE per cycle (>= 1; need not divide MW)
    parameter integer BINARY_IN = 1,    // 1: 1-bit bipolar input lanes; 0: integer lanes of IN_BITS
    parameter integer IN_BITS = 8,      // integer input lane width (BINARY_IN = 0; >= 1: a 1-bit signed lane is -1 or 0)
    parameter integer IN_SIGNED = 0,    // integer input lanes signed (1) or unsigned (0)
    parameter integer OUT_MODE = 0,     // 0: threshold (1-bit lanes); 1: raw accumulator; 2: affine A*acc+B;
                                        // 3: multi-threshold OUT_BIAS + #{k : acc >= T[k]}
    parameter integer ACC_BITS = 16,    // signed accumulator width (>= 2; binary input, 1-bit weights: > clog2(MW+1))
    parameter integer OUT_BITS = 1,     // output lane width: must be 1 in mode 0, >= 1 in modes 1 and 2; mode 3:
                                        // holds OUT_BIAS .. OUT_BIAS + N_THR (plain bits when OUT_BIAS >= 0), <= 32
    parameter integer AFF_BITS = 16,    // width of each of A and B (mode 2; >= 1)
    parameter integer WEIGHT_BITS = 1,  // bits per weight (1..4): 1 the +-1 bit; 2..4 a two's complement code
    parameter integer N_THR = 1,        // thresholds per neuron (mode 3; >= 1)
    parameter integer OUT_BIAS = 0,     // mode 3: the output code of a neuron that passes no threshold (may be < 0)
    parameter WEIGHT_FILE = "weights.mem",  // $readmemh file of the weight ROM
    parameter PARAM_FILE = "params.mem",    // $readmemh file of thresholds / {B, A} pairs (not read in mode 1)
    // ROM mapping for synthesis, as the compiler's memory plan (compiler/cores/rom.py) chose it, passed on
    // as a rom_style attribute: 0 the tool's choice, 1 block RAM, 2 distributed (LUT RAM; Vivado maps a
    // ROM so, Yosys cannot and stops), 3 logic (LUTs). Simulation ignores it.
    parameter integer ROM_STYLE = 0,    // weight ROM: 0 tool, 1 block, 2 distributed, 3 logic
    parameter integer PARAM_STYLE = 0,  // parameter ROM (thresholds, {B, A}): 0 tool, 1 block, 2 distributed, 3 logic
    parameter integer BIT_PLANES = 0    // 1: integer lanes by bit planes on XNOR-popcounts (BINARY_IN 0,
                                        // WEIGHT_BITS 1, OUT_MODE 0 or 3; see "Bit planes" above); 0: as before
) (
    input  wire                                                   clk,            // clock
    input  wire                                                   rst_n,          // synchronous active-low reset
    input  wire [SIMD*((BINARY_IN != 0) ? 1 : IN_BITS)-1:0]      s_axis_tdata,   // SIMD input lanes
    input  wire                                                   s_axis_tvalid,  // input beat valid
    output wire                                                   s_axis_tready,  // unit takes an input beat
    output wire [PE*((OUT_MODE == 0) ? 1 : OUT_BITS)-1:0]         m_axis_tdata,   // PE output lanes
    output wire                                                   m_axis_tvalid,  // output beat valid
    input  wire                                                   m_axis_tready   // consumer takes the output beat
);
    // ------------------------------------------------------------------
    // Parameter checks (elaboration fails on an unknown module name).
    // ------------------------------------------------------------------
    generate
        if (MW < 1) begin : g_bad_mw
            bnnc_param_error_mvtu_mw_must_be_positive u_err ();
        end
        if (MH < 1) begin : g_bad_mh
            bnnc_param_error_mvtu_mh_must_be_positive u_err ();
        end
        if (PE < 1) begin : g_bad_pe
            bnnc_param_error_mvtu_pe_must_be_positive u_err ();
        end
        if (SIMD < 1) begin : g_bad_simd
            bnnc_param_error_mvtu_simd_must_be_positive u_err ();
        end
        if (BINARY_IN != 0 && BINARY_IN != 1) begin : g_bad_binary_in
            bnnc_param_error_mvtu_binary_in_must_be_0_or_1 u_err ();
        end
        if (IN_SIGNED != 0 && IN_SIGNED != 1) begin : g_bad_in_signed
            bnnc_param_error_mvtu_in_signed_must_be_0_or_1 u_err ();
        end
        if (BINARY_IN == 0 && IN_BITS < 1) begin : g_bad_in_bits
            bnnc_param_error_mvtu_in_bits_too_small u_err ();
        end
        if (OUT_MODE < 0 || OUT_MODE > 3) begin : g_bad_out_mode
            bnnc_param_error_mvtu_out_mode_must_be_0_to_3 u_err ();
        end
        if (WEIGHT_BITS < 1 || WEIGHT_BITS > 4) begin : g_bad_weight_bits
            bnnc_param_error_mvtu_weight_bits_must_be_1_to_4 u_err ();
        end
        if (OUT_MODE == 3 && N_THR < 1) begin : g_bad_n_thr
            bnnc_param_error_mvtu_n_thr_must_be_positive_in_mode_3 u_err ();
        end
        // mode 3: OUT_BITS holds every code OUT_BIAS .. OUT_BIAS + N_THR (two's complement when OUT_BIAS < 0)
        if (OUT_MODE == 3 && N_THR >= 1 && (OUT_BITS > 32 || (OUT_BITS < 32 && (
                (OUT_BIAS >= 0 && OUT_BIAS + N_THR > (1 << OUT_BITS) - 1) ||
                (OUT_BIAS < 0 && (OUT_BIAS < -(1 << (OUT_BITS - 1)) ||
                                  OUT_BIAS + N_THR > (1 << (OUT_BITS - 1)) - 1)))))) begin : g_bad_out_bits_mode3
            bnnc_param_error_mvtu_out_bits_must_hold_the_codes_in_mode_3 u_err ();
        end
        if (ACC_BITS < 2 || (BINARY_IN == 1 && WEIGHT_BITS == 1 && ACC_BITS < $clog2(MW + 1) + 1)) begin : g_bad_acc_bits
            bnnc_param_error_mvtu_acc_bits_too_small u_err ();
        end
        if (OUT_MODE == 0 && OUT_BITS != 1) begin : g_bad_out_bits_mode0
            bnnc_param_error_mvtu_out_bits_must_be_1_in_mode_0 u_err ();
        end
        if (OUT_BITS < 1) begin : g_bad_out_bits
            bnnc_param_error_mvtu_out_bits_must_be_positive u_err ();
        end
        if (OUT_MODE == 2 && AFF_BITS < 1) begin : g_bad_aff_bits
            bnnc_param_error_mvtu_aff_bits_must_be_positive u_err ();
        end
        if (ROM_STYLE < 0 || ROM_STYLE > 3) begin : g_bad_rom_style
            bnnc_param_error_mvtu_rom_style_must_be_0_to_3 u_err ();
        end
        if (PARAM_STYLE < 0 || PARAM_STYLE > 3) begin : g_bad_param_style
            bnnc_param_error_mvtu_param_style_must_be_0_to_3 u_err ();
        end
        if (BIT_PLANES != 0 && BIT_PLANES != 1) begin : g_bad_bit_planes
            bnnc_param_error_mvtu_bit_planes_must_be_0_or_1 u_err ();
        end
        if (BIT_PLANES == 1 && BINARY_IN != 0) begin : g_bad_bit_planes_binary
            bnnc_param_error_mvtu_bit_planes_needs_binary_in_0 u_err ();
        end
        if (BIT_PLANES == 1 && WEIGHT_BITS != 1) begin : g_bad_bit_planes_weights
            bnnc_param_error_mvtu_bit_planes_needs_weight_bits_1 u_err ();
        end
        // the planes' sum is acc - K: only the modes whose parameter ROM can hold K back
        if (BIT_PLANES == 1 && OUT_MODE != 0 && OUT_MODE != 3) begin : g_bad_bit_planes_mode
            bnnc_param_error_mvtu_bit_planes_needs_out_mode_0_or_3 u_err ();
        end
    endgenerate

    // ------------------------------------------------------------------
    // Compression stages of bnnc_xnor_popcount for WIDTH lanes: a copy of its
    // schedule (h_step, stages_of), needed here for the pipeline depth; the
    // core checks the latency it is told (EXPECT_LATENCY) against its own.
    // ------------------------------------------------------------------
    function automatic integer xpc_small(input integer h);  // bits of a column's closing counter
        integer r;
        begin
            r = h % 6;
            xpc_small = (h <= 2) ? 0 : (r == 5) ? 5 : (r >= 3) ? 3 : 0;
        end
    endfunction
    function automatic integer xpc_stages(input integer width);
        integer cw, c, h, s, tall;
        reg [32*17-1:0] hv;
        reg [32*17-1:0] nv;
        begin
            cw = $clog2(width + 1);
            hv = {(32 * 17){1'b0}};
            hv[0 +: 32] = (width + 2) / 3;
            if (cw > 1) begin
                hv[32 +: 32] = (width + 2) / 3;
            end
            xpc_stages = 0;
            for (s = 0; s < 64; s = s + 1) begin
                tall = 0;
                for (c = 0; c < cw; c = c + 1) begin
                    if (hv[c*32 +: 32] > 2) begin
                        tall = 1;
                    end
                end
                if (tall != 0) begin
                    nv = {(32 * 17){1'b0}};
                    for (c = 0; c < cw; c = c + 1) begin
                        h = hv[c*32 +: 32];
                        nv[c*32 +: 32] = nv[c*32 +: 32] + h / 6 + ((xpc_small(h) > 0) ? 1 : 0)
                                       + ((h <= 2) ? h : h % 6 - xpc_small(h));
                        if (c + 1 < cw) begin
                            nv[(c+1)*32 +: 32] = nv[(c+1)*32 +: 32] + h / 6 + ((xpc_small(h) > 0) ? 1 : 0);
                        end
                        if (c + 2 < cw) begin
                            nv[(c+2)*32 +: 32] = nv[(c+2)*32 +: 32] + h / 6 + ((xpc_small(h) > 3) ? 1 : 0);
                        end
                    end
                    hv = nv;
                    xpc_stages = xpc_stages + 1;
                end
            end
        end
    endfunction

    // ------------------------------------------------------------------
    // Derived sizes.
    // ------------------------------------------------------------------
    // Clamped copies keep the arithmetic below defined for illegal values, so the
    // named parameter error above is what elaboration reports.
    localparam integer PE_C = (PE > 0) ? PE : 1;
    localparam integer SIMD_C = (SIMD > 0) ? SIMD : 1;
    localparam integer NF = (MH > 0) ? (MH + PE_C - 1) / PE_C : 1;      // neuron folds
    localparam integer SF = (MW > 0) ? (MW + SIMD_C - 1) / SIMD_C : 1;  // synapse folds
    localparam integer ILW = (BINARY_IN != 0) ? 1 : IN_BITS;        // input lane width
    localparam integer OLW = (OUT_MODE == 0) ? 1 : OUT_BITS;        // output lane width
    localparam integer IW = SIMD * ILW;                             // input beat width
    localparam integer OW = PE * OLW;                               // output beat width
    localparam integer STEPS = NF * SF;                             // steps (cycles) per vector
    localparam integer NF_W = (NF > 1) ? $clog2(NF) : 1;            // neuron fold counter width
    localparam integer SF_W = (SF > 1) ? $clog2(SF) : 1;            // synapse fold counter width
    localparam integer ST_W = (STEPS > 1) ? $clog2(STEPS) : 1;      // weight address width
    localparam integer LAST_SIMD = MW - (SF - 1) * SIMD;            // valid lanes in the last synapse fold
    localparam integer LAST_PE = MH - (NF - 1) * PE;                // valid lanes in the last neuron fold
    localparam integer WB = (WEIGHT_BITS > 1) ? WEIGHT_BITS : 1;        // bits per weight (clamped)
    localparam integer NT = (N_THR > 1) ? N_THR : 1;                    // thresholds per neuron (clamped)
    localparam integer PW = (OUT_MODE == 2) ? 2 * AFF_BITS : (OUT_MODE == 3) ? NT * ACC_BITS : ACC_BITS;  // param lane
    // S2 depth: binary input with 1-bit weights runs bnnc_xnor_popcount with PIPE = 1 (a register
    // rank after each of its stages and at its output); bit planes the same popcounts and a registered
    // shift-add; the others one registered bnnc_dot_lane.
    localparam integer BP = (BIT_PLANES == 1 && BINARY_IN == 0 && WB == 1) ? 1 : 0;  // bit-plane datapath
    localparam integer XPC_LAT = xpc_stages(SIMD_C) + 2;                // bnnc_xnor_popcount's LATENCY, PIPE 1
    localparam integer DOT_LAT = (BINARY_IN != 0 && WB == 1) ? XPC_LAT : (BP != 0) ? XPC_LAT + 1 : 1;
    localparam integer PIPE = 4 + DOT_LAT;                          // issue -> FIFO input, in cycles
    // Output queue: a fold holds its credit for SF + PIPE cycles and 2 in the queue (it has no
    // bypass: no 2:1 mux per output bit); folds start every SF cycles.
    localparam integer OQ_DEPTH = 4 + PIPE / SF;
    localparam integer CR_W = $clog2(OQ_DEPTH + 1);                 // credit counter width

    localparam integer NF_LAST_I = NF - 1;
    localparam integer SF_LAST_I = SF - 1;
    localparam integer ST_LAST_I = STEPS - 1;
    localparam [NF_W-1:0] NF_LAST = NF_LAST_I[NF_W-1:0];
    localparam [SF_W-1:0] SF_LAST = SF_LAST_I[SF_W-1:0];
    localparam [ST_W-1:0] ST_LAST = ST_LAST_I[ST_W-1:0];
    localparam [CR_W-1:0] CR_FULL = OQ_DEPTH[CR_W-1:0];

    // ------------------------------------------------------------------
    // Issue stage: fold counters, credits, input handshake.
    // ------------------------------------------------------------------
    reg  [NF_W-1:0] nf;
    reg  [SF_W-1:0] sf;
    reg  [ST_W-1:0] waddr;
    reg  [CR_W-1:0] credits;  // folds started whose output beat has not left the unit

    wire fold_start = (sf == {SF_W{1'b0}});
    wire need_in = (nf == {NF_W{1'b0}});
    wire go = !fold_start || (credits != CR_FULL);  // a started fold always finishes
    wire step = go && (!need_in || s_axis_tvalid);
    wire out_fire = m_axis_tvalid && m_axis_tready;

    assign s_axis_tready = go && need_in;

    always @(posedge clk) begin
        if (!rst_n) begin
            nf <= {NF_W{1'b0}};
            sf <= {SF_W{1'b0}};
            waddr <= {ST_W{1'b0}};
            credits <= {CR_W{1'b0}};
        end else begin
            if (step) begin
                if (sf == SF_LAST) begin
                    sf <= {SF_W{1'b0}};
                    nf <= (nf == NF_LAST) ? {NF_W{1'b0}} : nf + 1'b1;
                end else begin
                    sf <= sf + 1'b1;
                end
                waddr <= (waddr == ST_LAST) ? {ST_W{1'b0}} : waddr + 1'b1;
            end
            if (step && fold_start && !out_fire) begin
                credits <= credits + 1'b1;
            end else if (out_fire && !(step && fold_start)) begin
                credits <= credits - 1'b1;
            end
        end
    end

    // Input word of this step: the stream in fold nf = 0, the buffer afterwards. With SF = 1 the
    // S1 input register x1 is the buffer: it loads the stream's one word in fold 0 and holds it
    // through the other folds (no buffer, no select per input bit).
    localparam integer HOLD_X = (NF > 1 && SF == 1) ? 1 : 0;
    wire [IW-1:0] x_now;
    generate
        if (NF > 1 && SF > 1) begin : g_ibuf
            reg [IW-1:0] ibuf [0:SF-1];
            always @(posedge clk) begin
                if (step && need_in) begin
                    ibuf[sf] <= s_axis_tdata;
                end
            end
            assign x_now = need_in ? s_axis_tdata : ibuf[sf];
        end else begin : g_no_ibuf
            assign x_now = s_axis_tdata;
        end
    endgenerate

    // ------------------------------------------------------------------
    // S1: weight word (synchronous ROM read), input word, step tags.
    // ------------------------------------------------------------------
    // The weight ROM is read synchronously (its register is w1 below), so synthesis can map it
    // to block RAM; ROM_STYLE passes the compiler's plan on (bnnc_rom).
    wire [PE*SIMD*WB-1:0] w1;
    bnnc_rom #(
        .WIDTH(PE * SIMD * WB),
        .DEPTH(STEPS),
        .ADDR_BITS(ST_W),
        .FILE(WEIGHT_FILE),
        .STYLE(ROM_STYLE),
        .REGISTERED(1)
    ) u_wrom (
        .clk(clk),
        .en(step),
        .addr(waddr),
        .q(w1)
    );

    reg               v1;
    reg [IW-1:0]      x1;
    reg               first1;
    reg               last1;
    reg [NF_W-1:0]    nf1;

    always @(posedge clk) begin
        if (!rst_n) begin
            v1 <= 1'b0;
        end else begin
            v1 <= step;
        end
        if (step) begin
            if (HOLD_X == 0 || need_in) begin
                x1 <= x_now;
            end
            first1 <= fold_start;
            last1 <= (sf == SF_LAST);
            nf1 <= nf;
        end
    end

    // Lanes at input index >= MW (only in the last synapse fold) are ignored. (The few-bit
    // datapath needs no mask: a padding lane's weight is 0, so its product is 0.)
    /* verilator lint_off UNUSEDSIGNAL */
    wire [SIMD-1:0] lane_en;
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (LAST_SIMD == SIMD) begin : g_full_lanes
            assign lane_en = {SIMD{1'b1}};
        end else begin : g_masked_lanes
            assign lane_en = last1 ? {{(SIMD - LAST_SIMD){1'b0}}, {LAST_SIMD{1'b1}}} : {SIMD{1'b1}};
        end
    endgenerate

    // ------------------------------------------------------------------
    // S2: per-PE dot products of SIMD lanes.
    // ------------------------------------------------------------------
    // Binary input: bnnc_xnor_popcount, pipelined (DOT_LAT ranks, free-running: the
    // step tags below travel beside it); a lane past MW is presented as x = 1, and its
    // weight is 0 (the ROM layout pads with 0: compiler/cores/mvtu.py), so its xnor is 0 and
    // the popcount stays exact. The mask is on x only: one gate per SIMD lane, shared by
    // the PEs (masking w too put a fold flag into every PE's first LUT rank: +1,600 LUT6
    // on the LFC's fc1, 32 x 64 lanes). Integer input: bnnc_dot_lane,
    // registered once. dot2, v2, first2, last2, nf2 are the S2 outputs.
    wire [PE*ACC_BITS-1:0] dot2;
    wire                   v2;
    wire                   first2;
    wire                   last2;
    wire [NF_W-1:0]        nf2;

    genvar p, t, j;
    generate
        if (BINARY_IN != 0 && WB == 1) begin : g_dot_bin
            localparam integer PCW = $clog2(SIMD + 1);  // popcount width (< ACC_BITS, checked above)
            wire [SIMD-1:0] xm = x1 | ~lane_en;
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                wire [PCW-1:0] pc;
                bnnc_xnor_popcount #(
                    .WIDTH(SIMD),
                    .PIPE(1),
                    .EXPECT_LATENCY(DOT_LAT)
                ) u_popcount (
                    .clk(clk),
                    .en(1'b1),
                    .x(xm),
                    .w(w1[p*SIMD +: SIMD]),
                    .count(pc)
                );
                assign dot2[p*ACC_BITS +: ACC_BITS] = {{(ACC_BITS - PCW){1'b0}}, pc};
            end
        end else if (BP != 0) begin : g_dot_planes
            // Bit planes (module header): plane b of lane t is x1[t*IN_BITS + b]; lanes past MW
            // read 1 in every plane (xnor with their 0 weight is 0, so K counts real lanes only).
            localparam integer PCW = $clog2(SIMD + 1);          // one plane's popcount width
            localparam integer SW = PCW + IN_BITS + 1;          // exact width of sum_b c_b * count_b
            wire [IN_BITS*SIMD-1:0] xp;                          // plane b at [b*SIMD +: SIMD]
            for (t = 0; t < SIMD; t = t + 1) begin : g_xp_lane
                for (j = 0; j < IN_BITS; j = j + 1) begin : g_xp_bit
                    assign xp[j*SIMD + t] = x1[t*IN_BITS + j] | ~lane_en[t];
                end
            end
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                wire [IN_BITS*PCW-1:0] pcs;                      // plane b's count at [b*PCW +: PCW]
                reg  [SW-1:0]          sum_now;                  // sum_b c_b * count_b (exact in SW bits)
                /* verilator lint_off UNUSEDSIGNAL */
                reg  [SW-1:0]          sum_q;                    // (its high bits unread when ACC_BITS < SW)
                /* verilator lint_on UNUSEDSIGNAL */
                integer b;
                for (j = 0; j < IN_BITS; j = j + 1) begin : g_plane
                    bnnc_xnor_popcount #(
                        .WIDTH(SIMD),
                        .PIPE(1),
                        .EXPECT_LATENCY(XPC_LAT)
                    ) u_popcount (
                        .clk(clk),
                        .en(1'b1),
                        .x(xp[j*SIMD +: SIMD]),
                        .w(w1[p*SIMD +: SIMD]),
                        .count(pcs[j*PCW +: PCW])
                    );
                end
                // count_b * 2**b added, the sign plane's subtracted (it weighs -2**b)
                always @* begin
                    sum_now = {SW{1'b0}};
                    for (b = 0; b < IN_BITS; b = b + 1) begin
                        if (IN_SIGNED != 0 && b == IN_BITS - 1) begin
                            sum_now = sum_now - ({{(SW - PCW){1'b0}}, pcs[b*PCW +: PCW]} << b);
                        end else begin
                            sum_now = sum_now + ({{(SW - PCW){1'b0}}, pcs[b*PCW +: PCW]} << b);
                        end
                    end
                end
                // free-running, as the popcounts: the step tags travel beside it
                always @(posedge clk) begin
                    sum_q <= sum_now;
                end
                // modulo 2**ACC_BITS like the accumulator (the compiler sizes ACC_BITS for the final sum)
                if (ACC_BITS > SW) begin : g_sext
                    assign dot2[p*ACC_BITS +: ACC_BITS] = {{(ACC_BITS - SW){sum_q[SW-1]}}, sum_q};
                end else begin : g_trunc
                    assign dot2[p*ACC_BITS +: ACC_BITS] = sum_q[ACC_BITS-1:0];
                end
            end
        end else if (WB == 1) begin : g_dot_int
            wire [PE*ACC_BITS-1:0] dot_now;
            reg  [PE*ACC_BITS-1:0] dot_q;
            // Mode 0 sums the lanes in ones' complement (w ? x : ~x; ~x = -x - 1, no +1 per lane):
            // the compiler adds each neuron's count of -1 weights to its bias (module header).
            // A lane past MW is presented as x = 0: its padding weight is 0, so it adds ~0 = -1,
            // which the bias holds back too (Z counts padding lanes); the mask is on x only,
            // shared by the PEs (as in the binary datapath).
            localparam integer ONES = (OUT_MODE == 0) ? 1 : 0;
            wire [IW-1:0] xm;
            for (t = 0; t < SIMD; t = t + 1) begin : g_xm
                assign xm[t*IN_BITS +: IN_BITS] = (ONES != 0) ? (x1[t*IN_BITS +: IN_BITS] & {IN_BITS{lane_en[t]}})
                                                             : x1[t*IN_BITS +: IN_BITS];
            end
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                bnnc_dot_lane #(
                    .SIMD(SIMD),
                    .BINARY_IN(0),
                    .IN_BITS(IN_BITS),
                    .IN_SIGNED(IN_SIGNED),
                    .DOT_BITS(ACC_BITS),
                    .ONES(ONES)
                ) u_dot (
                    .x(xm),
                    .w(w1[p*SIMD +: SIMD]),
                    .lane_en((ONES != 0) ? {SIMD{1'b1}} : lane_en),
                    .dot(dot_now[p*ACC_BITS +: ACC_BITS])
                );
            end
            always @(posedge clk) begin
                if (v1) begin
                    dot_q <= dot_now;
                end
            end
            assign dot2 = dot_q;
        end else begin : g_dot_few
            // Few-bit weights, either input: bnnc_dot_lane's products (x ? w : -w, or x * w) and
            // adder tree, registered once; exact, so every mode sums from 0 (mode 0 from -T).
            // No lane mask: padding weights are 0.
            wire [PE*ACC_BITS-1:0] dot_now;
            reg  [PE*ACC_BITS-1:0] dot_q;
            for (p = 0; p < PE; p = p + 1) begin : g_pe
                bnnc_dot_lane #(
                    .SIMD(SIMD),
                    .BINARY_IN(BINARY_IN),
                    .IN_BITS(IN_BITS),
                    .IN_SIGNED(IN_SIGNED),
                    .DOT_BITS(ACC_BITS),
                    .ONES(0),
                    .WEIGHT_BITS(WB)
                ) u_dot (
                    .x(x1),
                    .w(w1[p*SIMD*WB +: SIMD*WB]),
                    .lane_en({SIMD{1'b1}}),
                    .dot(dot_now[p*ACC_BITS +: ACC_BITS])
                );
            end
            always @(posedge clk) begin
                if (v1) begin
                    dot_q <= dot_now;
                end
            end
            assign dot2 = dot_q;
        end

        // Step tags, delayed DOT_LAT cycles to stay beside their dot products.
        for (t = 1; t <= DOT_LAT; t = t + 1) begin : g_tag
            reg            tv;
            reg            tfirst;
            reg            tlast;
            reg [NF_W-1:0] tnf;
            always @(posedge clk) begin
                if (!rst_n) begin
                    tv <= 1'b0;
                end else begin
                    tv <= (t == 1) ? v1 : g_tag[(t > 1) ? t - 1 : 1].tv;
                end
                tfirst <= (t == 1) ? first1 : g_tag[(t > 1) ? t - 1 : 1].tfirst;
                tlast <= (t == 1) ? last1 : g_tag[(t > 1) ? t - 1 : 1].tlast;
                tnf <= (t == 1) ? nf1 : g_tag[(t > 1) ? t - 1 : 1].tnf;
            end
        end
        assign v2 = g_tag[DOT_LAT].tv;
        assign first2 = g_tag[DOT_LAT].tfirst;
        assign last2 = g_tag[DOT_LAT].tlast;
        assign nf2 = g_tag[DOT_LAT].tnf;
    endgenerate

    // ------------------------------------------------------------------
    // Parameter ROM (modes 0, 2 and 3), read synchronously like the weight ROM (bnnc_rom;
    // PARAM_STYLE passes the compiler's plan on). Mode 0: lane p = -T of the fold's neuron,
    // read one cycle before the fold's first step leaves S2 (pre_* = the step tags one rank
    // earlier), so prom3 is the bias that starts the fold's sum. Mode 2: {B, A} per lane,
    // mode 3: N_THR thresholds per lane, read when the fold's last step leaves S2, for S4.
    // ------------------------------------------------------------------
    /* verilator lint_off UNUSEDSIGNAL */
    wire            pre_v;      // the step one cycle before S2's output: valid, (unread in modes 1, 2)
    wire            pre_first;  // first of its fold,
    wire [NF_W-1:0] pre_nf;     // and its neuron fold
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (DOT_LAT > 1) begin : g_pre_tag
            assign pre_v = g_tag[(DOT_LAT > 1) ? DOT_LAT - 1 : 1].tv;
            assign pre_first = g_tag[(DOT_LAT > 1) ? DOT_LAT - 1 : 1].tfirst;
            assign pre_nf = g_tag[(DOT_LAT > 1) ? DOT_LAT - 1 : 1].tnf;
        end else begin : g_pre_s1
            assign pre_v = v1;
            assign pre_first = first1;
            assign pre_nf = nf1;
        end
    endgenerate

    /* verilator lint_off UNUSEDSIGNAL */
    wire [PE*PW-1:0] prom3;  // unread in mode 1
    /* verilator lint_on UNUSEDSIGNAL */
    generate
        if (OUT_MODE == 1) begin : g_prom_none
            assign prom3 = {(PE*PW){1'b0}};
        end else begin : g_prom
            bnnc_rom #(
                .WIDTH(PE * PW),
                .DEPTH(NF),
                .ADDR_BITS(NF_W),
                .FILE(PARAM_FILE),
                .STYLE(PARAM_STYLE),
                .REGISTERED(1)
            ) u_prom (
                .clk(clk),
                .en((OUT_MODE == 0) ? (pre_v && pre_first) : (v2 && last2)),
                .addr((OUT_MODE == 0) ? pre_nf : nf2),
                .q(prom3)
            );
        end
    endgenerate

    // ------------------------------------------------------------------
    // S3: accumulate; a finished fold raises done3 for one cycle. A fold's sum starts from
    // its bias (mode 0: -T, so the S4 compare acc >= T is the sign of the sum; else 0).
    // ------------------------------------------------------------------
    reg [PE*ACC_BITS-1:0] acc3;
    reg                   done3;
    reg [NF_W-1:0]        nf3;

    generate
        for (p = 0; p < PE; p = p + 1) begin : g_acc
            wire [ACC_BITS-1:0] bias;
            if (OUT_MODE == 0) begin : g_bias
                assign bias = prom3[p*PW +: ACC_BITS];
            end else begin : g_no_bias
                assign bias = {ACC_BITS{1'b0}};
            end
            always @(posedge clk) begin
                if (v2) begin
                    acc3[p*ACC_BITS +: ACC_BITS] <= (first2 ? bias : acc3[p*ACC_BITS +: ACC_BITS])
                        + dot2[p*ACC_BITS +: ACC_BITS];
                end
            end
        end
    endgenerate

    always @(posedge clk) begin
        if (!rst_n) begin
            done3 <= 1'b0;
        end else begin
            done3 <= v2 && last2;
        end
        if (v2 && last2) begin
            nf3 <= nf2;
        end
    end

    // ------------------------------------------------------------------
    // S4: compare / convert / multiply.  S5: add B, zero padding neurons.
    // ------------------------------------------------------------------
    reg            v4;
    reg [NF_W-1:0] nf4;
    reg            v5;
    wire [OW-1:0]  r5;        // S5 result (registered inside the mode block)
    wire [OW-1:0]  keep4;     // lanes of real neurons (n < MH) in the S4 fold

    always @(posedge clk) begin
        if (!rst_n) begin
            v4 <= 1'b0;
            v5 <= 1'b0;
        end else begin
            v4 <= done3;
            v5 <= v4;
        end
        if (done3) begin
            nf4 <= nf3;
        end
    end

    generate
        for (p = 0; p < PE; p = p + 1) begin : g_keep
            // neuron nf4*PE + p < MH
            assign keep4[p*OLW +: OLW] = {OLW{(p < LAST_PE) || (nf4 != NF_LAST)}};
        end
    endgenerate

    localparam integer PRODW = ACC_BITS + AFF_BITS;  // exact width of A*acc
    localparam integer FULLW = PRODW + 1;            // exact width of A*acc + B

    generate
        if (OUT_MODE == 0) begin : g_mode0
            reg [PE-1:0]    r4;
            reg [PE-1:0]    r5q;
            wire [PE-1:0]   r4_now;
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                // acc3 holds acc - T (exact: the compiler sizes ACC_BITS for it), so acc >= T
                // is its sign bit clear: no comparator
                assign r4_now[p] = !acc3[p*ACC_BITS + ACC_BITS - 1];
            end
            always @(posedge clk) begin
                if (done3) begin
                    r4 <= r4_now;
                end
                if (v4) begin
                    r5q <= r4 & keep4;
                end
            end
            assign r5 = r5q;
        end else if (OUT_MODE == 1) begin : g_mode1
            reg  [OW-1:0] r4;
            reg  [OW-1:0] r5q;
            wire [OW-1:0] r4_now;
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                // Upper accumulator bits are dropped by design when OUT_BITS < ACC_BITS.
                /* verilator lint_off UNUSEDSIGNAL */
                wire [ACC_BITS-1:0] a_acc = acc3[p*ACC_BITS +: ACC_BITS];
                /* verilator lint_on UNUSEDSIGNAL */
                if (OLW > ACC_BITS) begin : g_sext
                    assign r4_now[p*OLW +: OLW] = {{(OLW - ACC_BITS){a_acc[ACC_BITS-1]}}, a_acc};
                end else begin : g_trunc
                    assign r4_now[p*OLW +: OLW] = a_acc[OLW-1:0];
                end
            end
            always @(posedge clk) begin
                if (done3) begin
                    r4 <= r4_now;
                end
                if (v4) begin
                    r5q <= r4 & keep4;
                end
            end
            assign r5 = r5q;
        end else if (OUT_MODE == 3) begin : g_mode3
            // S4: the N_THR compares of each lane (signed, exact: ACC_BITS holds acc and every T);
            // S5: the count of thresholds passed, plus OUT_BIAS.
            localparam integer CW = $clog2(NT + 1);  // count width
            localparam [31:0] BIAS32 = OUT_BIAS;     // OUT_BITS <= 32 in this mode (checked above)
            reg  [PE*NT-1:0] t4;    // thermometer codes, lane p's at [p*NT +: NT]: bit k = acc >= T[k]
            reg  [OW-1:0]    r5q;
            wire [PE*NT-1:0] t4_now;
            wire [OW-1:0]    r5_now;
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                wire signed [ACC_BITS-1:0] a_acc = acc3[p*ACC_BITS +: ACC_BITS];
                for (t = 0; t < NT; t = t + 1) begin : g_cmp
                    wire signed [ACC_BITS-1:0] thr = prom3[p*PW + t*ACC_BITS +: ACC_BITS];
                    assign t4_now[p*NT + t] = (a_acc >= thr);
                end
                // Ascending thresholds make t a thermometer code (bits 0 .. c-1 set, c the count), so
                // bit j of c = the parity of floor(c / 2**j) = XOR of t[m*2**j - 1], m = 1 .. NT >> j:
                // those bits that are set form a prefix, and there are floor(c / 2**j) of them.
                wire [NT-1:0] th = t4[p*NT +: NT];
                wire [CW-1:0] cnt;
                for (j = 0; j < CW; j = j + 1) begin : g_cnt_bit
                    wire [NT-1:0] pick;  // the bits t[m*2**j - 1]
                    for (t = 0; t < NT; t = t + 1) begin : g_pick
                        assign pick[t] = (((t + 1) % (1 << j)) == 0) ? th[t] : 1'b0;
                    end
                    assign cnt[j] = ^pick;
                end
                // OUT_BIAS + c: the low OUT_BITS bits are the code (it fits them: checked above)
                /* verilator lint_off UNUSEDSIGNAL */
                wire [31:0] code = BIAS32 + {{(32 - CW){1'b0}}, cnt};
                /* verilator lint_on UNUSEDSIGNAL */
                assign r5_now[p*OLW +: OLW] = code[OLW-1:0];
            end
            always @(posedge clk) begin
                if (done3) begin
                    t4 <= t4_now;
                end
                if (v4) begin
                    r5q <= r5_now & keep4;
                end
            end
            assign r5 = r5q;
        end else begin : g_mode2
            reg  [PE*PRODW-1:0]    prod4;
            reg  [PE*AFF_BITS-1:0] b4;
            reg  [OW-1:0]          r5q;
            wire [PE*PRODW-1:0]    prod_now;
            wire [PE*AFF_BITS-1:0] b_now;
            wire [OW-1:0]          r5_now;
            for (p = 0; p < PE; p = p + 1) begin : g_lane
                wire [ACC_BITS-1:0] a_acc = acc3[p*ACC_BITS +: ACC_BITS];
                wire [AFF_BITS-1:0] a_coef = prom3[p*PW +: AFF_BITS];
                wire [PRODW-1:0] a_ext = {{ACC_BITS{a_coef[AFF_BITS-1]}}, a_coef};
                wire [PRODW-1:0] acc_ext = {{AFF_BITS{a_acc[ACC_BITS-1]}}, a_acc};
                // Low PRODW bits of the product of the sign-extended operands = exact signed product.
                assign prod_now[p*PRODW +: PRODW] = a_ext * acc_ext;
                assign b_now[p*AFF_BITS +: AFF_BITS] = prom3[p*PW + AFF_BITS +: AFF_BITS];

                wire [PRODW-1:0] prod = prod4[p*PRODW +: PRODW];
                wire [AFF_BITS-1:0] b_coef = b4[p*AFF_BITS +: AFF_BITS];
                // Upper bits of the exact sum are dropped by design when OUT_BITS < FULLW.
                /* verilator lint_off UNUSEDSIGNAL */
                wire [FULLW-1:0] sum = {prod[PRODW-1], prod}
                                     + {{(FULLW - AFF_BITS){b_coef[AFF_BITS-1]}}, b_coef};
                /* verilator lint_on UNUSEDSIGNAL */
                if (OLW > FULLW) begin : g_sext
                    assign r5_now[p*OLW +: OLW] = {{(OLW - FULLW){sum[FULLW-1]}}, sum};
                end else begin : g_trunc
                    assign r5_now[p*OLW +: OLW] = sum[OLW-1:0];
                end
            end
            always @(posedge clk) begin
                if (done3) begin
                    prod4 <= prod_now;
                    b4 <= b_now;
                end
                if (v4) begin
                    r5q <= r5_now & keep4;
                end
            end
            assign r5 = r5q;
        end
    endgenerate

    // ------------------------------------------------------------------
    // Output queue. Credits guarantee room for every started fold, so the
    // queue's s_axis_tready is always high when v5 is.
    // ------------------------------------------------------------------
    /* verilator lint_off UNUSEDSIGNAL */
    wire oq_ready;  // always 1 when v5 (credit scheme); kept for the port only
    /* verilator lint_on UNUSEDSIGNAL */
    bnnc_fifo #(
        .WIDTH(OW),
        .DEPTH(OQ_DEPTH),
        .BYPASS(0)
    ) u_out_queue (
        .clk(clk),
        .rst_n(rst_n),
        .s_axis_tdata(r5),
        .s_axis_tvalid(v5),
        .s_axis_tready(oq_ready),
        .m_axis_tdata(m_axis_tdata),
        .m_axis_tvalid(m_axis_tvalid),
        .m_axis_tready(m_axis_tready)
    );
endmodule

`default_nettype wire
