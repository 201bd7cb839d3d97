// bnnc_pool_reduce: the reduction half of a max-pool (after bnnc_swu), on bits or on few-bit codes.
//
// Input: per output pixel, WIN*CH elements of EW bits in (position, channel)
// order, LANES per beat: WIN*CH/LANES beats, beat p*CPB + b holding channels
// [b*LANES, (b+1)*LANES) of window position p (CPB = CH/LANES), lane l at
// bits [l*EW +: EW]. This is bnnc_swu's output with K_H*K_W = WIN and the
// same EW.
// Output: per output pixel, CH elements, LANES per beat (CPB beats):
// * EW = 1: channel c is the AND of its WIN input bits where AND_MASK[c] is
//   1, else the OR. (On bipolar bits, +1 = 1: OR is the max, AND the min.)
//   SIGNED is not read.
// * EW >= 2: each element is an EW-bit integer code, two's complement when
//   SIGNED = 1, else unsigned; channel c is the min of its WIN codes where
//   AND_MASK[c] is 1, else the max (one EW-bit compare per lane).
//
// Throughput: one input beat per cycle; output beat b of a pixel leaves
// with (one cycle after) input beat (WIN-1)*CPB + b, so a pixel takes
// WIN*CPB cycles when the input is always valid and the output always ready.
// Latency: an output beat is valid the cycle after the last input beat that
// completes it. State: one CH*EW-bit accumulator (CPB words of LANES*EW bits).
// s_axis_tready is 1 except on a last-position beat while the output register
// holds a beat the consumer does not take (combinational from m_axis_tready
// on those beats, like bnnc_threshold). m_axis_* are registers.
//
// Parameter errors: bnnc_param_error_pool_reduce_<what> (see the generate block).
`default_nettype none

module bnnc_pool_reduce #(
    parameter integer CH = 8,     // channels per output pixel (>= 1)
    parameter integer WIN = 4,    // window positions per output pixel, e.g. k*k (>= 1)
    parameter integer LANES = 4,  // bits per beat, input and output (>= 1, divides CH)
    parameter [((CH > 0) ? CH : 1)-1:0] AND_MASK = {((CH > 0) ? CH : 1){1'b0}},  // bit c: 1 = AND (min) over the window, 0 = OR (max)
    parameter integer EW = 1,     // element width in bits (>= 1): 1 = bits (OR / AND), >= 2 = codes (max / min)
    parameter integer SIGNED = 0  // EW >= 2: 1 = two's-complement codes, 0 = unsigned codes (0 or 1)
) (
    input  wire                clk,            // clock
    input  wire                rst_n,          // synchronous active-low reset
    input  wire [LANES*EW-1:0] s_axis_tdata,   // input elements (channels of one window position)
    input  wire                s_axis_tvalid,  // input beat valid
    output wire                s_axis_tready,  // unit takes an input beat
    output wire [LANES*EW-1:0] m_axis_tdata,   // output elements (channels of one output pixel), registered
    output wire                m_axis_tvalid,  // output beat valid, registered
    input  wire                m_axis_tready   // consumer takes the output beat
`ifdef FORMAL
    ,  // formal only (templates/cores/formal/fv_bnnc_pool_reduce.sv): the state k-induction relates to the streams
    output wire [7:0]          fv_pos,         // the next input beat's window position
    output wire [7:0]          fv_cb,          // ... and its channel beat
    output wire [CH*EW-1:0]    fv_acc          // the running reductions, channel beat c at [c*LANES*EW +: LANES*EW]
