// bnnc_width_converter: re-chunk a vector of N elements of EW bits from
// IN_LANES to OUT_LANES lanes per beat.
//
// Input: ceil(N/IN_LANES) beats per vector; output: ceil(N/OUT_LANES) beats
// per vector; element e sits in lane e % LANES of beat e / LANES. Padding
// lanes of the last input beat are ignored, padding lanes of the last output
// beat are driven 0. Vectors follow each other without separator.
//
// s_axis_tready depends on registers only (no combinational path from
// m_axis_tready), and the converter sustains one beat per cycle on its busier
// side: with input always valid and output always ready a vector takes
// max(input beats, output beats) cycles in steady state.
//
// Structure, chosen at elaboration from the lane counts (no shifter in the
// first two):
//  - UP_COPY (OUT_LANES = K*IN_LANES, K >= 2, and K divides the input beats
//    per vector, so every output beat is K whole input beats): input beats are
//    written into slot p of a fill register; the cycle after its last slot, the
//    whole register is copied into the output register, while the next beat
//    may already enter slot 0. No select on the output: each output bit has one
//    source (the padding lanes of a vector's last output beat are cleared by
//    the register's synchronous reset). One cycle more latency than UP.
//  - UP (OUT_LANES a multiple of IN_LANES otherwise, equal included): two
//    output-beat registers used in turn; input beats are written into slot p
//    (a write pointer) of the register being filled, which becomes valid when
//    full or at the vector's last input beat. The output is a 2:1 register
//    select.
//  - DOWN (IN_LANES a multiple of OUT_LANES): two input-beat registers used in
//    turn; the output reads slot q (a read counter) of the register being
//    emptied, which is released after its last slot or the vector's last
//    output beat. The output is a 2*IN_LANES/OUT_LANES : 1 select.
//  - GENERAL (neither divides): a shift buffer of BUF = I + 2*O - 1 groups of
//    G = gcd(IN_LANES, OUT_LANES) elements (I = IN_LANES/G, O = OUT_LANES/G
//    groups per beat), oldest group first: the sent groups are shifted out
//    and the received ones appended after the rest (two log-depth shifters
//    over BUF groups; grouping divides their size by G). The output beat is
//    the first O groups once that many are buffered. An input beat is
//    accepted while the buffer has room for a whole beat; the buffer size
//    makes refusals happen only while the output has at least one more full
//    beat buffered. (Measured on Yosys, this beats per-slot ring addressing,
//    whose O read selects of BUF inputs each grow as O*BUF, not BUF*log BUF.)
// UP_COPY keeps full rate because a copy frees the fill register K >= 2 cycles
// before it can be complete again, and the output register, taken by an always
// ready consumer the cycle after its copy, is free by then; s_axis_tready is
// low only while a complete fill register waits for a busy output register.
// Two registers suffice in UP/DOWN because one is filled while the other is
// emptied: its release and the next fill are one registered cycle apart only
// when the other register still holds at least one beat for the busier side.
// In every structure the output lanes at and past the vector's last element
// (last output beat only) are forced to 0 at the output, which also hides the
// input padding lanes and register contents left from earlier vectors.
//
// Parameter errors: bnnc_param_error_width_converter_<what> (generate block).
`default_nettype none

module bnnc_width_converter #(
    parameter integer N = 16,         // elements per vector (>= 1)
    parameter integer EW = 1,         // bits per element (>= 1)
    parameter integer IN_LANES = 4,   // elements per input beat (>= 1)
    parameter integer OUT_LANES = 8   // elements per output beat (>= 1)
) (
    input  wire                      clk,            // clock
    input  wire                      rst_n,          // synchronous active-low reset
    input  wire [IN_LANES*EW-1:0]    s_axis_tdata,   // input lanes
    input  wire                      s_axis_tvalid,  // input beat valid
    output wire                      s_axis_tready,  // converter takes an input beat
    output wire [OUT_LANES*EW-1:0]   m_axis_tdata,   // output lanes (padding lanes 0)
    output wire                      m_axis_tvalid,  // output beat valid
    input  wire                      m_axis_tready   // consumer takes the output beat
);
    generate
        if (N < 1) begin : g_bad_n
            bnnc_param_error_width_converter_n_must_be_positive u_err ();
        end
        if (EW < 1) begin : g_bad_ew
            bnnc_param_error_width_converter_ew_must_be_positive u_err ();
        end
        if (IN_LANES < 1) begin : g_bad_in_lanes
            bnnc_param_error_width_converter_in_lanes_must_be_positive u_err ();
        end
        if (OUT_LANES < 1) begin : g_bad_out_lanes
            bnnc_param_error_width_converter_out_lanes_must_be_positive u_err ();
        end
    endgenerate

    // Greatest common divisor (elaboration only): the GENERAL ring's group size.
    function integer wc_gcd;
        input integer a, b;
        integer x, y, t;
        begin
            x = a;
            y = b;
            while (y > 0) begin
                t = x % y;
                x = y;
                y = t;
            end
            wc_gcd = (x > 0) ? x : 1;
        end
    endfunction

    // Clamped copies keep the arithmetic below defined while an error module reports bad values.
    localparam integer N_C = (N >= 1) ? N : 1;
    localparam integer IL = (IN_LANES >= 1) ? IN_LANES : 1;
    localparam integer OL = (OUT_LANES >= 1) ? OUT_LANES : 1;
    localparam integer NIB = (N_C + IL - 1) / IL;          // input beats per vector
    localparam integer NOB = (N_C + OL - 1) / OL;          // output beats per vector
    localparam integer LAST_IN_N = N_C - (NIB - 1) * IL;   // elements in a vector's last input beat
    localparam integer LAST_OUT_N = N_C - (NOB - 1) * OL;  // elements in a vector's last output beat
    localparam integer IBW = (NIB > 1) ? $clog2(NIB) : 1;  // input beat counter width
    localparam integer OBW = (NOB > 1) ? $clog2(NOB) : 1;  // output beat counter width
    localparam integer NIB_LAST_I = NIB - 1;
    localparam integer NOB_LAST_I = NOB - 1;
    localparam [IBW-1:0] NIB_LAST = NIB_LAST_I[IBW-1:0];
    localparam [OBW-1:0] NOB_LAST = NOB_LAST_I[OBW-1:0];
    localparam integer IS_COPY = (OL % IL == 0 && OL / IL >= 2 && NIB % (OL / IL) == 0) ? 1 : 0;  // UP_COPY
    localparam integer IS_UP = (IS_COPY == 0 && OL % IL == 0) ? 1 : 0;   // UP structure
    localparam integer IS_DOWN = (IS_COPY == 0 && IS_UP == 0 && IL % OL == 0) ? 1 : 0;  // DOWN structure

    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire out_fire = m_axis_tvalid && m_axis_tready;

    // Output beat index within the vector: the last one is masked past LAST_OUT_N (UP_COPY
    // clears those lanes in its output register instead and needs neither).
    /* verilator lint_off UNUSEDSIGNAL */
    wire out_last;         // the output beat is its vector's last (not read by UP_COPY)
    /* verilator lint_on UNUSEDSIGNAL */
    wire [OL*EW-1:0] raw;  // output lanes before the padding mask
    genvar j;
    generate
        if (IS_COPY == 0) begin : g_mask_out
            reg [OBW-1:0] ob;
            assign out_last = (ob == NOB_LAST);
            always @(posedge clk) begin
                if (!rst_n) begin
                    ob <= {OBW{1'b0}};
                end else if (out_fire) begin
                    ob <= out_last ? {OBW{1'b0}} : ob + 1'b1;
                end
            end
            for (j = 0; j < OL; j = j + 1) begin : g_out_lane
                if (j >= LAST_OUT_N) begin : g_mask
                    assign m_axis_tdata[j*EW +: EW] = out_last ? {EW{1'b0}} : raw[j*EW +: EW];
                end else begin : g_pass
                    assign m_axis_tdata[j*EW +: EW] = raw[j*EW +: EW];
                end
            end
        end else begin : g_direct_out
            assign out_last = 1'b0;
            assign m_axis_tdata = raw;
        end
    endgenerate

    generate
        if (IS_COPY == 1) begin : g_up_copy
            // ---------------------------------------------------------- UP_COPY
            localparam integer K = OL / IL;                 // input beats per output beat (>= 2)
            localparam integer PW = $clog2(K);              // slot pointer width
            localparam integer K_LAST_I = K - 1;
            localparam [PW-1:0] K_LAST = K_LAST_I[PW-1:0];
            reg [OL*EW-1:0] ent;         // fill register (data: no reset)
            reg [OL*EW-1:0] obuf;        // output register (data: cleared padding lanes only)
            reg cmp;                     // ent holds a complete output beat not yet copied
            reg lastw;                   // ... which is its vector's last
            reg ovalid;                  // obuf holds an unsent beat
            reg [PW-1:0] p;              // slot of the next input beat
            reg [IBW-1:0] ib;            // input beat index within the vector
            wire in_last = (ib == NIB_LAST);
            wire done = (p == K_LAST);   // K divides NIB: a vector's last beat fills slot K - 1
            wire copy = cmp && (!ovalid || m_axis_tready);
            assign s_axis_tready = !cmp || !ovalid;
            assign m_axis_tvalid = ovalid;
            assign raw = obuf;
            genvar s;
            for (s = 0; s < K; s = s + 1) begin : g_slot
                localparam [PW-1:0] S_P = s;
                always @(posedge clk) begin
                    if (in_fire && p == S_P) begin
                        ent[s*IL*EW +: IL*EW] <= s_axis_tdata;
                    end
                end
            end
            for (j = 0; j < OL; j = j + 1) begin : g_copy_lane
                always @(posedge clk) begin
                    if (copy) begin
                        // lanes past LAST_OUT_N of a vector's last beat are padding (reset, no mux)
                        obuf[j*EW +: EW] <= (j >= LAST_OUT_N && lastw) ? {EW{1'b0}} : ent[j*EW +: EW];
                    end
                end
            end
            always @(posedge clk) begin
                if (!rst_n) begin
                    cmp <= 1'b0;
                    lastw <= 1'b0;
                    ovalid <= 1'b0;
                    p <= {PW{1'b0}};
                    ib <= {IBW{1'b0}};
                end else begin
                    cmp <= (cmp && !copy) || (in_fire && done);
                    if (in_fire && done) lastw <= in_last;
                    ovalid <= copy || (ovalid && !out_fire);
                    if (in_fire) begin
                        ib <= in_last ? {IBW{1'b0}} : ib + 1'b1;
                        p <= done ? {PW{1'b0}} : p + 1'b1;
                    end
                end
            end
        end else if (IS_UP == 1) begin : g_up
            // ---------------------------------------------------------- UP
            localparam integer K = OL / IL;                 // input beats per full output beat
            localparam integer PW = (K > 1) ? $clog2(K) : 1;  // slot pointer width
            localparam integer K_LAST_I = K - 1;
            localparam [PW-1:0] K_LAST = K_LAST_I[PW-1:0];
            reg [OL*EW-1:0] ent0, ent1;  // the two output-beat registers (data: no reset)
            reg [1:0] full;              // register i holds a complete, unsent beat
            reg wr, rd;                  // register being filled / emptied
            reg [PW-1:0] p;              // slot of the next input beat
            reg [IBW-1:0] ib;            // input beat index within the vector
            wire in_last = (ib == NIB_LAST);
            wire done = in_last || (p == K_LAST);  // this input beat completes an output beat
            assign s_axis_tready = !full[wr];
            assign m_axis_tvalid = full[rd];
            assign raw = rd ? ent1 : ent0;
            genvar s;
            for (s = 0; s < K; s = s + 1) begin : g_slot
                localparam [PW-1:0] S_P = s;
                always @(posedge clk) begin
                    if (in_fire && p == S_P) begin
                        if (wr) ent1[s*IL*EW +: IL*EW] <= s_axis_tdata;
                        else ent0[s*IL*EW +: IL*EW] <= s_axis_tdata;
                    end
                end
            end
            wire [1:0] set_m = (in_fire && done) ? (wr ? 2'b10 : 2'b01) : 2'b00;
            wire [1:0] clr_m = out_fire ? (rd ? 2'b10 : 2'b01) : 2'b00;
            always @(posedge clk) begin
                if (!rst_n) begin
                    full <= 2'b00;
                    wr <= 1'b0;
                    rd <= 1'b0;
                    p <= {PW{1'b0}};
                    ib <= {IBW{1'b0}};
                end else begin
                    full <= (full & ~clr_m) | set_m;
                    if (in_fire) begin
                        ib <= in_last ? {IBW{1'b0}} : ib + 1'b1;
                        p <= done ? {PW{1'b0}} : p + 1'b1;
                        if (done) wr <= ~wr;
                    end
                    if (out_fire) rd <= ~rd;
                end
            end
        end else if (IS_DOWN == 1) begin : g_down
            // ---------------------------------------------------------- DOWN
            localparam integer K = IL / OL;                 // output beats per full input beat
            localparam integer QW = $clog2(K);              // read slot counter width (K >= 2)
            localparam integer K_LAST_I = K - 1;
            localparam [QW-1:0] K_LAST = K_LAST_I[QW-1:0];
            reg [IL*EW-1:0] ent0, ent1;  // the two input-beat registers (data: no reset)
            reg [1:0] full;              // register i holds unsent elements
            reg wr, rd;                  // register being filled / emptied
            reg [QW-1:0] q;              // slot of the next output beat
            wire done = out_last || (q == K_LAST);  // this output beat empties the register
            wire [IL*EW-1:0] cur = rd ? ent1 : ent0;
            wire [OL*EW-1:0] slots [0:K-1];
            genvar s;
            for (s = 0; s < K; s = s + 1) begin : g_slot
                assign slots[s] = cur[s*OL*EW +: OL*EW];
            end
            assign s_axis_tready = !full[wr];
            assign m_axis_tvalid = full[rd];
            if ((1 << QW) == K) begin : g_pow2
                assign raw = slots[q];
            end else begin : g_npow2  // q never exceeds K_LAST; the clamp keeps the index in range
                assign raw = slots[(q > K_LAST) ? K_LAST : q];
            end
            always @(posedge clk) begin
                if (in_fire) begin
                    if (wr) ent1 <= s_axis_tdata;
                    else ent0 <= s_axis_tdata;
                end
            end
            wire [1:0] set_m = in_fire ? (wr ? 2'b10 : 2'b01) : 2'b00;
            wire [1:0] clr_m = (out_fire && done) ? (rd ? 2'b10 : 2'b01) : 2'b00;
            always @(posedge clk) begin
                if (!rst_n) begin
                    full <= 2'b00;
                    wr <= 1'b0;
                    rd <= 1'b0;
                    q <= {QW{1'b0}};
                end else begin
                    full <= (full & ~clr_m) | set_m;
                    if (in_fire) wr <= ~wr;
                    if (out_fire) begin
                        q <= done ? {QW{1'b0}} : q + 1'b1;
                        if (done) rd <= ~rd;
                    end
                end
            end
        end else begin : g_general
            // ---------------------------------------------------------- GENERAL
            localparam integer G = wc_gcd(IL, OL);          // elements per group
            localparam integer GW = G * EW;                 // bits per group
            localparam integer I = IL / G;                  // groups per input beat
            localparam integer O = OL / G;                  // groups per output beat
            localparam integer BUF = I + 2 * O - 1;         // buffer size in groups
            localparam integer BW = BUF * GW;               // buffer size in bits
            localparam integer XW = $clog2(BUF + 1) + 1;    // group count width
            localparam integer LAST_IN_G = (LAST_IN_N + G - 1) / G;    // groups in a last input beat
            localparam integer LAST_OUT_G = (LAST_OUT_N + G - 1) / G;  // groups in a last output beat
            localparam integer IN_LIMIT_I = BUF - I;        // accept while count <= this
            localparam [XW-1:0] I_X = I[XW-1:0];
            localparam [XW-1:0] O_X = O[XW-1:0];
            localparam [XW-1:0] LAST_IN_X = LAST_IN_G[XW-1:0];
            localparam [XW-1:0] LAST_OUT_X = LAST_OUT_G[XW-1:0];
            localparam [XW-1:0] IN_LIMIT_X = IN_LIMIT_I[XW-1:0];
            reg [BW-1:0] buffer;     // groups, oldest in the low bits; unused groups are 0
            reg [XW-1:0] count;      // groups in the buffer
            reg [IBW-1:0] ib;        // input beat index within the vector
            wire in_last = (ib == NIB_LAST);
            wire [XW-1:0] in_n = in_last ? LAST_IN_X : I_X;     // groups this input beat brings
            wire [XW-1:0] out_n = out_last ? LAST_OUT_X : O_X;  // groups this output beat takes
            assign s_axis_tready = (count <= IN_LIMIT_X);
            assign m_axis_tvalid = (count >= out_n);
            assign raw = buffer[O*GW-1:0];  // groups past out_n: later elements, masked as padding
            // Input groups past the last beat's groups are cleared (the buffer's unused groups stay 0).
            wire [I*GW-1:0] in_clean;
            genvar l;
            for (l = 0; l < I; l = l + 1) begin : g_in_grp
                if (l < LAST_IN_G) begin : g_keep
                    assign in_clean[l*GW +: GW] = s_axis_tdata[l*GW +: GW];
                end else begin : g_clear
                    assign in_clean[l*GW +: GW] = in_last ? {GW{1'b0}} : s_axis_tdata[l*GW +: GW];
                end
            end
            // Next buffer: drop the sent groups, append the received ones after the rest.
            wire [XW-1:0] pop_n = out_fire ? out_n : {XW{1'b0}};
            wire [XW-1:0] push_n = in_fire ? in_n : {XW{1'b0}};
            wire [XW-1:0] keep_n = count - pop_n;
            wire [BW-1:0] shifted = buffer >> (pop_n * GW);
            wire [BW-1:0] in_wide = {{(BW - I*GW){1'b0}}, in_fire ? in_clean : {I*GW{1'b0}}};
            wire [BW-1:0] appended = in_wide << (keep_n * GW);
            always @(posedge clk) begin
                if (!rst_n) begin
                    buffer <= {BW{1'b0}};
                    count <= {XW{1'b0}};
                    ib <= {IBW{1'b0}};
                end else begin
                    buffer <= shifted | appended;
                    count <= keep_n + push_n;
                    if (in_fire) ib <= in_last ? {IBW{1'b0}} : ib + 1'b1;
                end
            end
        end
    endgenerate
endmodule

`default_nettype wire
