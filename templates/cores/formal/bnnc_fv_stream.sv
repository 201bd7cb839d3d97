// bnnc_fv_stream: the AXI4-Stream properties every bnnc core with one input and one
// output stream must keep (formal only: read by SymbiYosys through formal/run.py).
//
// It watches a core's two ports and drives nothing. On the input port and on the
// output's tready it states what a well-behaved environment does (assume); on the
// core's outputs it states what the core must do (assert):
//
//   env_hold    (assume) input tvalid/tdata hold until tready, as the core's producer must;
//   env_fair    (assume) m_tready is never low for STALL cycles in a row;
//   hold        (assert) once m_tvalid is high, it and m_tdata stay until m_tready;
//   reset       (assert) the cycle after rst_n is low, m_tvalid is low;
//   no_extra    (assert) no output beat of an image leaves before that image's first input
//                        beat arrived, and no image completes its OUT_BEATS output beats
//                        before its IN_BEATS input beats: beats are neither created nor
//                        moved ahead of their image (the image counters are compared
//                        modulo 2**CW, so the property holds past their wrap, as k-induction
//                        needs: an extra output image reads as fewer than 0 in flight);
//   latency     (assert, when LATENCY > 0) the followed image's last output beat leaves at most
//                        LATENCY cycles after its last input beat was taken, not counting the
//                        cycles its output waits on m_tready (the core's stated bound: its
//                        Python module's latency_bound(), formal/cases.py);
//   progress    (assert) no deadlock: while a whole image's output is owed (an input image
//                        completed, its output not) or an input beat is offered, the core
//                        goes fewer than BOUND cycles without a handshake on either side,
//                        not counting cycles it waits on m_tready. A beat lost inside the
//                        core leaves its image owed forever and fails this property.
//
// Images are counted per side (IN_BEATS beats in, OUT_BEATS out). The wrapper of
// each core (fv_<core>.sv, beside this file) adds its data properties on one image
// that the checker follows ("pick one"): the solver chooses which (any image whose
// first input beat arrives while none is followed), so a property proven on the
// followed image holds for every image. f_in marks the followed image's input
// beats (beat in_pos of the image), f_out its output beats (beat out_pos).
//
// INVARIANTS = 1 (the wrappers proven by k-induction, formal/cases.py mode "prove") also
// asserts the checker's own invariants, which hold in every reachable state and which an
// induction step, starting from any state, needs stated: the beat positions are within
// their images, and the followed image's input is under way only while it is followed.
// The wrapper relates the exported `followed`/`ahead` and the counters to its core's state.
// Such lemmas (here, in the wrappers and in the cores under `ifdef FORMAL`) are left out when
// BNNC_FV_NO_LEMMAS is defined: the pinned broken-core tests then see the properties alone.
`default_nettype none

module bnnc_fv_stream #(
    parameter integer IN_W = 1,       // input tdata bits (>= 1)
    parameter integer OUT_W = 1,      // output tdata bits (>= 1)
    parameter integer IN_BEATS = 1,   // input beats per image (>= 1)
    parameter integer OUT_BEATS = 1,  // output beats per image (>= 1)
    parameter integer BOUND = 8,      // cycles without progress that count as a deadlock (>= 2)
    parameter integer STALL = 3,      // m_tready is low for fewer than STALL cycles in a row (>= 1)
    parameter integer CW = 10,        // bits of the beat and image counters (the check's depth < 2**(CW-1))
    parameter integer INVARIANTS = 0, // 1: also assert the checker's own invariants (for k-induction)
    parameter integer LATENCY = 0     // > 0: the `latency` bound, in cycles (0: not checked)
) (
    input wire             clk,       // clock
    input wire             rst_n,     // the core's synchronous active-low reset
    input wire [IN_W-1:0]  s_tdata,   // the core's input port
    input wire             s_tvalid,
    input wire             s_tready,
    input wire [OUT_W-1:0] m_tdata,   // the core's output port
    input wire             m_tvalid,
    input wire             m_tready,
    output reg [CW-1:0]    in_idx,    // input beats taken since reset
    output reg [CW-1:0]    out_idx,   // output beats taken since reset
    output reg [CW-1:0]    in_pos,    // beat within the current input image
    output reg [CW-1:0]    out_pos,   // beat within the current output image
    output wire            f_in,      // this cycle's input beat is the followed image's beat in_pos
    output wire            f_out,     // this cycle's output beat is the followed image's beat out_pos
    output reg [CW-1:0]    in_img,    // input images completed since reset
    output reg [CW-1:0]    out_img,   // output images completed since reset
    output wire            followed,  // an image is followed (its first input beat .. its last output beat)
    output wire            followed_in,  // ... and its input beats after the first are still arriving
    output wire            followed_full,  // ... or all of them have arrived (its output still owed)
    output wire [CW-1:0]   followed_wait,  // ... since when this many cycles passed, tready waits not counted
    output wire [CW-1:0]   followed_ahead  // while followed: output images still to complete before its own
);
    wire s_fire = s_tvalid && s_tready;
    wire m_fire = m_tvalid && m_tready;

    reg past_valid = 1'b0;  // a cycle has passed since the start ($past is defined)
    reg [CW-1:0] idle;             // cycles without progress (see `progress`)
    reg [CW-1:0] rdy_low;          // consecutive cycles with m_tready low

    // The environment starts in reset.
    initial assume (!rst_n);

    always @(posedge clk) begin
        past_valid <= 1'b1;
        if (!rst_n) begin
            in_pos <= 0; out_pos <= 0; in_img <= 0; out_img <= 0; in_idx <= 0; out_idx <= 0;
        end else begin
            if (s_fire) begin
                in_idx <= in_idx + 1'b1;
                in_pos <= (in_pos == IN_BEATS - 1) ? 0 : in_pos + 1'b1;
                if (in_pos == IN_BEATS - 1) in_img <= in_img + 1'b1;
            end
            if (m_fire) begin
                out_idx <= out_idx + 1'b1;
                out_pos <= (out_pos == OUT_BEATS - 1) ? 0 : out_pos + 1'b1;
                if (out_pos == OUT_BEATS - 1) out_img <= out_img + 1'b1;
            end
        end
    end

    // Following one image: picked at its first input beat; `ahead` output images leave before its own.
    (* anyseq *) wire pick_now;  // the solver's choice
    reg fol = 1'b0;              // an image is followed (first input beat .. last output beat)
    reg fol_in = 1'b0;           // its input beats after the first are still arriving
    reg [CW-1:0] ahead;          // output images still to complete before the followed one's
    wire out_done = m_fire && (out_pos == OUT_BEATS - 1);
    assign followed = fol;
    assign followed_in = fol_in;

    // The followed image's latency: counted from the cycle after its last input beat is taken, while its output
    // is owed, except the cycles the output waits on m_tready.
    reg fol_full = 1'b0;   // the followed image's input is all in, its output not all out
    reg [CW-1:0] lat;      // cycles counted since its last input beat
    wire in_done = f_in && (in_pos == IN_BEATS - 1);
    wire fol_out_done = fol && out_done && ahead == 0;
    always @(posedge clk) begin
        if (!rst_n) begin
            fol_full <= 1'b0;
        end else if (in_done) begin
            fol_full <= !fol_out_done;
            lat <= 0;
        end else if (fol_out_done) begin
            fol_full <= 1'b0;
        end else if (fol_full && !(m_tvalid && !m_tready)) begin
            lat <= lat + 1'b1;
        end
    end
    assign followed_full = fol_full;
    assign followed_wait = lat;
    assign followed_ahead = ahead;
    wire pick = s_fire && in_pos == 0 && !fol && pick_now;
    assign f_in = s_fire && (pick || fol_in);
    assign f_out = m_fire && fol && ahead == 0;
    always @(posedge clk) begin
        if (!rst_n) begin
            fol <= 1'b0;
            fol_in <= 1'b0;
        end else begin
            if (pick) begin
                fol <= 1'b1;
                ahead <= in_img - out_img - (out_done ? 1'b1 : 1'b0);
            end else if (fol && out_done) begin
                if (ahead == 0) fol <= 1'b0;
                else ahead <= ahead - 1'b1;
            end
            if (f_in) fol_in <= (in_pos != IN_BEATS - 1);
        end
    end

    wire [CW-1:0] in_flight = in_img - out_img;  // input images completed, their output not (modulo 2**CW)
    wire owed = (in_img != out_img);  // a completed input image's output is not all out
    always @(posedge clk) begin
        if (!rst_n || s_fire || m_fire || !(s_tvalid || owed) || (m_tvalid && !m_tready)) idle <= 0;
        else idle <= idle + 1'b1;
        rdy_low <= m_tready ? 0 : rdy_low + 1'b1;
    end

    always @(*) begin
        env_fair: assume (rdy_low < STALL - 1 || m_tready);
    end

    always @(posedge clk) begin
        if (past_valid && rst_n && $past(rst_n) && $past(s_tvalid && !s_tready)) begin
            env_hold: assume (s_tvalid && s_tdata == $past(s_tdata));
        end
        if (past_valid && rst_n && $past(rst_n) && $past(m_tvalid && !m_tready)) begin
            hold: assert (m_tvalid && m_tdata == $past(m_tdata));
        end
        if (past_valid && $past(!rst_n)) begin
            reset: assert (!m_tvalid);
        end
        if (past_valid && rst_n) begin
            // images started on the input side minus images completed on the output side is >= 1
            // while an output image is under way, >= 0 always
            // (modulo 2**CW: in_img - out_img below 2**(CW-1) is the images in flight, at or above it fewer than 0)
            no_extra: assert (in_flight < (1 << (CW - 1)) && !(in_flight == 0 && in_pos == 0 && out_pos != 0));
            progress: assert (idle < BOUND);
            if (LATENCY > 0 && fol_full) latency: assert (lat < LATENCY);
        end
`ifndef BNNC_FV_NO_LEMMAS
        if (INVARIANTS != 0 && past_valid && rst_n) begin
            inv_pos: assert (in_pos < IN_BEATS && out_pos < OUT_BEATS);
            // the followed image's later input beats arrive only while it is followed, after its first
            inv_follow: assert (!fol_in || (fol && in_pos != 0));
            inv_full: assert (!fol_full || (fol && !fol_in));
        end
