// fv_bnnc_swu: bnnc_swu's formal wrapper. The stream properties with one image per image
// (IFM_H*IFM_W*CH/LANES beats in, OH*OW*K_H*K_W*CH/LANES out), and its data property on the
// followed image: output beat b is window (oy, ox)'s element beat (ky, kx, channel beat), each
// element the input pixel (oy*STRIDE - PAD + ky, ox*STRIDE - PAD + kx)'s, arrived before it
// leaves, or PAD_VAL where that pixel lies in the padding.
`default_nettype none

module fv_bnnc_swu #(
    parameter integer IFM_H = 3,     // as bnnc_swu
    parameter integer IFM_W = 3,     // as bnnc_swu
    parameter integer CH = 1,        // as bnnc_swu
    parameter integer K_H = 2,       // as bnnc_swu
    parameter integer K_W = 2,       // as bnnc_swu
    parameter integer STRIDE = 1,    // as bnnc_swu
    parameter integer PAD = 0,       // as bnnc_swu
    parameter integer EW = 1,        // as bnnc_swu
    parameter [63:0] PAD_VAL = 0,    // as bnnc_swu
    parameter integer LANES = 1,     // as bnnc_swu
    parameter integer ROW_PIPE = 1,  // as bnnc_swu
    parameter integer BOUND = 12,    // progress bound (formal/cases.py)
    parameter integer STALL = 3      // the consumer's longest run of tready low
) (
    input wire                  clk,
    input wire                  rst_n,
    input wire [LANES*EW-1:0]   s_axis_tdata,
    input wire                  s_axis_tvalid,
    input wire                  m_axis_tready
);
    localparam integer OH = (IFM_H + 2*PAD - K_H) / STRIDE + 1;
    localparam integer OW = (IFM_W + 2*PAD - K_W) / STRIDE + 1;
    localparam integer CPB = CH / LANES;                        // beats per pixel
    localparam integer WB = K_H * K_W * CPB;                    // beats per window
    localparam integer NPIX = IFM_H * IFM_W;
    wire                s_axis_tready;
    wire [LANES*EW-1:0] m_axis_tdata;
    wire                m_axis_tvalid;

    bnnc_swu #(.IFM_H(IFM_H), .IFM_W(IFM_W), .CH(CH), .K_H(K_H), .K_W(K_W), .STRIDE(STRIDE), .PAD(PAD), .EW(EW),
               .PAD_VAL(PAD_VAL), .LANES(LANES), .ROW_PIPE(ROW_PIPE)) dut (
        .clk(clk), .rst_n(rst_n),
        .s_axis_tdata(s_axis_tdata), .s_axis_tvalid(s_axis_tvalid), .s_axis_tready(s_axis_tready),
        .m_axis_tdata(m_axis_tdata), .m_axis_tvalid(m_axis_tvalid), .m_axis_tready(m_axis_tready));

    wire [7:0] in_idx, out_idx, in_pos, out_pos;
    wire f_in, f_out;
    bnnc_fv_stream #(.IN_W(LANES*EW), .OUT_W(LANES*EW), .IN_BEATS(NPIX*CPB), .OUT_BEATS(OH*OW*WB), .BOUND(BOUND),
                     .STALL(STALL), .CW(8))
    streams (.clk(clk), .rst_n(rst_n),
        .s_tdata(s_axis_tdata), .s_tvalid(s_axis_tvalid), .s_tready(s_axis_tready),
        .m_tdata(m_axis_tdata), .m_tvalid(m_axis_tvalid), .m_tready(m_axis_tready),
        .in_idx(in_idx), .out_idx(out_idx), .in_pos(in_pos), .out_pos(out_pos), .f_in(f_in), .f_out(f_out));

    reg [NPIX*CPB*LANES*EW-1:0] rec;  // the followed image, beat by beat
    reg [NPIX*CPB-1:0] got;           // which of its beats have arrived
    always @(posedge clk) begin
        if (!rst_n) got <= 0;
        if (f_in) begin
            rec[in_pos*LANES*EW +: LANES*EW] <= s_axis_tdata;
            got <= (in_pos == 0) ? 1 : (got | ({{(NPIX*CPB-1){1'b0}}, 1'b1} << in_pos));
        end
    end

    // the model: which input beat (or padding) output beat out_pos shows
    integer pix, rem, ky, kx, cb, oy, ox, iy, ix, src;
    reg inside;
    always @(*) begin
        pix = out_pos / WB;
        rem = out_pos % WB;
        ky = rem / (K_W * CPB);
        kx = (rem / CPB) % K_W;
        cb = rem % CPB;
        oy = pix / OW;
        ox = pix % OW;
        iy = oy * STRIDE - PAD + ky;
        ix = ox * STRIDE - PAD + kx;
        inside = iy >= 0 && iy < IFM_H && ix >= 0 && ix < IFM_W;
        src = (iy * IFM_W + ix) * CPB + cb;
        if (rst_n && f_out) begin
            if (inside) begin
                arrived: assert (got[src]);
                window: assert (m_axis_tdata == rec[src*LANES*EW +: LANES*EW]);
            end else begin
                padding: assert (m_axis_tdata == {LANES{PAD_VAL[EW-1:0]}});
            end
        end
    end
endmodule

`default_nettype wire
