// bnnc compiled simulation harness: streams a batch of beats through a generated top on Verilator.
//
// One static source for every design: Verilator builds it with `--prefix Vtop`, and the
// layer-to-layer streams are found at run time by name through Verilator's public
// scope table (the build marks `<stream>_tdata/tvalid/tready` of the top public_flat_rd
// in a .vlt file, so the generated Verilog is unchanged).
//
// The harness never packs or compares beats: Python (compiler/runtime/sim/engine.py) writes the
// input beats as little-endian 32-bit words, the input gap and output-ready schedules,
// and a config file; the harness moves the words into s_axis, and writes every beat that
// moves on m_axis and on each tapped stream (its width in little-endian bytes, and with
// `cycles 1` the cycle it moved on; m_axis's cycles always) to binary files that Python
// compares with the reference in bulk. What the harness does check is
// protocol, which has no expected values: the AXI hold rule on every monitored link and
// the watchdog. The cycle loop mirrors compiler/runtime/sim/network_tb.py exactly, so both
// engines stamp every beat with the same cycle.
//
// Usage: bnnc_sim <run folder>   (config in <run folder>/run.cfg, results beside it;
// the working folder must hold the design's .mem ROM images, read by $readmemh).

#include "Vtop.h"
#include "verilated.h"
#include "verilated_syms.h"
#if VM_TRACE
#include "verilated_vcd_c.h"
#endif

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "bnnc_sim records a beat's words as little-endian bytes: a little-endian host is needed"
#endif

namespace {

// ---- moving words in and out of Verilator's storage types (no lane packing here) ----

inline void put(CData& d, const uint32_t* w) { d = static_cast<CData>(w[0]); }
inline void put(SData& d, const uint32_t* w) { d = static_cast<SData>(w[0]); }
inline void put(IData& d, const uint32_t* w) { d = w[0]; }
inline void put(QData& d, const uint32_t* w) { d = static_cast<QData>(w[0]) | (static_cast<QData>(w[1]) << 32); }
template <std::size_t N>
inline void put(VlWide<N>& d, const uint32_t* w) {
    for (std::size_t i = 0; i < N; ++i) d[i] = w[i];
}
inline void get(const CData& d, uint32_t* w) { w[0] = d; }
inline void get(const SData& d, uint32_t* w) { w[0] = d; }
inline void get(const IData& d, uint32_t* w) { w[0] = d; }
inline void get(const QData& d, uint32_t* w) {
    w[0] = static_cast<uint32_t>(d);
    w[1] = static_cast<uint32_t>(d >> 32);
}
template <std::size_t N>
inline void get(const VlWide<N>& d, uint32_t* w) {
    for (std::size_t i = 0; i < N; ++i) w[i] = d[i];
}
template <typename T>
constexpr std::size_t words_of(const T&) {
    return sizeof(T) <= 4 ? 1 : sizeof(T) / 4;
}

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "bnnc_sim: %s\n", msg.c_str());
    std::exit(2);
}

// A binary output file, buffered here (no stdio lock or call per beat: a CNV records ~200k
// beats per image). put() appends bytes; nothing is written when the file was never opened.
struct Out {
    FILE* f = nullptr;
    std::vector<uint8_t> buf;
    std::size_t n = 0;
    void open(const std::string& path) {
        f = std::fopen(path.c_str(), "wb");
        if (!f) die("cannot write " + path);
        buf.resize(1 << 18);
    }
    void flush() {
        if (n && std::fwrite(buf.data(), 1, n, f) != n) die("write failed (disk full?)");
        n = 0;
    }
    void put(const void* p, std::size_t k) {
        if (!f) return;
        if (n + k + 4 > buf.size()) flush();
        if (k <= 4) std::memcpy(buf.data() + n, p, 4);  // a fixed-size copy (no call); the slack is overwritten next
        else std::memcpy(buf.data() + n, p, k);
        n += k;
    }
    void close() {
        if (f) {
            flush();
            std::fclose(f);
        }
        f = nullptr;
    }
};

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) die("cannot read " + path);
    return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// One monitored link: a tapped internal stream, or m_axis.
struct Link {
    std::string name;
    bool is_out = false;  // m_axis (the top's port), else an internal stream found by name
    std::size_t words = 1;
    std::size_t bytes = 4;  // bytes of a beat recorded: the stream's width rounded up to bytes (little-endian)
    uint64_t expected = 0;  // beats the run needs before it is done
    uint64_t count = 0;     // beats recorded
    const CData* valid = nullptr;
    const CData* ready = nullptr;
    // tdata reader: storage type and pointer (a tap) or the top's port (m_axis, get()).
    VerilatedVarType type = VLVT_UNKNOWN;
    const void* data = nullptr;
    bool held = false;  // a beat was offered and not yet taken (AXI hold rule)
    std::vector<uint32_t> held_words, cur;
    Out dat, cyc;  // cyc only when cycles are recorded (always for m_axis)

