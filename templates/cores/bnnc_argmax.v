// bnnc_argmax: index of the largest of NUM_CLASSES signed scores.
//
// Consumes one vector of NUM_CLASSES scores as ceil(NUM_CLASSES/LANES) beats
// of LANES signed IN_BITS lanes (lanes past NUM_CLASSES in the last beat are
// ignored) and emits one beat whose tdata is the class index. Ties go to the
// lowest index (numpy's argmax).
//
// Pipeline (so that no path holds more than one IN_BITS comparison): the
// lanes of a beat are reduced by a pairwise tree of LEVELS = clog2(LANES)
// levels, a register after each level; within a pair the higher lane wins
// only when strictly greater, so the lowest index survives a tie. The beat's
// winner then meets the best of the earlier beats in one more compare (a
// later beat wins only when strictly greater), and the last beat of a vector
// writes the output register. A vector's index leaves LEVELS + 1 cycles after
// its last beat; one beat is accepted per cycle.
//
// Handshake: the whole pipeline advances when the output register is free or
// being read (adv = !m_axis_tvalid || m_axis_tready); s_axis_tready = adv,
// so s_axis_tready depends combinationally on m_axis_tready (no loop).
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
    localparam integer LEVELS = (LANES_C > 1) ? $clog2(LANES_C) : 0;           // registered tree levels
    localparam integer BEATS_LAST_I = BEATS - 1;
    localparam [BT_W-1:0] BEAT_LAST = BEATS_LAST_I[BT_W-1:0];
    // Index arithmetic width: holds beat*LANES + lane for every class.
    localparam integer IX_W = (IDX_BITS > LN_W) ? IDX_BITS + 1 : LN_W + 1;
    localparam [IX_W-1:0] LANES_W = LANES_C[IX_W-1:0];
    localparam integer VW = LANES_C * IN_BITS;  // one level's candidate values
    localparam integer NW = LANES_C * LN_W;     // one level's candidate lane indices

    reg  [BT_W-1:0] beat;       // beat of the vector being received
    reg  [IX_W-1:0] beat_base;  // beat * LANES
    reg  [IDX_BITS-1:0] out_idx;
    reg             out_valid;

    wire adv = !out_valid || m_axis_tready;
    wire last_beat = (beat == BEAT_LAST);
    wire in_fire = s_axis_tvalid && adv;

    assign s_axis_tready = adv;
    assign m_axis_tdata = out_idx;
    assign m_axis_tvalid = out_valid;

    always @(posedge clk) begin
        if (!rst_n) begin
            beat <= {BT_W{1'b0}};
            beat_base <= {IX_W{1'b0}};
        end else if (in_fire) begin
            if (last_beat) begin
                beat <= {BT_W{1'b0}};
                beat_base <= {IX_W{1'b0}};
            end else begin
                beat <= beat + 1'b1;
                beat_base <= beat_base + LANES_W;
            end
        end
    end

    // Candidates of every level, flattened: level l holds ceil(LANES / 2**l)
    // candidates (value, lane index, valid) at offsets l*VW, l*NW, l*LANES;
    // slots past that count are 0 and unread. Level 0 is the input beat.
    /* verilator lint_off UNUSEDSIGNAL */
    wire [(LEVELS+1)*VW-1:0]      cval;
    wire [(LEVELS+1)*NW-1:0]      cidx;
    wire [(LEVELS+1)*LANES_C-1:0] cok;
    /* verilator lint_on UNUSEDSIGNAL */
    // Beat tags of every level: valid, first and last beat of a vector, beat * LANES.
    wire [LEVELS:0]               tv;
    wire [LEVELS:0]               tfirst;
    wire [LEVELS:0]               tlast;
    wire [(LEVELS+1)*IX_W-1:0]    tbase;

    assign cval[VW-1:0] = s_axis_tdata;
    assign tv[0] = in_fire;
    assign tfirst[0] = (beat == {BT_W{1'b0}});
    assign tlast[0] = last_beat;
    assign tbase[IX_W-1:0] = beat_base;

    genvar l, k;
    generate
        for (k = 0; k < LANES_C; k = k + 1) begin : g_in
            assign cidx[k*LN_W +: LN_W] = k[LN_W-1:0];
            // lanes past NUM_CLASSES in the last beat never win
            assign cok[k] = !last_beat || (k < LAST_LANES);
        end

        for (l = 1; l <= LEVELS; l = l + 1) begin : g_lvl
            localparam integer NPREV = (LANES_C + (1 << (l - 1)) - 1) >> (l - 1);  // candidates at level l-1
            localparam integer NHERE = (LANES_C + (1 << l) - 1) >> l;              // candidates at level l
            wire [VW-1:0]      nval;
            wire [NW-1:0]      nidx;
            wire [LANES_C-1:0] nok;
            reg  [VW-1:0]      rval;
            reg  [NW-1:0]      ridx;
            reg  [LANES_C-1:0] rok;
            reg                rv;
            reg                rfirst;
            reg                rlast;
            reg  [IX_W-1:0]    rbase;
            for (k = 0; k < LANES_C; k = k + 1) begin : g_pair
                if (k >= NHERE) begin : g_unused
                    assign nval[k*IN_BITS +: IN_BITS] = {IN_BITS{1'b0}};
                    assign nidx[k*LN_W +: LN_W] = {LN_W{1'b0}};
                    assign nok[k] = 1'b0;
                end else if (2 * k + 1 >= NPREV) begin : g_pass
                    // an odd one out moves up unchanged
                    assign nval[k*IN_BITS +: IN_BITS] = cval[(l-1)*VW + 2*k*IN_BITS +: IN_BITS];
                    assign nidx[k*LN_W +: LN_W] = cidx[(l-1)*NW + 2*k*LN_W +: LN_W];
                    assign nok[k] = cok[(l-1)*LANES_C + 2*k];
                end else begin : g_cmp
                    wire [IN_BITS-1:0] lo_v = cval[(l-1)*VW + 2*k*IN_BITS +: IN_BITS];
                    wire [IN_BITS-1:0] hi_v = cval[(l-1)*VW + (2*k+1)*IN_BITS +: IN_BITS];
                    // the higher lane wins only when valid and strictly greater: ties keep the lower index
                    wire take_hi = cok[(l-1)*LANES_C + 2*k + 1] && ($signed(hi_v) > $signed(lo_v));
                    assign nval[k*IN_BITS +: IN_BITS] = take_hi ? hi_v : lo_v;
                    assign nidx[k*LN_W +: LN_W] = take_hi ? cidx[(l-1)*NW + (2*k+1)*LN_W +: LN_W]
                                                          : cidx[(l-1)*NW + 2*k*LN_W +: LN_W];
                    // invalid lanes form a suffix, so a pair is valid when its lower lane is
                    assign nok[k] = cok[(l-1)*LANES_C + 2*k];
                end
            end
            always @(posedge clk) begin
                if (!rst_n) begin
                    rv <= 1'b0;
                end else if (adv) begin
                    rv <= tv[l-1];
                end
                if (adv) begin
                    rval <= nval;
                    ridx <= nidx;
                    rok <= nok;
                    rfirst <= tfirst[l-1];
                    rlast <= tlast[l-1];
                    rbase <= tbase[(l-1)*IX_W +: IX_W];
                end
            end
            assign cval[l*VW +: VW] = rval;
            assign cidx[l*NW +: NW] = ridx;
            assign cok[l*LANES_C +: LANES_C] = rok;
            assign tv[l] = rv;
            assign tfirst[l] = rfirst;
            assign tlast[l] = rlast;
            assign tbase[l*IX_W +: IX_W] = rbase;
        end
    endgenerate

    // Across beats: the beat's winner against the best of the earlier beats.
    wire [IN_BITS-1:0] beat_val = cval[LEVELS*VW +: IN_BITS];
    wire [IX_W-1:0]    beat_idx = tbase[LEVELS*IX_W +: IX_W]
                                + {{(IX_W - LN_W){1'b0}}, cidx[LEVELS*NW +: LN_W]};
    wire               beat_v = tv[LEVELS];
    wire               beat_last = tlast[LEVELS];
    reg  [IN_BITS-1:0] best_val;  // best score of the earlier beats of this vector
    reg  [IX_W-1:0]    best_idx;  // its class index
    wire take_beat = (BEATS == 1) || tfirst[LEVELS] || ($signed(beat_val) > $signed(best_val));
    wire [IX_W-1:0] new_idx = take_beat ? beat_idx : best_idx;

    always @(posedge clk) begin
        if (!rst_n) begin
            out_valid <= 1'b0;
            out_idx <= {IDX_BITS{1'b0}};
            best_val <= {IN_BITS{1'b0}};
            best_idx <= {IX_W{1'b0}};
        end else if (adv) begin
            out_valid <= beat_v && beat_last;
            if (beat_v) begin
                best_val <= take_beat ? beat_val : best_val;
                best_idx <= new_idx;
                if (beat_last) begin
                    out_idx <= new_idx[IDX_BITS-1:0];
                end
            end
        end
    end
endmodule

`default_nettype wire
