// frontend-http: an OpenAI-compatible HTTP server.
#include <memory>

#include "http_server.h"
#include "http_settings.h"
#include "plexus/logging.h"
#include "plexus/plugin.h"

namespace plexus::http {
namespace {

class HttpFrontend final : public Frontend {
 public:
  HttpFrontend(HttpSettings settings, FrontendContext context)
      : host_(settings.host), server_(std::move(settings), std::move(context)) {}
  Status start() override { return server_.start(); }
  void stop() override { server_.stop(); }
  void wait() override { server_.wait(); }
  std::string endpoint() const override {
    return "http://" + host_ + ":" + std::to_string(server_.port());
  }

 private:
  std::string host_;
  HttpServer server_;
};

Result<std::unique_ptr<Frontend>> create(const FrontendContext& context) {
  PLEXUS_ASSIGN_OR_RETURN(HttpSettings settings, read_http_settings(*context.config));
  if (settings.api_key.empty() && settings.host != "127.0.0.1" && settings.host != "::1") {
    logger().warn(
        "frontend-http listens on {} without an API key: anyone who can reach it can "
        "use it (set api_key_env or --api-key)",
        settings.host);
  }
  FrontendContext own = context;
  own.config = nullptr;  // the table is the factory's to read, not the server's to keep
  return std::unique_ptr<Frontend>(new HttpFrontend(std::move(settings), std::move(own)));
}

const PluginDescriptor kDescriptor = {
    PLEXUS_PLUGIN_ABI_FIELDS,
    PluginKind::kFrontend,
    "frontend-http",
    "0.2.0",
    PLEXUS_TOOLCHAIN_TAG,
    "OpenAI-compatible HTTP server (Boost.Beast)",
    nullptr,
    nullptr,
    nullptr,
    &create,
    nullptr,
};

}  // namespace
}  // namespace plexus::http

PLEXUS_PLUGIN_ENTRY(plexus::http::kDescriptor)
