// bnnc_uart_rx: UART receiver, 8 data bits, no parity, 1 stop bit (8N1), LSB first.
//
// The line goes through a 2-flop synchronizer (rx is asynchronous to clk). A falling
// edge starts a frame; the start bit is checked again in its middle (a glitch shorter
// than half a bit is ignored), then every bit is sampled in its middle, CLKS_PER_BIT
// cycles apart. A stop bit sampled low is a framing error: the byte is dropped,
// frame_err pulses for one cycle and the receiver waits for the line to go high
// (idle) before it looks for the next start bit, so a held-low line (break) gives one
// error, not a stream of them. Received bytes leave on an AXI4-Stream register: a byte
// completed while the previous one is still unaccepted is dropped and overrun pulses
// (a UART cannot hold the sender back; the consumer has a whole byte time to accept).
`default_nettype none

module bnnc_uart_rx #(
    parameter integer CLKS_PER_BIT = 104  // clock cycles per bit (clock / baud, rounded; >= 4)
) (
    input  wire       clk,            // clock
    input  wire       rst_n,          // synchronous active-low reset
    input  wire       rx,             // serial line (idle high), asynchronous
    output wire [7:0] m_axis_tdata,   // received byte
    output wire       m_axis_tvalid,  // a received byte is waiting
    input  wire       m_axis_tready,  // consumer takes the byte
    output reg        frame_err,      // one-cycle pulse: stop bit was low, byte dropped
    output reg        overrun         // one-cycle pulse: byte dropped, previous one not yet taken
);
    generate
        if (CLKS_PER_BIT < 4) begin : g_bad_cpb
            bnnc_param_error_uart_rx_clks_per_bit_must_be_at_least_4 u_err ();
        end
    endgenerate

    localparam integer CW = $clog2(CLKS_PER_BIT + 1);  // bit-timer width
    localparam integer HALF_I = (CLKS_PER_BIT - 1) / 2;  // cycles from the falling edge to mid start bit
    localparam integer FULL_I = CLKS_PER_BIT - 1;        // cycles from one mid-bit to the next, minus 1
    localparam [CW-1:0] HALF = HALF_I[CW-1:0];
    localparam [CW-1:0] FULL = FULL_I[CW-1:0];

    localparam [2:0] S_IDLE = 3'd0, S_START = 3'd1, S_DATA = 3'd2, S_STOP = 3'd3, S_WAIT_HIGH = 3'd4;

    reg [1:0]    sync;  // 2-flop synchronizer; sync[1] is the line in clk's domain
    reg [2:0]    state;
    reg [CW-1:0] timer;
    reg [2:0]    nbit;
    reg [7:0]    shift;
    reg [7:0]    data;
    reg          valid;

    wire line = sync[1];
    assign m_axis_tdata = data;
    assign m_axis_tvalid = valid;

    always @(posedge clk) begin
        if (!rst_n) begin
            sync <= 2'b11;
        end else begin
            sync <= {sync[0], rx};
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            state <= S_IDLE;
            timer <= {CW{1'b0}};
            nbit <= 3'd0;
            shift <= 8'd0;
            data <= 8'd0;
            valid <= 1'b0;
            frame_err <= 1'b0;
            overrun <= 1'b0;
        end else begin
            frame_err <= 1'b0;
            overrun <= 1'b0;
            if (valid && m_axis_tready) begin
                valid <= 1'b0;
            end
            case (state)
                S_IDLE: begin
                    if (!line) begin
                        state <= S_START;
                        timer <= HALF;
                    end
                end
                S_START: begin
                    if (timer != {CW{1'b0}}) begin
                        timer <= timer - 1'b1;
                    end else if (line) begin
                        state <= S_IDLE;  // shorter than half a bit: a glitch, not a start bit
                    end else begin
                        state <= S_DATA;
                        timer <= FULL;
                        nbit <= 3'd0;
                    end
                end
                S_DATA: begin
                    if (timer != {CW{1'b0}}) begin
                        timer <= timer - 1'b1;
                    end else begin
                        shift <= {line, shift[7:1]};  // LSB first
                        timer <= FULL;
                        nbit <= nbit + 1'b1;
                        if (nbit == 3'd7) begin
                            state <= S_STOP;
                        end
                    end
                end
                S_STOP: begin
                    if (timer != {CW{1'b0}}) begin
                        timer <= timer - 1'b1;
                    end else if (!line) begin
                        frame_err <= 1'b1;
                        state <= S_WAIT_HIGH;
                    end else begin
                        state <= S_IDLE;
                        if (valid && !m_axis_tready) begin
                            overrun <= 1'b1;  // keep the older byte, drop this one
                        end else begin
                            data <= shift;
                            valid <= 1'b1;
                        end
                    end
                end
                default: begin  // S_WAIT_HIGH
                    if (line) begin
                        state <= S_IDLE;
                    end
                end
            endcase
        end
    end
endmodule

`default_nettype wire