    void read(uint32_t* w) const {
        switch (type) {
        case VLVT_UINT8: w[0] = *static_cast<const uint8_t*>(data); break;
        case VLVT_UINT16: w[0] = *static_cast<const uint16_t*>(data); break;
        case VLVT_UINT32: w[0] = *static_cast<const uint32_t*>(data); break;
        case VLVT_UINT64: {
            uint64_t v = *static_cast<const uint64_t*>(data);
            w[0] = static_cast<uint32_t>(v);
            w[1] = static_cast<uint32_t>(v >> 32);
            break;
        }
        default: std::memcpy(w, data, 4 * words); break;
        }
    }
};

std::string hex_words(const std::vector<uint32_t>& w) {
    std::string s;
    char b[16];
    for (std::size_t i = w.size(); i-- > 0;) {
        std::snprintf(b, sizeof b, "%08x", w[i]);
        s += b;
    }
    return s;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) die("usage: bnnc_sim <run folder>");
    const std::string dir = argv[1];

    // ---- configuration (written by compiler/runtime/sim/engine.py) ----
    std::ifstream cfgf(dir + "/run.cfg");
    if (!cfgf) die("cannot read " + dir + "/run.cfg");
    std::string scope_name, wave_path;
    uint64_t in_beats = 0, in_words = 0, watchdog = 0, max_cycles = 0, drain = 0, reset_cycles = 4;
    uint64_t progress_every = 0, out_bpi = 1, wave_from = 0, wave_to = 0;
    bool has_gaps = false, has_ready = false, all_cycles = true;
    std::vector<Link> links;  // taps in stream order, then m_axis last
    std::string key;
    while (cfgf >> key) {
        if (key == "scope") cfgf >> scope_name;
        else if (key == "in") cfgf >> in_beats >> in_words;
        else if (key == "gaps") cfgf >> has_gaps;
        else if (key == "ready") cfgf >> has_ready;
        else if (key == "watchdog") cfgf >> watchdog;
        else if (key == "max_cycles") cfgf >> max_cycles;
        else if (key == "drain") cfgf >> drain;
        else if (key == "reset") cfgf >> reset_cycles;
        else if (key == "cycles") cfgf >> all_cycles;
        else if (key == "progress") cfgf >> progress_every >> out_bpi;
        else if (key == "waves") {
            cfgf >> wave_from >> wave_to >> std::ws;
            std::getline(cfgf, wave_path);  // the rest of the line: a path may hold spaces
        }
        else if (key == "tap" || key == "out") {
            Link l;
            cfgf >> l.name >> l.words >> l.bytes >> l.expected;
            l.is_out = key == "out";
            links.push_back(std::move(l));
        } else die("unknown config key " + key);
    }
    if (links.empty() || !links.back().is_out) die("config must end with the out line");
    for (const Link& l : links)
        if (l.bytes < 1 || l.bytes > 4 * l.words) die("stream " + l.name + ": recorded bytes must fit its words");

    const std::unique_ptr<VerilatedContext> ctx{new VerilatedContext};
    ctx->commandArgs(0, static_cast<const char**>(nullptr));
    const std::unique_ptr<Vtop> top{new Vtop{ctx.get(), "TOP"}};

    // ---- inputs ----
    std::vector<uint8_t> in_raw = read_file(dir + "/input.bin");
    if (in_words != words_of(top->s_axis_tdata)) die("input words per beat must match s_axis_tdata");
    if (in_raw.size() != in_beats * in_words * 4) die("input.bin must hold in_beats * in_words words");
    const uint32_t* in = reinterpret_cast<const uint32_t*>(in_raw.data());
    std::vector<uint8_t> gaps, ready;
    if (has_gaps) {
        gaps = read_file(dir + "/gaps.bin");
        if (gaps.size() != in_beats) die("gaps.bin must hold one byte per input beat");
    }
    if (has_ready) {
        ready = read_file(dir + "/ready.bin");
        if (ready.empty()) die("ready.bin must not be empty");
    }

    // ---- resolve the monitored links ----
    const VerilatedScope* scope = scope_name == "-" ? nullptr : Verilated::scopeFind(scope_name.c_str());
    for (Link& l : links) {
        l.cur.assign(l.words, 0);
        l.held_words.assign(l.words, 0);
        if (l.is_out) {
            l.valid = &top->m_axis_tvalid;
            l.ready = &top->m_axis_tready;
            if (l.words != words_of(top->m_axis_tdata)) die("output words per beat must match m_axis_tdata");
            continue;
        }
        if (!scope) die("scope " + scope_name + " must exist for stream taps");
        auto find = [&](const std::string& sig) {
            VerilatedVar* v = scope->varFind((l.name + sig).c_str());
            if (!v) die("stream signal " + l.name + sig + " must be public in the build, not missing");
            return v;
        };
        l.valid = static_cast<const CData*>(find("_tvalid")->datap());
        l.ready = static_cast<const CData*>(find("_tready")->datap());
        VerilatedVar* d = find("_tdata");
        l.type = d->vltype();
        l.data = d->datap();
        const uint32_t bits = d->entBits();
        if ((bits + 31) / 32 != l.words) die("stream " + l.name + " width does not match its config");
    }
    for (std::size_t k = 0; k < links.size(); ++k) {
        links[k].dat.open(dir + "/s" + std::to_string(k) + ".dat");
        if (all_cycles || links[k].is_out) links[k].cyc.open(dir + "/s" + std::to_string(k) + ".cyc");
    }
    Out in_cyc;
    in_cyc.open(dir + "/in.cyc");
    Link& out = links.back();

