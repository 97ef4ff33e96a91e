#include "cli/command.hpp"

#include "core/text.hpp"

#include <charconv>

#include <fmt/format.h>

namespace po = boost::program_options;

namespace tend::cli {

Result<std::optional<std::int64_t>> Invocation::time(const char* name, TimeRole role) const {
  auto text = opt<std::string>(name);
  if (!text) return std::optional<std::int64_t>();
  Result<Instant> at = parse_when(*text, now_, role);
  if (!at.is_ok()) return at.status().with_context(fmt::format("--{}", name));
  return std::optional<std::int64_t>(at->utc);
}

Result<std::optional<std::string>> Invocation::path(const char* name) const {
  auto value = opt<std::string>(name);
  if (value && value->empty()) {
    return usage_error(fmt::format("--{} needs a file name", name));
  }
  return value;
}

PassphraseSources Invocation::passphrase_sources() const {
  PassphraseSources s;
  if (auto fd = opt<std::string>("passphrase-fd")) {
    Result<std::int64_t> n = parse_int(*fd, "--passphrase-fd", 0, 65535);
    s.fd = n.is_ok() ? static_cast<int>(*n) : -1;  // -1: refused where it is read
  }
  s.file = opt<std::string>("passphrase-file");
  s.command = opt<std::string>("passphrase-command");
  return s;
}

AgentPlace Invocation::agents() const {
  return agent_place(io_.getenv("XDG_RUNTIME_DIR"), io_.getenv("TMPDIR"));
}

Result<std::int64_t> parse_int(const std::string& text, const char* what, std::int64_t lo,
                               std::int64_t hi) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || text.empty()) {
    // The text is not repeated: a mistyped number is often a note in the wrong place.
    return usage_error(fmt::format("{} is not a whole number", what));
  }
  if (v < lo || v > hi) return usage_error(fmt::format("{} {} is outside {}..{}", what, v, lo, hi));
  return v;
}

Result<EntryId> parse_entry_id(const Invocation& in) {
  Result<std::int64_t> id = parse_int(in.args()[0], "id", 1, INT64_MAX);
  if (!id.is_ok()) return id.status();
  return EntryId{*id, {}};
}

Result<EntryId> parse_entry_to_remove(const Invocation& in) {
  Result<EntryId> r = parse_entry_id(in);
  if (!r.is_ok() || in.flag("yes")) return r;
  // Asked before anything is unlocked: without a terminal, say so at once.
  if (!in.io().has_terminal || !in.io().read_terminal_line) {
    return usage_error("deleting for good needs a confirmation, and there is no terminal to ask",
                       "add --yes to delete without asking");
  }
  Io& io = in.io();
  r->confirm = [&io](const std::string& what) {
    Result<std::string> answer =
        io.read_terminal_line(fmt::format("Delete {} for good? [y/N] ", display(what)));
    return answer.is_ok() && (*answer == "y" || *answer == "Y" || *answer == "yes");
  };
  return r;
}

Status parse_window(const Invocation& in, std::optional<std::int64_t>* from,
                    std::optional<std::int64_t>* until, bool with_on) {
  if (with_on) {
    if (auto on = in.opt<std::string>("on")) {
      if (in.has("from") || in.has("until")) {
        return usage_error("--on and --from/--until conflict; give one");
      }
      Result<Instant> a = parse_when(*on, in.now(), TimeRole::kRangeStart);
      if (!a.is_ok()) return a.status().with_context("--on");
      Result<Instant> b = parse_when(*on, in.now(), TimeRole::kRangeEnd);
      if (!b.is_ok()) return b.status().with_context("--on");
      *from = a->utc;
      *until = b->utc;
      return Status::ok();
    }
  }
  Result<std::optional<std::int64_t>> f = in.time("from", TimeRole::kRangeStart);
  if (!f.is_ok()) return f.status();
  Result<std::optional<std::int64_t>> u = in.time("until", TimeRole::kRangeEnd);
  if (!u.is_ok()) return u.status();
  *from = *f;
  *until = *u;
  if (*from && *until && **from > **until) return usage_error("--from is later than --until");
  return Status::ok();
}

Result<std::optional<std::int64_t>> parse_limit(const Invocation& in) {
  auto limit = in.opt<std::string>("limit");
  if (!limit) return std::optional<std::int64_t>();
  Result<std::int64_t> n = parse_int(*limit, "limit", 1, 1000000000);
  if (!n.is_ok()) return n.status();
  return std::optional<std::int64_t>(*n);
}

void global_options(po::options_description& d) {
  d.add_options()("vault", po::value<std::string>()->value_name("DIR"),
                  "the vault directory (default: $TEND_VAULT, else $XDG_DATA_HOME/tend, else "
                  "~/.local/share/tend)");
  d.add_options()("json", po::bool_switch(), "machine-readable output on stdout");
  d.add_options()("utc", po::bool_switch(), "show times in UTC instead of the local zone");
  d.add_options()("passphrase-file", po::value<std::string>()->value_name("F"),
                  "read the passphrase from the first line of F");
  d.add_options()("passphrase-fd", po::value<std::string>()->value_name("N"),
                  "read the passphrase from file descriptor N");
  d.add_options()("passphrase-command", po::value<std::string>()->value_name("CMD"),
                  "run CMD (split into words, no shell) and read the passphrase from the first "
                  "line it prints, e.g. 'pass show tend' (default: $TEND_PASSPHRASE_COMMAND)");
  d.add_options()("help,h", po::bool_switch(), "show help for the command");
}

const Command* find_command(std::string_view name) {
  for (const Command& c : commands()) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

namespace options {
void none(po::options_description&) {}
}  // namespace options

ProgressFn progress_line(Io& io) {
  if (!io.err_is_terminal || io.err == nullptr) return nullptr;
  struct Last {
    std::string stage;
    std::uint64_t percent = 101;
  };
  auto last = std::make_shared<Last>();
  return [&io, last](std::string_view stage, std::uint64_t done, std::uint64_t total) {
    const std::uint64_t percent =
        total == 0 ? (done >> 20) : std::min<std::uint64_t>(done * 100 / total, 100);
    if (stage == last->stage && percent == last->percent) return;
    last->stage = std::string(stage);
    last->percent = percent;
    if (total != 0 && done >= total) {
      *io.err << "\r\x1b[K" << std::flush;  // done: the line goes
      return;
    }
    if (total == 0) {  // a pipe: how much so far
      *io.err << fmt::format("\rtend: {} {:.1f} MiB\x1b[K", stage,
                             static_cast<double>(done) / (1 << 20))
              << std::flush;
      return;
    }
    *io.err << fmt::format("\rtend: {} {}%\x1b[K", stage, percent) << std::flush;
  };
}

}  // namespace tend::cli
