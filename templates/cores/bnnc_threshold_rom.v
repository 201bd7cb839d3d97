// bnnc_threshold_rom: lane-wise binarizer with a threshold per element position of a vector.
//
// A vector of N elements arrives as ceil(N/LANES) beats; element e = beat*LANES + lane.
// Output bit of element e = (x_e >= T_e) XOR INV_e, with T_e and INV_e from THR_FILE
// (a negated compare -x >= T is x >= -T+1 inverted, so hardware only compares >=).
// Padding lanes of the last beat of a vector give 0, as the stream contract asks.
// One output beat per input beat; the output is a register stage (full throughput,
// s_axis_tready = !m_axis_tvalid || m_axis_tready: a combinational path from
// m_axis_tready to s_axis_tready, allowed by the contract; no loop).
//
// THR_FILE ($readmemh): ceil(N/LANES) lines; line b holds LANES lanes of TW+1 bits,
// lane i = {INV, T} of element b*LANES + i (T two's complement in the low TW bits).
`default_nettype none

module bnnc_threshold_rom #(
    parameter integer LANES = 4,      // lanes per beat (>= 1)
    parameter integer IN_BITS = 8,    // input lane width (>= 1; >= 2 when signed)
    parameter integer IN_SIGNED = 1,  // input lanes are two's complement (1) or unsigned (0)
    parameter integer N = 8,          // elements per vector (>= 1); the threshold pattern repeats per vector
    parameter integer TW = 10,        // threshold width in bits (two's complement, >= 2)
    parameter THR_FILE = "",          // $readmemh file of the thresholds (see above)
    // ROM mapping for synthesis (the compiler's memory plan, compiler/cores/rom.py), as a rom_style
    // attribute: 0 the tool's choice, 2 distributed (LUT RAM; Vivado only), 3 logic. 1 (block RAM) is
    // illegal: the ROM is read in the cycle its beat arrives (no read register), and block RAM is not.
    parameter integer ROM_STYLE = 0   // 0 tool, 2 distributed, 3 logic
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
    ,  // formal only (templates/cores/formal/fv_bnnc_threshold_rom.sv): the state k-induction relates to the streams
    output wire [7:0]               fv_beat         // the next input beat's index within its vector
`endif
);
    localparam integer NB = (N + LANES - 1) / LANES;      // beats per vector
    localparam integer LAST = N - (NB - 1) * LANES;       // real lanes in a vector's last beat
    localparam integer LW = TW + 1;                       // ROM lane: {INV, T}
    localparam integer CW = ((IN_BITS + 1 > TW) ? IN_BITS + 1 : TW) + 1;  // compare width: both fit, signed
    localparam integer IW = (NB > 1) ? $clog2(NB) : 1;
    localparam [31:0] LAST_BEAT32 = NB - 1;
    localparam [IW-1:0] LAST_BEAT = LAST_BEAT32[IW-1:0];

    generate
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_threshold_rom_lanes_must_be_positive u_err ();
        end
        if (IN_BITS < 1 || (IN_SIGNED == 1 && IN_BITS < 2)) begin : g_bad_in_bits
            bnnc_param_error_threshold_rom_in_bits_too_small u_err ();
        end
        if (IN_SIGNED != 0 && IN_SIGNED != 1) begin : g_bad_in_signed
            bnnc_param_error_threshold_rom_in_signed_must_be_0_or_1 u_err ();
        end
        if (N < 1) begin : g_bad_n
            bnnc_param_error_threshold_rom_n_must_be_positive u_err ();
        end
        if (TW < 2) begin : g_bad_tw
            bnnc_param_error_threshold_rom_tw_must_be_at_least_2 u_err ();
        end
        if (ROM_STYLE < 0 || ROM_STYLE > 3) begin : g_bad_rom_style
            bnnc_param_error_threshold_rom_rom_style_must_be_0_to_3 u_err ();
        end
        if (ROM_STYLE == 1) begin : g_bad_rom_style_block
            bnnc_param_error_threshold_rom_rom_style_block_needs_a_registered_read u_err ();
        end
    endgenerate

    reg  [IW-1:0]      beat;     // beat index within the vector
    wire [LANES*LW-1:0] rom_q;  // the word of beat `beat`, read without a register
    bnnc_rom #(
        .WIDTH(LANES * LW),
        .DEPTH(NB),
        .ADDR_BITS(IW),
        .FILE(THR_FILE),
        .STYLE(ROM_STYLE),
        .REGISTERED(0)
    ) u_rom (
        .clk(clk),
        .en(1'b0),
        .addr(beat),
        .q(rom_q)
    );

    wire               take = s_axis_tvalid && s_axis_tready;
    wire [LANES*LW-1:0] word = rom_q;
    wire               last_beat = (beat == LAST_BEAT);
    wire [LANES-1:0]   bits_now;

    genvar i;
    generate
        for (i = 0; i < LANES; i = i + 1) begin : g_lane
            wire [IN_BITS-1:0] xi = s_axis_tdata[i*IN_BITS +: IN_BITS];
            wire [CW-1:0] x_ext;
            if (IN_SIGNED != 0) begin : g_sext
                assign x_ext = {{(CW - IN_BITS){xi[IN_BITS-1]}}, xi};
            end else begin : g_zext
                assign x_ext = {{(CW - IN_BITS){1'b0}}, xi};
            end
            wire [TW-1:0] ti = word[i*LW +: TW];
            wire          inv = word[i*LW + TW];
            wire [CW-1:0] t_ext = {{(CW - TW){ti[TW-1]}}, ti};
            wire          real_lane = !last_beat || (i < LAST);
            assign bits_now[i] = real_lane && ((($signed(x_ext) >= $signed(t_ext)) ? 1'b1 : 1'b0) ^ inv);
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
        end else begin
            if (s_axis_tready) begin
                out_valid <= s_axis_tvalid;
                if (s_axis_tvalid) begin
                    out_bits <= bits_now;
                end
            end
            if (take) begin
                beat <= last_beat ? {IW{1'b0}} : beat + 1'b1;
            end
        end
    end
`ifdef FORMAL
    assign fv_beat = {{(8 - IW){1'b0}}, beat};  // its range is a lemma of the wrapper's (bnnc_fv_one_beat)
`endif
endmodule

`default_nettype wire
