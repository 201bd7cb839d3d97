// bnnc_fifo: AXI4-Stream FIFO, WIDTH bits x DEPTH beats.
//
// Storage: a (DEPTH-1)-entry circular buffer plus the output register, so the
// FIFO holds exactly DEPTH beats. m_axis_tdata/m_axis_tvalid come straight
// from registers; s_axis_tready is derived from registers only (no
// combinational path from m_axis_tready). One beat per cycle in and out.
//
// BYPASS = 1: a beat written into an empty FIFO goes straight to the output
// register and is visible on the output one cycle later; the cost is a 2:1 mux
// in front of every output bit (one LUT per bit). BYPASS = 0: every beat passes
// through the circular buffer, visible two cycles after it is written into an
// empty FIFO; the buffer's read port (LUT RAM) feeds the output register with
// no LUT between them (a 784-bit FIFO of depth 3: 793 LUT6 -> 8 in Yosys). The
// compiler's FIFOs between layers use 0; the cores' internal queues keep 1.
`default_nettype none

module bnnc_fifo #(
    parameter integer WIDTH = 8,  // bits per beat (>= 1)
    parameter integer DEPTH = 2,  // capacity in beats (>= 2; >= 3 when BYPASS = 0, for one beat per cycle)
    parameter integer BYPASS = 1  // 1: empty-FIFO bypass to the output register (latency 1); 0: none (latency 2)
) (
    input  wire             clk,            // clock
    input  wire             rst_n,          // synchronous active-low reset
    input  wire [WIDTH-1:0] s_axis_tdata,   // input beat
    input  wire             s_axis_tvalid,  // input beat valid
    output wire             s_axis_tready,  // FIFO can take a beat
    output wire [WIDTH-1:0] m_axis_tdata,   // output beat (registered)
    output wire             m_axis_tvalid,  // output beat valid (registered)
    input  wire             m_axis_tready   // consumer takes the output beat
`ifdef FORMAL
    ,  // formal only (templates/cores/formal/fv_bnnc_fifo.sv): the queue's contents, for k-induction
    output wire [7:0]       fv_count,       // beats held: the output register's and the buffer's
    input  wire [7:0]       fv_pos,         // a place in the queue, 0 = the next beat out
    output wire [WIDTH-1:0] fv_beat         // the beat held at fv_pos (when fv_pos < fv_count)
