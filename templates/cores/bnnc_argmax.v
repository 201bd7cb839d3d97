// bnnc_argmax: index of the largest of NUM_CLASSES signed scores.
//
// Consumes one vector of NUM_CLASSES scores as ceil(NUM_CLASSES/LANES) beats
// of LANES signed IN_BITS lanes (lanes past NUM_CLASSES in the last beat are
// ignored) and emits one beat whose tdata is the class index. Ties go to the
// lowest index (numpy's argmax). Each beat is reduced in the cycle it arrives
// (within a beat the scan keeps the earlier lane on equal scores; across beats
// a later beat only wins when strictly greater). Non-final beats are always
// accepted; the final beat of a vector waits for room in the output register
// (s_axis_tready then depends combinationally on m_axis_tready; no loop).
`default_nettype none

module bnnc_argmax #(
    parameter integer NUM_CLASSES = 10,  // scores per vector (>= 1)
    parameter integer LANES = 1,         // scores per input beat (>= 1)
    parameter integer IN_BITS = 16       // signed score width (>= 2)
) (
    input  wire                                         clk,            // clock
    input  wire                                         rst_n,          // synchronous active-low reset
    input  wire [LANES*IN_BITS-1:0]                     s_axis_tdata,   // score lanes (two's complement)
    input  wire                                         s_axis_tvalid,  // input beat valid
    output wire                                         s_axis_tready,  // unit takes an input beat
    output wire [((NUM_CLASSES > 1) ? $clog2(NUM_CLASSES) : 1)-1:0] m_axis_tdata,  // class index
    output wire                                         m_axis_tvalid,  // output beat valid
    input  wire                                         m_axis_tready   // consumer takes the output beat
);
    generate
        if (NUM_CLASSES < 1) begin : g_bad_classes
            bnnc_param_error_argmax_num_classes_must_be_positive u_err ();
        end
        if (LANES < 1) begin : g_bad_lanes
            bnnc_param_error_argmax_lanes_must_be_positive u_err ();
        end
        if (IN_BITS < 2) begin : g_bad_in_bits
            bnnc_param_error_argmax_in_bits_must_be_at_least_2 u_err ();
        end
    endgenerate

    localparam integer IDX_BITS = (NUM_CLASSES > 1) ? $clog2(NUM_CLASSES) : 1;  // index width
    localparam integer LANES_C = (LANES > 0) ? LANES : 1;
    localparam integer BEATS = (NUM_CLASSES + LANES_C - 1) / LANES_C;          // beats per vector
    localparam integer BT_W = (BEATS > 1) ? $clog2(BEATS) : 1;                 // beat counter width
    localparam integer LAST_LANES = NUM_CLASSES - (BEATS - 1) * LANES_C;       // valid lanes in the last beat
    localparam integer LN_W = (LANES_C > 1) ? $clog2(LANES_C) : 1;             // lane index width
    localparam integer BEATS_LAST_I = BEATS - 1;
    localparam [BT_W-1:0] BEAT_LAST = BEATS_LAST_I[BT_W-1:0];
    // Index arithmetic width: holds beat*LANES + lane for every class.
    localparam integer IX_W = (IDX_BITS > LN_W) ? IDX_BITS + 1 : LN_W + 1;

    reg  [BT_W-1:0]    beat;       // beat of the vector being received
    reg  [IN_BITS-1:0] best_val;   // best score so far (earlier beats)
    reg  [IX_W-1:0]    best_idx;   // its class index
    reg  [IX_W-1:0]    beat_base;  // beat * LANES
    reg  [IDX_BITS-1:0] out_idx;
    reg                out_valid;

    wire last_beat = (beat == BEAT_LAST);
    wire first_beat = (beat == {BT_W{1'b0}});
    wire in_fire = s_axis_tvalid && s_axis_tready;

    assign s_axis_tready = !last_beat || !out_valid || m_axis_tready;
    assign m_axis_tdata = out_idx;
    assign m_axis_tvalid = out_valid;

    // Best lane of this beat: scan upward, replace only on strictly greater.
    // Lane 0 always exists; lanes >= LAST_LANES are skipped in the last beat.
    reg [IN_BITS-1:0] lane_val;
    reg [LN_W-1:0]    lane_idx;
    integer k;
    always @* begin
        lane_val = s_axis_tdata[IN_BITS-1:0];
        lane_idx = {LN_W{1'b0}};
        for (k = 1; k < LANES_C; k = k + 1) begin
            if ((!last_beat || k < LAST_LANES)
                    && $signed(s_axis_tdata[k*IN_BITS +: IN_BITS]) > $signed(lane_val)) begin
                lane_val = s_axis_tdata[k*IN_BITS +: IN_BITS];
                lane_idx = k[LN_W-1:0];
            end
        end
    end

    wire [IX_W-1:0] lane_abs = beat_base + {{(IX_W - LN_W){1'b0}}, lane_idx};
    wire take_beat = first_beat || ($signed(lane_val) > $signed(best_val));
    wire [IN_BITS-1:0] new_val = take_beat ? lane_val : best_val;
    wire [IX_W-1:0] new_idx = take_beat ? lane_abs : best_idx;

    localparam [IX_W-1:0] LANES_W = LANES_C[IX_W-1:0];

    always @(posedge clk) begin
        if (!rst_n) begin
            beat <= {BT_W{1'b0}};
            beat_base <= {IX_W{1'b0}};
            out_valid <= 1'b0;
            out_idx <= {IDX_BITS{1'b0}};
            best_val <= {IN_BITS{1'b0}};
            best_idx <= {IX_W{1'b0}};
        end else begin
            if (m_axis_tready) begin
                out_valid <= 1'b0;
            end
            if (in_fire) begin
                best_val <= new_val;
                best_idx <= new_idx;
                if (last_beat) begin
                    beat <= {BT_W{1'b0}};
                    beat_base <= {IX_W{1'b0}};
                    out_idx <= new_idx[IDX_BITS-1:0];
                    out_valid <= 1'b1;
                end else begin
                    beat <= beat + 1'b1;
                    beat_base <= beat_base + LANES_W;
                end
            end
        end
    end
endmodule

`default_nettype wire
