// fv_bnnc_mvtu: bnnc_mvtu's formal wrapper. The stream properties with one vector per image
// (ceil(MW/SIMD) beats in, ceil(MH/PE) out), and, in the raw-accumulator mode (OUT_MODE 1), its
// data property on the followed vector: lane p of output beat f is neuron n = f*PE + p's dot product
// of the vector with its weights, computed here from the weights as the network states them (WS),
// not from the ROM file the core reads:
//   binary input, 1-bit weights: popcount(xnor(x, w_n)) over the MW inputs;
//   otherwise sum_i xv_i * wv_i (xv: +-1 or the integer lane; wv: +-1 or the signed code),
// cut to OUT_BITS; padding neurons (n >= MH) give 0. In the other modes (thresholds, affine) the
// wrapper checks the stream properties only: their output stages are the same compare and multiply
// that fv_bnnc_threshold_rom, fv_bnnc_multithreshold and fv_bnnc_affine_serial prove.
`default_nettype none

module fv_bnnc_mvtu #(
    parameter integer MW = 5,            // as bnnc_mvtu
    parameter integer MH = 3,            // as bnnc_mvtu
    parameter integer PE = 2,            // as bnnc_mvtu
    parameter integer SIMD = 2,          // as bnnc_mvtu
    parameter integer BINARY_IN = 1,     // as bnnc_mvtu
    parameter integer IN_BITS = 8,       // as bnnc_mvtu
    parameter integer IN_SIGNED = 0,     // as bnnc_mvtu
    parameter integer OUT_MODE = 1,      // as bnnc_mvtu
    parameter integer ACC_BITS = 4,      // as bnnc_mvtu
    parameter integer OUT_BITS = 4,      // as bnnc_mvtu
    parameter integer AFF_BITS = 16,     // as bnnc_mvtu
    parameter integer WEIGHT_BITS = 1,   // as bnnc_mvtu
    parameter integer N_THR = 1,         // as bnnc_mvtu
    parameter integer OUT_BIAS = 0,      // as bnnc_mvtu
    parameter WEIGHT_FILE = "",          // as bnnc_mvtu
    parameter PARAM_FILE = "",           // as bnnc_mvtu
    parameter integer BIT_PLANES = 0,    // as bnnc_mvtu
    parameter [255:0] WS = 0,            // weight of neuron n, input i at bits [4*(n*MW + i) +: 4]: the +-1 bit
                                         // (1 = +1) or the signed code
    parameter integer BOUND = 16,        // progress bound (formal/cases.py: SF + the pipeline's depth)
    parameter integer STALL = 3,         // the consumer's longest run of tready low
    parameter integer LATENCY = 0         // the core's latency bound (formal/cases.py: its latency_bound())
) (
    input wire                                            clk,
    input wire                                            rst_n,
    input wire [SIMD*((BINARY_IN != 0) ? 1 : IN_BITS)-1:0] s_axis_tdata,
    input wire                                            s_axis_tvalid,
    input wire                                            m_axis_tready
);
    localparam integer XW = (BINARY_IN != 0) ? 1 : IN_BITS;      // input lane width
    localparam integer LW = (OUT_MODE == 0) ? 1 : OUT_BITS;      // output lane width
    localparam integer SF = (MW + SIMD - 1) / SIMD;
    localparam integer NF = (MH + PE - 1) / PE;
    wire               s_axis_tready;
    wire [PE*LW-1:0]   m_axis_tdata;
    wire               m_axis_tvalid;

    bnnc_mvtu #(.MW(MW), .MH(MH), .PE(PE), .SIMD(SIMD), .BINARY_IN(BINARY_IN), .IN_BITS(IN_BITS),
                .IN_SIGNED(IN_SIGNED), .OUT_MODE(OUT_MODE), .ACC_BITS(ACC_BITS), .OUT_BITS(OUT_BITS),
                .AFF_BITS(AFF_BITS), .WEIGHT_BITS(WEIGHT_BITS), .N_THR(N_THR), .OUT_BIAS(OUT_BIAS),
                .WEIGHT_FILE(WEIGHT_FILE), .PARAM_FILE(PARAM_FILE), .BIT_PLANES(BIT_PLANES)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    wire [7:0] in_idx, out_idx, in_pos, out_pos;
    wire f_in, f_out;
    bnnc_fv_stream #(.IN_W(SIMD*XW), .OUT_W(PE*LW), .IN_BEATS(SF), .OUT_BEATS(NF), .BOUND(BOUND),
                     .STALL(STALL), .CW(8), .LATENCY(LATENCY))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out));

    reg [SF*SIMD*XW-1:0] rec;  // the followed vector
    always @(posedge clk) begin
        if (f_in) rec[in_pos*SIMD*XW +: SIMD*XW] <= s_axis_tdata;
    end

    // the model (OUT_MODE 1): each lane's dot product, in 32-bit integers
    reg [PE*LW-1:0] expect_beat;
    reg [XW-1:0] x;
    reg [3:0] wc;
    integer xv, wv, acc, p, n, i;
    always @(*) begin
        for (p = 0; p < PE; p = p + 1) begin
            n = out_pos * PE + p;
            acc = 0;
            for (i = 0; i < MW; i = i + 1) begin
                x = rec[i*XW +: XW];
                wc = WS[4*(n*MW + i) +: 4];
                if (BINARY_IN != 0) xv = x[0] ? 1 : -1;
                else if (IN_SIGNED != 0) xv = $signed({{(32-XW){x[XW-1]}}, x});
                else xv = x;
                if (WEIGHT_BITS == 1) wv = wc[0] ? 1 : -1;
                else wv = $signed({{28{wc[3]}}, wc});
                if (BINARY_IN != 0 && WEIGHT_BITS == 1) acc = acc + ((xv == wv) ? 1 : 0);
                else acc = acc + xv * wv;
            end
            expect_beat[p*LW +: LW] = (n < MH) ? acc[LW-1:0] : 0;
        end
        if (rst_n && f_out && OUT_MODE == 1) begin
            dot: assert (m_axis_tdata == expect_beat);
        end
    end
endmodule

`default_nettype wire
