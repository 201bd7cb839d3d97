// bnnc_width_converter: re-chunk a vector of N elements of EW bits from
// IN_LANES to OUT_LANES lanes per beat.
//
// Input: ceil(N/IN_LANES) beats per vector; output: ceil(N/OUT_LANES) beats
// per vector; element e sits in lane e % LANES of beat e / LANES. Padding
// lanes of the last input beat are ignored, padding lanes of the last output
// beat are driven 0. Vectors follow each other without separator.
//
// Implementation: a shift buffer of BUF = IN_LANES + 2*OUT_LANES - 1
// elements holds the elements received but not yet sent (element 0 is the
// oldest). The output beat is the first min(OUT_LANES, left in vector)
// elements once that many are buffered. An input beat is accepted when the
// buffer has room for a whole input beat, which depends on registers only
// (no combinational path from m_axis_tready). The buffer size makes input
// refusals happen only while the output has at least one more full beat
// ready, so the converter sustains one beat per cycle on its busier side:
// a vector takes max(input beats, output beats) cycles in steady state.
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

    localparam integer BUF = IN_LANES + 2 * OUT_LANES - 1;   // buffer size in elements
    localparam integer BW = BUF * EW;                        // buffer size in bits
    localparam integer CW = $clog2(BUF + 1);                 // element count width
    localparam integer NW = $clog2(N + 1);                   // per-vector counter width
    // Common width for counts compared against N, lanes and the buffer size.
    localparam integer XW = ((NW > CW) ? NW : CW) + 1;
    localparam integer IN_LIMIT_I = BUF - IN_LANES;          // accept while count <= this

    localparam [XW-1:0] N_X = N[XW-1:0];
    localparam [XW-1:0] IN_LANES_X = IN_LANES[XW-1:0];
    localparam [XW-1:0] OUT_LANES_X = OUT_LANES[XW-1:0];
    localparam [XW-1:0] IN_LIMIT_X = IN_LIMIT_I[XW-1:0];

    reg [BW-1:0] buffer;    // elements, oldest in the low bits; unused elements are 0
    reg [XW-1:0] count;     // elements in the buffer
    reg [XW-1:0] in_left;   // elements of the current input vector still to come
    reg [XW-1:0] out_left;  // elements of the current output vector still to send

    // Valid elements of the current input beat / needed for the next output beat.
    wire [XW-1:0] in_n = (in_left < IN_LANES_X) ? in_left : IN_LANES_X;
    wire [XW-1:0] out_n = (out_left < OUT_LANES_X) ? out_left : OUT_LANES_X;

    assign s_axis_tready = (count <= IN_LIMIT_X);
    assign m_axis_tvalid = (count >= out_n);

    wire in_fire = s_axis_tvalid && s_axis_tready;
    wire out_fire = m_axis_tvalid && m_axis_tready;

    // Output lanes: the oldest out_n elements, zeros past them.
    wire [OUT_LANES*EW-1:0] head = buffer[OUT_LANES*EW-1:0];
    genvar j;
    generate
        for (j = 0; j < OUT_LANES; j = j + 1) begin : g_out_lane
            localparam [XW-1:0] J_X = j;
            assign m_axis_tdata[j*EW +: EW] = (J_X < out_n) ? head[j*EW +: EW] : {EW{1'b0}};
        end
    endgenerate

    // Input lanes past in_n (padding of the last beat) are cleared.
    wire [IN_LANES*EW-1:0] in_clean;
    generate
        for (j = 0; j < IN_LANES; j = j + 1) begin : g_in_lane
            localparam [XW-1:0] J_X = j;
            assign in_clean[j*EW +: EW] = (J_X < in_n) ? s_axis_tdata[j*EW +: EW] : {EW{1'b0}};
        end
    endgenerate

    // Next buffer: drop the sent elements, append the received ones after the rest.
    wire [XW-1:0] pop_n = out_fire ? out_n : {XW{1'b0}};
    wire [XW-1:0] push_n = in_fire ? in_n : {XW{1'b0}};
    wire [XW-1:0] keep_n = count - pop_n;
    wire [BW-1:0] shifted = buffer >> (pop_n * EW);
    wire [BW-1:0] in_wide = {{(BW - IN_LANES*EW){1'b0}}, in_fire ? in_clean : {IN_LANES*EW{1'b0}}};
    wire [BW-1:0] appended = in_wide << (keep_n * EW);

    always @(posedge clk) begin
        if (!rst_n) begin
            buffer <= {BW{1'b0}};
            count <= {XW{1'b0}};
            in_left <= N_X;
            out_left <= N_X;
        end else begin
            buffer <= shifted | appended;
            count <= keep_n + push_n;
            if (in_fire) begin
                in_left <= (in_left == in_n) ? N_X : in_left - in_n;
            end
            if (out_fire) begin
                out_left <= (out_left == out_n) ? N_X : out_left - out_n;
            end
        end
    end
endmodule

`default_nettype wire
