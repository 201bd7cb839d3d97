// bnnc_xnor_popcount: count = popcount(xnor(x, w)) of WIDTH lanes, shaped for 6-input LUTs.
//
// Stage 0 folds the XNOR into the first compressor: the lanes are taken in
// groups of three, and each group's 2-bit count xnor0 + xnor1 + xnor2 is read
// from two 64-entry truth tables indexed by the group's six input/weight bits
// (bit 0: parity, column 0; bit 1: majority, column 1) -- one LUT6 each. The
// last group's missing lanes are padded with x = 1, w = 0 (xnor 0).
//
// Stages 1..NS compress the columns (bits of equal weight) Wallace-style with
// counters that are again 6-input truth tables: in each column with more than
// two bits, every six bits go through a 6:3 counter (outputs to columns c,
// c+1, c+2: three LUT6 for three bits removed), a remainder of five through a
// 5:3, of three or four through a 3:2 (remaining bits pass). Bits of weight
// >= 2**CW are dropped: the count never reaches that weight. Once every column
// holds at most two bits, one carry-chain adder gives the count.
//
// Truth tables, not arithmetic: written as `+` or as XOR/AND expressions, abc
// (synth_xilinx's abc9) splits the 6-input parity into a LUT2 and LUT5s as
// soon as the design holds a carry chain; a table index keeps one LUT6.
//
// Pipelining: PIPE = 0 is purely combinational (clk and en unused, LATENCY 0).
// PIPE = k >= 1 registers the output of stage s (0..NS) when (s + 1) % k == 0,
// and always the count, so count follows x and w by LATENCY register ranks
// (function latency_of below; a caller that tracks the latency mirrors it and
// passes its figure as EXPECT_LATENCY, which elaboration checks).
// Register ranks also keep abc from merging the counters of adjacent stages
// (fewest LUTs with PIPE = 1). en is the clock enable of every pipeline register.
`default_nettype none

module bnnc_xnor_popcount #(
    parameter integer WIDTH = 16,  // lanes (1..65535), any value (odd, non-power-of-two)
    parameter integer PIPE = 0,    // 0: combinational; k >= 1: a register rank after every k stages and at the output
    parameter integer EXPECT_LATENCY = -1  // -1: any; else the LATENCY the caller's bookkeeping assumes (checked)
) (
    /* verilator lint_off UNUSEDSIGNAL */
    input  wire                           clk,    // clock (PIPE >= 1 only)
    input  wire                           en,     // clock enable of the pipeline registers (PIPE >= 1 only)
    /* verilator lint_on UNUSEDSIGNAL */
    input  wire [WIDTH-1:0]               x,      // input bits (bipolar: 1 = +1)
    input  wire [WIDTH-1:0]               w,      // weight bits (1 = +1)
    output wire [$clog2(WIDTH + 1)-1:0]   count   // number of lanes i with x[i] == w[i]
);
    generate
        if (WIDTH < 1 || WIDTH > 65535) begin : g_bad_width
            bnnc_param_error_xnor_popcount_width_must_be_1_to_65535 u_err ();
        end
        if (PIPE < 0) begin : g_bad_pipe
            bnnc_param_error_xnor_popcount_pipe_must_not_be_negative u_err ();
        end
    endgenerate

    localparam integer W_C = (WIDTH > 0 && WIDTH < 65536) ? WIDTH : 1;  // clamped copy (illegal values)
    localparam integer CW = $clog2(W_C + 1);                        // width of count = columns kept
    localparam integer GROUPS = (W_C + 2) / 3;                      // stage-0 groups of 3 lanes
    localparam integer PIPE_C = (PIPE > 0) ? PIPE : 0;
    localparam integer HB = 32;                                     // bits per column height in a height vector
    localparam integer MAXC = 17;                                   // columns a height vector holds (CW <= 16)

    // ---- Compression schedule (constant functions of WIDTH) ----------------
    // Bits of the counter that closes a column of h > 2 bits after its 6:3 counters.
    function automatic integer small_of(input integer h);
        integer r;
        begin
            r = h % 6;
            small_of = (h <= 2) ? 0 : (r == 5) ? 5 : (r >= 3) ? 3 : 0;
        end
    endfunction
    // Counters of a column of h bits; those of them with three outputs; bits passed on.
    function automatic integer ncnt_of(input integer h);
        ncnt_of = h / 6 + ((small_of(h) > 0) ? 1 : 0);
    endfunction
    function automatic integer n3_of(input integer h);
        n3_of = h / 6 + ((small_of(h) > 3) ? 1 : 0);
    endfunction
    function automatic integer pass_of(input integer h);
        pass_of = (h <= 2) ? h : h % 6 - small_of(h);
    endfunction
    // Column heights after stage 0.
    function automatic [HB*MAXC-1:0] h_first(input integer groups);
        reg [HB*MAXC-1:0] hv;
        begin
            hv = {(HB * MAXC){1'b0}};
            hv[0 +: HB] = groups;
            if (CW > 1) begin
                hv[HB +: HB] = groups;
            end
            h_first = hv;
        end
    endfunction
    // Column heights after one compression stage.
    function automatic [HB*MAXC-1:0] h_step(input [HB*MAXC-1:0] hv);
        reg [HB*MAXC-1:0] nv;
        integer c, h;
        begin
            nv = {(HB * MAXC){1'b0}};
            for (c = 0; c < CW; c = c + 1) begin
                h = hv[c*HB +: HB];
                nv[c*HB +: HB] = nv[c*HB +: HB] + ncnt_of(h) + pass_of(h);
                if (c + 1 < CW) begin
                    nv[(c+1)*HB +: HB] = nv[(c+1)*HB +: HB] + ncnt_of(h);
                end
                if (c + 2 < CW) begin
                    nv[(c+2)*HB +: HB] = nv[(c+2)*HB +: HB] + n3_of(h);
                end
            end
            h_step = nv;
        end
    endfunction
    // Column heights after every stage 0..NSMAX, computed once: the per-counter offsets below read
    // this table instead of re-running the stages (which made Yosys's elaboration of a 576-lane
    // core take over 20 minutes).
    localparam integer NSMAX = 40;  // more stages than any WIDTH <= 65535 needs (24 at most)
    function automatic [HB*MAXC*(NSMAX+1)-1:0] h_table(input integer groups);
        reg [HB*MAXC-1:0] hv;
        integer i;
        begin
            hv = h_first(groups);  // every slice of h_table is written below
            for (i = 0; i <= NSMAX; i = i + 1) begin
                h_table[i*HB*MAXC +: HB*MAXC] = hv;
                hv = h_step(hv);
            end
        end
    endfunction
    localparam [HB*MAXC*(NSMAX+1)-1:0] HT = h_table(GROUPS);
    // Height of column c after stage s (0 past the kept columns).
    function automatic integer h_of(input integer s, input integer c);
        h_of = (c >= 0 && c < CW && s >= 0 && s <= NSMAX) ? HT[(s*MAXC + c)*HB +: HB] : 0;
    endfunction
    // Position of column c's first bit in stage s's bit vector; bits of stage s.
    function automatic integer off_of(input integer s, input integer c);
        integer i;
        begin
            off_of = 0;
            for (i = 0; i < c; i = i + 1) begin
                off_of = off_of + h_of(s, i);
            end
        end
    endfunction
    // Compression stages until every column holds at most two bits.
    function automatic integer stages_of(input integer groups);
        reg [HB*MAXC-1:0] hv;
        integer s, c, tall;
        begin
            hv = h_first(groups);
            stages_of = 0;
            for (s = 0; s < 64; s = s + 1) begin
                tall = 0;
                for (c = 0; c < CW; c = c + 1) begin
                    if (hv[c*HB +: HB] > 2) begin
                        tall = 1;
                    end
                end
                if (tall != 0) begin
                    hv = h_step(hv);
                    stages_of = stages_of + 1;
                end
            end
        end
    endfunction
    // Register ranks from x/w to count.
    function automatic integer latency_of(input integer ns);
        integer s;
        begin
            latency_of = 0;
            if (PIPE_C > 0) begin
                latency_of = 1;  // the count
                for (s = 0; s <= ns; s = s + 1) begin
                    if ((s + 1) % PIPE_C == 0) begin
                        latency_of = latency_of + 1;
                    end
                end
            end
        end
    endfunction

    localparam integer NS = stages_of(GROUPS);  // compression stages
    // Cycles from x/w to count: register ranks of the pipeline (read by testbenches and callers).
    /* verilator lint_off UNUSEDPARAM */
    localparam integer LATENCY = latency_of(NS);
    /* verilator lint_on UNUSEDPARAM */

    generate
        if (EXPECT_LATENCY >= 0 && EXPECT_LATENCY != LATENCY) begin : g_bad_latency
            bnnc_param_error_xnor_popcount_latency_differs_from_expect_latency u_err ();
        end
    endgenerate

`ifdef BNNC_SIM_FAST_POPCOUNT
    // Simulation-only behavioural form, selected by the compiled simulation engine
    // (compiler/runtime/sim/engine.py) and by no synthesis flow: the same count, computed with
    // $countones, delayed by the same LATENCY register ranks with the same clock enable.
    // tests/test_popcount_equiv.py proves it equal to the structural form below
    // (Yosys SAT) for every (WIDTH, PIPE) the simulation engine accepts (docs/hardware.md).
    genvar r;
    generate
        /* verilator lint_off WIDTHTRUNC */
        wire [CW-1:0] ones = $countones(~(x ^ w));
        /* verilator lint_on WIDTHTRUNC */
        for (r = 0; r <= LATENCY; r = r + 1) begin : g_fast
            wire [CW-1:0] v;  // the count r register ranks after x and w
            if (r == 0) begin : g_in
                assign v = ones;
            end else begin : g_rank
                reg [CW-1:0] q;
                always @(posedge clk) begin
                    if (en) begin
                        q <= g_fast[r - 1].v;
                    end
                end
                assign v = q;
            end
        end
        assign count = g_fast[LATENCY].v;
    endgenerate
