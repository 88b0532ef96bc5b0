#include "prometheus.h"

#include <cstdio>
#include <sstream>

namespace plexus::http {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

class Writer {
 public:
  explicit Writer(const std::string& model) : labels_("model_name=\"" + escape(model) + "\"") {}

  void gauge(const char* name, const char* help, double value) {
    header(name, help, "gauge");
    out_ << "plexus:" << name << "{" << labels_ << "} " << number(value) << "\n";
  }
  // Counters are exposed as <name>_total, typed under <name>.
  void counter(const char* name, const char* help, double value) {
    header(name, help, "counter");
    out_ << "plexus:" << name << "_total{" << labels_ << "} " << number(value) << "\n";
  }
  void histogram(const char* name, const char* help, const Histogram& h) {
    header(name, help, "histogram");
    std::uint64_t cumulative = 0;
    for (std::size_t i = 0; i < h.counts.size(); ++i) {
      cumulative += h.counts[i];
      const std::string le = i < h.bounds.size() ? number(h.bounds[i]) : "+Inf";
      out_ << "plexus:" << name << "_bucket{" << labels_ << ",le=\"" << le << "\"} " << cumulative
           << "\n";
    }
    out_ << "plexus:" << name << "_sum{" << labels_ << "} " << number(h.sum) << "\n";
    out_ << "plexus:" << name << "_count{" << labels_ << "} " << h.count << "\n";
  }
  std::string str() const { return out_.str(); }

 private:
  static std::string escape(const std::string& s) {
    std::string e;
    for (char c : s) {
      if (c == '"' || c == '\\') e += '\\';
      if (c == '\n') {
        e += "\\n";
        continue;
      }
      e += c;
    }
    return e;
  }
  void header(const char* name, const char* help, const char* type) {
    out_ << "# HELP plexus:" << name << " " << help << "\n# TYPE plexus:" << name << " " << type
         << "\n";
  }
  std::string labels_;
  std::ostringstream out_;
};

}  // namespace

std::string prometheus_text(const EngineStats& s, const std::string& model_name) {
  Writer w(model_name);
  w.gauge("num_requests_running", "Sequences in the running batch.", double(s.running));
  w.gauge("num_requests_waiting", "Sequences waiting to be scheduled.", double(s.waiting));
  w.gauge("kv_cache_usage_perc", "Fraction of KV-cache blocks in use (1 = full).",
          s.kv_cache_usage);
  w.counter("prefix_cache_queries", "Prompt tokens looked up in the prefix cache.",
            double(s.prefix_cache_queries));
  w.counter("prefix_cache_hits", "Prompt tokens found in the prefix cache.",
            double(s.prefix_cache_hits));
  w.counter("prompt_tokens", "Prompt tokens of finished requests.", double(s.prompt_tokens));
  w.counter("generation_tokens", "Generated tokens.", double(s.generation_tokens));
  w.counter("num_preemptions", "Sequences preempted to free KV blocks.", double(s.preemptions));
  w.counter("request_success", "Requests finished with stop or length.",
            double(s.requests_succeeded));
  w.histogram("time_to_first_token_seconds", "Time from submit to the first token.",
              s.time_to_first_token);
  w.histogram("inter_token_latency_seconds", "Time between a sequence's tokens.",
              s.inter_token_latency);
  w.histogram("e2e_request_latency_seconds", "Time from submit to the last token.",
              s.e2e_request_latency);
  w.histogram("request_queue_time_seconds", "Time from submit to first scheduling.",
              s.request_queue_time);
  return w.str();
}

}  // namespace plexus::http