`endif
);
    // ------------------------------------------------------------------
    // Parameter checks (elaboration fails on an unknown module name).
    // ------------------------------------------------------------------
    generate
        if (WIDTH < 1) begin : g_bad_width
            bnnc_param_error_fifo_width_must_be_positive u_err ();
        end
        if (DEPTH < 2) begin : g_bad_depth
            bnnc_param_error_fifo_depth_must_be_at_least_2 u_err ();
        end
        if (BYPASS != 0 && BYPASS != 1) begin : g_bad_bypass
            bnnc_param_error_fifo_bypass_must_be_0_or_1 u_err ();
        end
        // without the bypass a 1-entry buffer alternates fill and drain: half rate
        if (BYPASS == 0 && DEPTH < 3) begin : g_bad_depth_no_bypass
            bnnc_param_error_fifo_depth_must_be_at_least_3_without_bypass u_err ();
        end
    endgenerate

    localparam integer RAM_DEPTH = (DEPTH >= 2) ? DEPTH - 1 : 1;  // circular buffer entries
    localparam integer PTR_W = (RAM_DEPTH > 1) ? $clog2(RAM_DEPTH) : 1;  // pointer width
    localparam integer CNT_W = $clog2(RAM_DEPTH + 1);  // occupancy counter width
    localparam integer PTR_LAST_I = RAM_DEPTH - 1;  // last pointer value before wrap
    localparam [PTR_W-1:0] PTR_LAST = PTR_LAST_I[PTR_W-1:0];
    localparam [CNT_W-1:0] CNT_FULL = RAM_DEPTH[CNT_W-1:0];  // occupancy of a full buffer

    reg [WIDTH-1:0] ram [0:RAM_DEPTH-1];
    reg [PTR_W-1:0] wr_ptr;
    reg [PTR_W-1:0] rd_ptr;
    reg [CNT_W-1:0] ram_cnt;
    reg [WIDTH-1:0] out_data;
    reg             out_valid;

    wire ram_empty = (ram_cnt == {CNT_W{1'b0}});
    wire in_fire = s_axis_tvalid && s_axis_tready;
    // The output register can be (re)loaded this cycle.
    wire out_free = !out_valid || m_axis_tready;
    // Which source refills the output register: buffer head, or the input directly.
    wire load_ram = out_free && !ram_empty;
    wire load_in = (BYPASS != 0) && out_free && ram_empty && in_fire;
    // Input beats that do not go straight to the output register go to the buffer.
    wire push_ram = in_fire && !load_in;

    assign s_axis_tready = (ram_cnt != CNT_FULL);
    assign m_axis_tdata = out_data;
    assign m_axis_tvalid = out_valid;

    always @(posedge clk) begin
        if (push_ram) begin
            ram[wr_ptr] <= s_axis_tdata;
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            wr_ptr <= {PTR_W{1'b0}};
            rd_ptr <= {PTR_W{1'b0}};
            ram_cnt <= {CNT_W{1'b0}};
            out_valid <= 1'b0;
            out_data <= {WIDTH{1'b0}};
        end else begin
            if (push_ram) begin
                wr_ptr <= (wr_ptr == PTR_LAST) ? {PTR_W{1'b0}} : wr_ptr + 1'b1;
            end
            if (load_ram) begin
                rd_ptr <= (rd_ptr == PTR_LAST) ? {PTR_W{1'b0}} : rd_ptr + 1'b1;
            end
            if (push_ram && !load_ram) begin
                ram_cnt <= ram_cnt + 1'b1;
            end else if (load_ram && !push_ram) begin
                ram_cnt <= ram_cnt - 1'b1;
            end
            if (load_ram) begin
                out_data <= ram[rd_ptr];
                out_valid <= 1'b1;
            end else if (load_in) begin
                out_data <= s_axis_tdata;
                out_valid <= 1'b1;
            end else if (m_axis_tready) begin
                out_valid <= 1'b0;
            end
        end
    end
`ifdef FORMAL
    // The queue as the wrapper sees it: the output register (when valid), then the buffer from rd_ptr.
    wire [7:0] f_ram_pos = fv_pos - {7'd0, out_valid};
    wire [8:0] f_ram_idx = {1'b0, rd_ptr} + {1'b0, f_ram_pos} >= RAM_DEPTH
                           ? {1'b0, rd_ptr} + {1'b0, f_ram_pos} - RAM_DEPTH : {1'b0, rd_ptr} + {1'b0, f_ram_pos};
    assign fv_count = ram_cnt + {7'd0, out_valid};
    assign fv_beat = (out_valid && fv_pos == 8'd0) ? out_data : ram[f_ram_idx[PTR_W-1:0]];

`ifndef BNNC_FV_NO_LEMMAS
    // Lemmas for k-induction: the invariants of the pointers and counts, which hold once a reset has
    // passed (the wrapper starts in reset). formal/run.py's lemmas=False leaves them out.
    reg f_past_valid = 1'b0;
    always @(posedge clk) f_past_valid <= 1'b1;
    always @(*) begin
        if (f_past_valid) begin
            f_ptrs: assert (ram_cnt <= CNT_FULL && wr_ptr <= PTR_LAST && rd_ptr <= PTR_LAST);
            f_ring: assert ({1'b0, rd_ptr} + ram_cnt == {1'b0, wr_ptr}
                            || {1'b0, rd_ptr} + ram_cnt == {1'b0, wr_ptr} + RAM_DEPTH);
            // with the bypass, a beat waits in the buffer only behind a valid output register
            if (BYPASS != 0) f_bypass: assert (ram_empty || out_valid);
        end
    end
`endif
`endif
endmodule

`default_nettype wire