`else
    // Truth tables, indexed by {x[2:0], w[2:0]} of a group (stage 0) or by a counter's six input bits.
    localparam [63:0] T_PAR = 64'h9669699669969669;  // parity of the group's three xnors
    localparam [63:0] T_MAJ = 64'he8d4b2718e4d2b17;  // majority of the group's three xnors
    localparam [63:0] T_C0 = 64'h6996966996696996;   // bit 0 of the number of ones of the index
    localparam [63:0] T_C1 = 64'h8117177e177e7ee8;   // bit 1
    localparam [63:0] T_C2 = 64'hfee8e880e8808000;   // bit 2

    genvar s, c, k, i;
    generate
        for (s = 0; s <= NS; s = s + 1) begin : g_st
            localparam integer TOT = off_of(s, CW);  // bits of this stage
            // 1: this stage's outputs are registered
            localparam integer REG = (PIPE_C > 0 && (s + 1) % ((PIPE_C > 0) ? PIPE_C : 1) == 0) ? 1 : 0;
            wire [TOT-1:0] b;  // this stage's bits, column by column
            wire [TOT-1:0] v;  // as seen by the next stage (b, or b registered)
            if (s == 0) begin : g_leaf
                for (k = 0; k < GROUPS; k = k + 1) begin : g_grp
                    // Group k: lanes 3k .. 3k+2; lanes past WIDTH read as x = 1, w = 0 (xnor 0).
                    wire [5:0] idx;
                    for (i = 0; i < 3; i = i + 1) begin : g_lane
                        if (3 * k + i < W_C) begin : g_real
                            assign idx[3 + i] = x[3 * k + i];
                            assign idx[i] = w[3 * k + i];
                        end else begin : g_pad
                            assign idx[3 + i] = 1'b1;
                            assign idx[i] = 1'b0;
                        end
                    end
                    assign b[k] = T_PAR[idx];
                    if (CW > 1) begin : g_maj
                        assign b[GROUPS + k] = T_MAJ[idx];
                    end
                end
            end else begin : g_cmp
                // Stage s from stage s - 1: counters and pass-through bits of each column.
                for (c = 0; c < CW; c = c + 1) begin : g_col
                    localparam integer H = h_of(s - 1, c);          // bits of column c before
                    localparam integer IOFF = off_of(s - 1, c);     // where they are
                    localparam integer NC = ncnt_of(H);             // counters
                    localparam integer N6 = H / 6;                  // of them 6:3
                    localparam integer SM = small_of(H);            // bits of the closing counter (0: none)
                    localparam integer NP = pass_of(H);             // bits passed on
                    localparam integer O0 = off_of(s, c);           // output bit-0 slots of column c
                    // output bit-1 slots in column c + 1, after its own counters and pass bits
                    localparam integer O1 = off_of(s, c + 1) + ncnt_of(h_of(s - 1, c + 1)) + pass_of(h_of(s - 1, c + 1));
                    // output bit-2 slots in column c + 2, after its own, its pass bits and column c + 1's bit 1
                    localparam integer O2 = off_of(s, c + 2) + ncnt_of(h_of(s - 1, c + 2))
                                          + pass_of(h_of(s - 1, c + 2)) + ncnt_of(h_of(s - 1, c + 1));
                    for (k = 0; k < NC; k = k + 1) begin : g_cnt
                        localparam integer NIN = (k < N6) ? 6 : SM;  // input bits of this counter
                        wire [5:0] idx;
                        for (i = 0; i < 6; i = i + 1) begin : g_in
                            if (i < NIN) begin : g_bit
                                assign idx[i] = g_st[s - 1].v[IOFF + 6 * k + i];
                            end else begin : g_zero
                                assign idx[i] = 1'b0;
                            end
                        end
                        assign b[O0 + k] = T_C0[idx];
                        if (c + 1 < CW) begin : g_o1
                            assign b[O1 + k] = T_C1[idx];
                        end
                        if (c + 2 < CW && NIN > 3) begin : g_o2
                            assign b[O2 + k] = T_C2[idx];
                        end
                    end
                    for (k = 0; k < NP; k = k + 1) begin : g_pass
                        assign b[O0 + NC + k] = g_st[s - 1].v[IOFF + 6 * N6 + SM + k];
                    end
                end
            end
            if (REG != 0) begin : g_reg
                reg [TOT-1:0] q;
                always @(posedge clk) begin
                    if (en) begin
                        q <= b;
                    end
                end
                assign v = q;
            end else begin : g_wire
                assign v = b;
            end
        end

        // Every column holds at most two bits: rows r0 (first bit) and r1 (second bit), one adder.
        wire [CW-1:0] r0;
        wire [CW-1:0] r1;
        for (c = 0; c < CW; c = c + 1) begin : g_row
            localparam integer H = h_of(NS, c);
            localparam integer OFF = off_of(NS, c);
            if (H > 0) begin : g_r0
                assign r0[c] = g_st[NS].v[OFF];
            end else begin : g_r0_zero
                assign r0[c] = 1'b0;
            end
            if (H > 1) begin : g_r1
                assign r1[c] = g_st[NS].v[OFF + 1];
            end else begin : g_r1_zero
                assign r1[c] = 1'b0;
            end
        end
        // The sum is at most WIDTH < 2**CW: no carry out of the top column.
        wire [CW-1:0] sum = r0 + r1;
        if (PIPE_C > 0) begin : g_out_reg
            reg [CW-1:0] q;
            always @(posedge clk) begin
                if (en) begin
                    q <= sum;
                end
            end
            assign count = q;
        end else begin : g_out_wire
            assign count = sum;
        end
    endgenerate
`endif
endmodule

`default_nettype wire
