// bnnc_uart_tx: UART transmitter, 8 data bits, no parity, 1 stop bit (8N1), LSB first.
//
// Takes one byte from s_axis when idle (s_axis_tready is high exactly when no frame is
// being sent), then drives start bit, 8 data bits and stop bit, CLKS_PER_BIT cycles
// each. Between back-to-back bytes the stop bit lasts one cycle longer (the idle
// cycle in which the next byte is taken). The line is registered and idle high (also
// in reset).
`default_nettype none

module bnnc_uart_tx #(
    parameter integer CLKS_PER_BIT = 104  // clock cycles per bit (clock / baud, rounded; >= 1)
) (
    input  wire       clk,            // clock
    input  wire       rst_n,          // synchronous active-low reset
    input  wire [7:0] s_axis_tdata,   // byte to send
    input  wire       s_axis_tvalid,  // a byte is offered
    output wire       s_axis_tready,  // transmitter idle: takes the byte
    output reg        tx              // serial line (idle high)
);
    generate
        if (CLKS_PER_BIT < 1) begin : g_bad_cpb
            bnnc_param_error_uart_tx_clks_per_bit_must_be_positive u_err ();
        end
    endgenerate

    localparam integer CW = $clog2(CLKS_PER_BIT + 1);  // bit-timer width
    localparam integer LAST_I = CLKS_PER_BIT - 1;
    localparam [CW-1:0] LAST = LAST_I[CW-1:0];  // timer value at which a bit ends

    reg          busy;
    reg [CW-1:0] timer;
    reg [3:0]    nbit;   // bits of the frame left to send after the current one
    reg [8:0]    shift;  // data bits then the stop bit, shifted out LSB first

    assign s_axis_tready = !busy;

    always @(posedge clk) begin
        if (!rst_n) begin
            busy <= 1'b0;
            timer <= {CW{1'b0}};
            nbit <= 4'd0;
            shift <= 9'h1ff;
            tx <= 1'b1;
        end else if (!busy) begin
            if (s_axis_tvalid) begin
                busy <= 1'b1;
                tx <= 1'b0;  // start bit
                shift <= {1'b1, s_axis_tdata};
                nbit <= 4'd9;
                timer <= {CW{1'b0}};
            end
        end else if (timer != LAST) begin
            timer <= timer + 1'b1;
        end else begin
            timer <= {CW{1'b0}};
            if (nbit == 4'd0) begin
                busy <= 1'b0;  // stop bit done; tx stays high
            end else begin
                tx <= shift[0];
                shift <= {1'b1, shift[8:1]};
                nbit <= nbit - 1'b1;
            end
        end
    end
endmodule

`default_nettype wire