#if VM_TRACE
    std::unique_ptr<VerilatedVcdC> tfp;
    if (!wave_path.empty()) ctx->traceEverOn(true);
#endif

    // ---- reset: rst_n low for reset_cycles rising edges, then one edge with it high ----
    top->clk = 0;
    top->rst_n = 0;
    top->s_axis_tvalid = 0;
    top->m_axis_tready = 0;
    top->eval();
    for (uint64_t i = 0; i < reset_cycles; ++i) {
        top->clk = 1;
        top->eval();
        top->clk = 0;
        top->eval();
    }
    top->rst_n = 1;
    top->clk = 1;
    top->eval();

    // ---- the cycle loop (same order as network_tb.py) ----
    uint64_t in_idx = 0, gap = 0, cycle = 0, last_progress = 0, done_at = UINT64_MAX;
    bool driving = false;
    std::string status = "ok", detail;
    for (;; ++cycle) {
        if (done_at == UINT64_MAX) {
            bool done = in_idx == in_beats;
            for (const Link& l : links) done = done && l.count >= l.expected;
            if (done) done_at = cycle;
        }
        if (done_at != UINT64_MAX && cycle - done_at >= drain) break;
        if (cycle > UINT32_MAX - 2) {
            status = "max_cycles";
            break;
        }
        // drive s_axis and m_axis_tready for this cycle
        top->clk = 0;
        if (!driving) {
            if (in_idx < in_beats && gap == 0) {
                put(top->s_axis_tdata, in + in_idx * in_words);
                top->s_axis_tvalid = 1;
                driving = true;
            } else {
                if (gap) --gap;
                top->s_axis_tvalid = 0;
            }
        }
        top->m_axis_tready = has_ready ? ready[cycle % ready.size()] : 1;
        top->eval();
#if VM_TRACE
        if (!wave_path.empty() && cycle == wave_from && !tfp) {
            tfp.reset(new VerilatedVcdC);
            top->trace(tfp.get(), 99);
            tfp->open(wave_path.c_str());
        }
        if (tfp) tfp->dump(static_cast<uint64_t>(cycle) * 10 + 5);
#endif
        // sample every monitored link: hold rule, then record a beat that moves
        const uint32_t c32 = static_cast<uint32_t>(cycle);
        bool failed = false;
        for (std::size_t k = 0; k < links.size() && !failed; ++k) {
            Link& l = links[k];
            if (!*l.valid) {
                if (l.held) {
                    status = "protocol";
                    detail = "drop " + std::to_string(k) + " " + std::to_string(l.count) + " " +
                             hex_words(l.held_words) + " 0";
                    failed = true;
                }
                continue;
            }
            uint32_t* w = l.cur.data();
            if (&l == &out) get(top->m_axis_tdata, w);
            else l.read(w);
            if (l.held && std::memcmp(w, l.held_words.data(), 4 * l.words) != 0) {
                status = "protocol";
                detail = "change " + std::to_string(k) + " " + std::to_string(l.count) + " " +
                         hex_words(l.held_words) + " " + hex_words(l.cur);
                failed = true;
                continue;
            }
            if (*l.ready) {
                l.held = false;
                l.dat.put(w, l.bytes);  // little-endian host: the words' first bytes are the beat's low bits
                l.cyc.put(&c32, 4);
                ++l.count;
                last_progress = cycle;
            } else if (!l.held) {
                l.held = true;
                l.held_words.assign(w, w + l.words);
            }
        }
        if (failed) break;
        if (driving && top->s_axis_tready) {
            in_cyc.put(&c32, 4);
            driving = false;
            gap = has_gaps ? gaps[in_idx] : 0;
            ++in_idx;
            last_progress = cycle;
        }
        if (done_at == UINT64_MAX) {
            if (cycle - last_progress > watchdog) {
                status = "watchdog";
                break;
            }
            if (cycle > max_cycles) {
                status = "max_cycles";
                break;
            }
        }
        if (progress_every && cycle % progress_every == 0) {
            std::printf("progress %llu\n", static_cast<unsigned long long>(out.count / out_bpi));
            std::fflush(stdout);
        }
        top->clk = 1;
        top->eval();
#if VM_TRACE
        if (tfp) {
            tfp->dump(static_cast<uint64_t>(cycle + 1) * 10);
            if (cycle >= wave_to) {
                tfp->close();
                tfp.reset();
                wave_path.clear();
            }
        }
#endif
    }
#if VM_TRACE
    if (tfp) tfp->close();
#endif
    top->final();
    for (Link& l : links) {
        l.dat.close();
        l.cyc.close();
    }
    in_cyc.close();
    std::ofstream st(dir + "/status.txt");
    st << status << " " << cycle << " " << in_idx;
    for (const Link& l : links) st << " " << l.count;
    st << "\n" << detail << "\n";
    return 0;
}