`endif
        // reachability (cover mode, formal/run.py --cover): a followed image's output completes within
        // the depth, so the depth covers a whole image and the data properties are not vacuous
        image_out: cover (past_valid && rst_n && f_out && out_pos == OUT_BEATS - 1);
    end
endmodule


// bnnc_fv_one_beat: the k-induction lemmas of a core that holds at most one beat, in its output
// register, and sends one output beat per input beat (NB beats per image each way): the threshold
// stages. The core's beat index and the checker's counters (bnnc_fv_stream's outputs) follow from
// whether the register is full; the followed image is the one under way; and while it is followed,
// the register's beat is already what the wrapper's data property expects of it (held_ok).
// BNNC_FV_NO_LEMMAS leaves the assertions out.
module bnnc_fv_one_beat #(
    parameter integer NB = 1  // beats per image, each way (>= 1)
) (
    input wire       clk,
    input wire       rst_n,
    input wire [7:0] beat,         // the core's next input beat index within its image
    input wire       m_tvalid,     // the output register holds a beat
    input wire       held_ok,      // the held beat is what the data property expects of the followed image's
    input wire [7:0] in_idx, out_idx, in_pos, out_pos, in_img, out_img, ahead,  // bnnc_fv_stream's (CW = 8)
    input wire       followed, followed_in, followed_full,
    input wire [7:0] followed_wait         // bnnc_fv_stream's latency count
);
`ifndef BNNC_FV_NO_LEMMAS
    wire [7:0] held = in_idx - out_idx;
    wire [7:0] in_flight = in_img - out_img;
    wire [7:0] prev_pos = (in_pos == 0) ? NB - 1 : in_pos - 1;
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) begin
        if (f_past_valid && rst_n) begin
            inv_count: assert (beat < NB && held == {7'd0, m_tvalid} && in_pos == beat
                               && out_pos == (m_tvalid ? prev_pos : in_pos)
                               && in_flight == {7'd0, m_tvalid && in_pos == 0});
            if (followed) begin
                // picked only when no earlier image is owed (the register empties as the first beat enters)
                inv_followed: assert (ahead == 0 && (followed_in || (m_tvalid && in_pos == 0)));
                // its last beat, once in, is the register's: no cycle has counted towards its latency yet
                if (followed_full) inv_wait: assert (followed_wait == 0);
                if (m_tvalid) inv_held: assert (held_ok);
            end
        end
    end
`endif
endmodule

`default_nettype wire
