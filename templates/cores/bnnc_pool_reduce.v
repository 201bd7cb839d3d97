// bnnc_pool_reduce: the reduction half of a bit max-pool (after bnnc_swu).
//
// Input: per output pixel, WIN*CH 1-bit elements in (position, channel)
// order, LANES per beat: WIN*CH/LANES beats, beat p*CPB + b holding channels
// [b*LANES, (b+1)*LANES) of window position p (CPB = CH/LANES). This is
// bnnc_swu's output with K_H*K_W = WIN and EW = 1.
// Output: per output pixel, CH bits, LANES per beat (CPB beats): channel c is
// the AND of its WIN input bits where AND_MASK[c] is 1, else the OR. (On
// bipolar bits, +1 = 1: OR is the max, AND the min.)
//
// Throughput: one input beat per cycle; output beat b of a pixel leaves
// with (one cycle after) input beat (WIN-1)*CPB + b, so a pixel takes
// WIN*CPB cycles when the input is always valid and the output always ready.
// Latency: an output beat is valid the cycle after the last input beat that
// completes it. State: one CH-bit accumulator (CPB words of LANES bits).
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
    parameter [((CH > 0) ? CH : 1)-1:0] AND_MASK = {((CH > 0) ? CH : 1){1'b0}}  // bit c: 1 = AND over the window, 0 = OR
) (
    input  wire             clk,            // clock
    input  wire             rst_n,          // synchronous active-low reset
    input  wire [LANES-1:0] s_axis_tdata,   // input bits (channels of one window position)
    input  wire             s_axis_tvalid,  // input beat valid
    output wire             s_axis_tready,  // unit takes an input beat
    output wire [LANES-1:0] m_axis_tdata,   // output bits (channels of one output pixel), registered
    output wire             m_axis_tvalid,  // output beat valid, registered
    input  wire             m_axis_tready   // consumer takes the output beat
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
    endgenerate

    localparam integer G_LANES = (LANES >= 1) ? LANES : 1;
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
    reg [G_LANES-1:0] acc [0:CPB-1];         // running AND/OR of positions 0..pos-1
    reg [G_LANES-1:0] out_data;
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
    wire [G_LANES-1:0] prev = acc[cb];
    wire [G_LANES-1:0] x = s_axis_tdata;
    // Position 0 starts the reduction; later positions AND (mask 1) or OR (mask 0) into it.
    wire [G_LANES-1:0] comb = (pos == {P_W{1'b0}}) ? x : ((mask & prev & x) | (~mask & (prev | x)));

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
            out_data <= {G_LANES{1'b0}};
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
endmodule

`default_nettype wire
