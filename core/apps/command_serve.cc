// `plexus serve [MANIFEST]` and `plexus run [MANIFEST]`: bring a deployment up, serve until a
// front end finishes or SIGINT/SIGTERM arrives, then stop the front ends in order.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "commands.h"
#include "deployment.h"
#include "plexus/logging.h"

namespace plexus::cli {

int command_serve(const std::vector<std::string>& argv, bool stdin_frontend) {
  // Signals are taken synchronously by this thread: block them before any thread starts so
  // every thread inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<Args> args = parse_args(argv);
  if (!args.ok()) return fail(args.status().message(), 2);
  Result<Manifest> manifest = manifest_from_args(*args);
  if (!manifest.ok()) return fail(manifest.status().message());
  // PLEXUS_LOG, when set, wins over the manifest's [logging] level.
  if (std::getenv("PLEXUS_LOG") == nullptr) {
    if (Status s = set_log_level(manifest->logging.level); !s.ok()) return fail(s.message());
  }

  LoadOptions options;
  options.with_engine = true;
  if (stdin_frontend) options.frontend_override = "frontend-stdin";
  auto deployment = load_deployment(std::move(*manifest), *args, options);
  if (!deployment.ok()) return fail(deployment.status().message());
  Deployment& d = **deployment;
  logger().info("{}", describe(d));
  if (d.frontends.empty()) return fail("the manifest has no [[frontend]] to serve through");

  for (auto& f : d.frontends) {
    if (Status s = f->start(); !s.ok()) {
      for (auto& started : d.frontends) started->stop();
      return fail(s.message());
    }
    logger().info("serving on {}", f->endpoint());
  }

  // A watcher notices when every front end has finished by itself (e.g. end of input).
  std::atomic<bool> all_done{false};
  std::thread watcher([&] {
    for (auto& f : d.frontends) f->wait();
    all_done = true;
  });
  const timespec tick{0, 100'000'000};
  while (!all_done) {
    const int sig = sigtimedwait(&signals, nullptr, &tick);
    if (sig == SIGINT) {
      bool taken = false;
      for (auto& f : d.frontends) taken = f->on_interrupt() || taken;
      if (taken) continue;
    }
    if (sig == SIGINT || sig == SIGTERM) {
      logger().info("received {}, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
  }
  for (auto& f : d.frontends) f->stop();
  watcher.join();
  return 0;
}

}  // namespace plexus::cli