`endif
);
    // ------------------------------------------------------------------
    // Parameter checks (elaboration fails on an unknown module name).
    // ------------------------------------------------------------------
    generate
        if (CH < 1) begin : g_bad_ch
            bnnc_param_error_pool_reduce_ch_must_be_positive u_err ();
        end
        if (WIN < 1) begin : g_bad_win
            bnnc_param_error_pool_reduce_win_must_be_positive u_err ();
        end
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_pool_reduce_lanes_must_be_positive u_err ();
        end
        if (CH >= 1 && LANES >= 1 && CH % LANES != 0) begin : g_bad_lanes_div
            bnnc_param_error_pool_reduce_lanes_must_divide_ch u_err ();
        end
        if (EW < 1) begin : g_bad_ew
            bnnc_param_error_pool_reduce_ew_must_be_positive u_err ();
        end
        if (SIGNED != 0 && SIGNED != 1) begin : g_bad_signed
            bnnc_param_error_pool_reduce_signed_must_be_0_or_1 u_err ();
        end
    endgenerate

    localparam integer G_LANES = (LANES >= 1) ? LANES : 1;
    localparam integer G_EW = (EW >= 1) ? EW : 1;
    localparam integer BW = G_LANES * G_EW;                   // bits per beat
    localparam integer G_CH = (CH >= 1) ? CH : 1;
    localparam integer CPB = (CH >= 1 && LANES >= 1 && CH % LANES == 0) ? CH / LANES : 1;  // beats per position
    localparam integer G_WIN = (WIN >= 1) ? WIN : 1;
    localparam integer B_W = (CPB > 1) ? $clog2(CPB) : 1;     // channel beat counter width
    localparam integer P_W = (G_WIN > 1) ? $clog2(G_WIN) : 1; // position counter width
    localparam integer CPB_LAST_I = CPB - 1;
    localparam integer WIN_LAST_I = G_WIN - 1;
    localparam [B_W-1:0] B_LAST = CPB_LAST_I[B_W-1:0];
    localparam [P_W-1:0] P_LAST = WIN_LAST_I[P_W-1:0];

    reg [B_W-1:0] cb;                        // channel beat within the position
    reg [P_W-1:0] pos;                       // window position
    reg [BW-1:0] acc [0:CPB-1];              // running reduction of positions 0..pos-1
    reg [BW-1:0] out_data;
    reg out_valid;

    // AND_MASK lanes of each channel beat.
    wire [G_LANES-1:0] mask_of [0:CPB-1];
    genvar g;
    generate
        for (g = 0; g < CPB; g = g + 1) begin : g_mask
            if ((g + 1) * G_LANES <= G_CH) begin : g_in_range
                assign mask_of[g] = AND_MASK[g * G_LANES +: G_LANES];
            end else begin : g_out_of_range
                assign mask_of[g] = {G_LANES{1'b0}};   // only for illegal LANES (error above)
            end
        end
    endgenerate

    wire last_pos = (pos == P_LAST);
    wire [G_LANES-1:0] mask = mask_of[cb];
    wire [BW-1:0] prev = acc[cb];
    wire [BW-1:0] x = s_axis_tdata;
    wire [BW-1:0] reduced;                   // x reduced into prev
    generate
        if (G_EW == 1) begin : g_bits
            // bits: AND (mask 1) or OR (mask 0)
            assign reduced = (mask & prev & x) | (~mask & (prev | x));
        end else begin : g_codes
            // codes: one compare per lane; flipping the sign bit turns two's-complement order into unsigned order
            localparam [G_EW-1:0] FLIP = {(SIGNED != 0), {(G_EW - 1){1'b0}}};
            for (g = 0; g < G_LANES; g = g + 1) begin : g_lane
                wire [G_EW-1:0] xl = x[g * G_EW +: G_EW];
                wire [G_EW-1:0] pl = prev[g * G_EW +: G_EW];
                wire x_gt = (xl ^ FLIP) > (pl ^ FLIP);
                // max (mask 0): x where x > prev; min (mask 1): x where x <= prev (ties give the same code)
                assign reduced[g * G_EW +: G_EW] = (mask[g] ? !x_gt : x_gt) ? xl : pl;
            end
        end
    endgenerate
    // Position 0 starts the reduction; later positions reduce into it.
    wire [BW-1:0] comb = (pos == {P_W{1'b0}}) ? x : reduced;

    assign s_axis_tready = !last_pos || !out_valid || m_axis_tready;
    wire in_fire = s_axis_tvalid && s_axis_tready;
    assign m_axis_tdata = out_data;
    assign m_axis_tvalid = out_valid;

    always @(posedge clk) begin
        if (in_fire && !last_pos) begin
            acc[cb] <= comb;
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            cb <= {B_W{1'b0}};
            pos <= {P_W{1'b0}};
            out_data <= {BW{1'b0}};
            out_valid <= 1'b0;
        end else begin
            if (in_fire) begin
                if (cb == B_LAST) begin
                    cb <= {B_W{1'b0}};
                    pos <= last_pos ? {P_W{1'b0}} : pos + 1'b1;
                end else begin
                    cb <= cb + 1'b1;
                end
            end
            if (in_fire && last_pos) begin
                out_data <= comb;
                out_valid <= 1'b1;
            end else if (m_axis_tready) begin
                out_valid <= 1'b0;
            end
        end
    end
`ifdef FORMAL
    assign fv_pos = {{(8 - P_W){1'b0}}, pos};
    assign fv_cb = {{(8 - B_W){1'b0}}, cb};
    genvar f;
    for (f = 0; f < CPB; f = f + 1) begin : g_fv_acc
        assign fv_acc[f*BW +: BW] = acc[f];
    end
`ifndef BNNC_FV_NO_LEMMAS
    // lemma for k-induction: the counters stay within the window once a reset has passed
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) begin
        if (f_past_valid) f_counters: assert (cb <= B_LAST && pos <= P_LAST);
    end
`endif
`endif
endmodule

`default_nettype wire
