// fv_bnnc_affine_serial: bnnc_affine_serial's formal wrapper. The stream properties with one vector
// per image (ceil(N/LANES) beats in, N scores out), and its data property on the followed vector:
// score n is (A_n * acc_n + B_n) >>> SHIFT (MODE 1) or ((acc_n << A_SHIFT) + B_n) >>> SHIFT (MODE 0),
// cut to OUT_BITS, computed here in 48-bit integers from the scales and offsets as the network
// states them (AS, BS), not from the PARAM_FILE the core reads.
`default_nettype none

module fv_bnnc_affine_serial #(
    parameter integer N = 3,           // as bnnc_affine_serial
    parameter integer LANES = 2,       // as bnnc_affine_serial
    parameter integer ACC_BITS = 3,    // as bnnc_affine_serial
    parameter integer MODE = 1,        // as bnnc_affine_serial
    parameter integer A_BITS = 3,      // as bnnc_affine_serial
    parameter integer A_SHIFT = 0,     // as bnnc_affine_serial
    parameter integer B_BITS = 3,      // as bnnc_affine_serial
    parameter integer SHIFT = 0,       // as bnnc_affine_serial
    parameter integer OUT_BITS = 6,    // as bnnc_affine_serial
    parameter PARAM_FILE = "",         // as bnnc_affine_serial
    parameter [511:0] AS = 0,          // scale of class n at bits [32n +: 32] (signed; MODE 1)
    parameter [511:0] BS = 0,          // offset of class n at bits [32n +: 32] (signed)
    parameter integer BOUND = 5,       // progress bound (formal/cases.py: the pipeline's depth + 2)
    parameter integer STALL = 3,       // the consumer's longest run of tready low
    parameter integer LATENCY = 0      // the core's latency bound (formal/cases.py: its latency_bound())
) (
    input wire                      clk,
    input wire                      rst_n,
    input wire [LANES*ACC_BITS-1:0] s_axis_tdata,
    input wire                      s_axis_tvalid,
    input wire                      m_axis_tready
);
    localparam integer NB = (N + LANES - 1) / LANES;  // beats per vector in
    wire                s_axis_tready;
    wire [OUT_BITS-1:0] m_axis_tdata;
    wire                m_axis_tvalid;

    bnnc_affine_serial #(.N(N), .LANES(LANES), .ACC_BITS(ACC_BITS), .MODE(MODE), .A_BITS(A_BITS),
                         .A_SHIFT(A_SHIFT), .B_BITS(B_BITS), .SHIFT(SHIFT), .OUT_BITS(OUT_BITS),
                         .PARAM_FILE(PARAM_FILE)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    wire [7:0] in_idx, out_idx, in_pos, out_pos;
    wire f_in, f_out;
    bnnc_fv_stream #(.IN_W(LANES*ACC_BITS), .OUT_W(OUT_BITS), .IN_BEATS(NB), .OUT_BEATS(N), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out));

    reg [NB*LANES*ACC_BITS-1:0] rec;  // the followed vector's accumulators
    reg [NB-1:0] got;                 // which of its beats have arrived
    always @(posedge clk) begin
        if (!rst_n) got <= 0;
        if (f_in) begin
            rec[in_pos*LANES*ACC_BITS +: LANES*ACC_BITS] <= s_axis_tdata;
            got <= (in_pos == 0) ? 1 : (got | (1 << in_pos));
        end
    end

    // the model: class out_pos's score
    reg [ACC_BITS-1:0] acc;
    reg signed [47:0] a, b, s;
    always @(*) begin
        acc = rec[out_pos*ACC_BITS +: ACC_BITS];
        a = {{16{AS[32*out_pos+31]}}, AS[32*out_pos +: 32]};
        b = {{16{BS[32*out_pos+31]}}, BS[32*out_pos +: 32]};
        if (MODE == 1) s = a * $signed({{(48-ACC_BITS){acc[ACC_BITS-1]}}, acc}) + b;
        else s = ($signed({{(48-ACC_BITS){acc[ACC_BITS-1]}}, acc}) <<< A_SHIFT) + b;
        s = s >>> SHIFT;
        if (rst_n && f_out) begin
            arrived: assert (got[out_pos / LANES]);
            score: assert (m_axis_tdata == s[OUT_BITS-1:0]);
        end
    end
endmodule

`default_nettype wire
