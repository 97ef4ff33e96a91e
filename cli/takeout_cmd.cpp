// tend takeout: all of the owner's data, in a documented file they can take
// anywhere. Encrypted (age) unless they ask for plaintext.
#include <fmt/format.h>

#include "cli/command.hpp"
#include "core/takeout.hpp"
#include "core/text.hpp"

namespace po = boost::program_options;

namespace tend::cli {
namespace {

// The takeout's passphrase: the first line of `file`, else asked twice on the terminal.
SecretSource takeout_passphrase(Io& io, std::optional<std::string> file) {
  return [&io, file = std::move(file)]() -> Result<SecretBytes> {
    Result<SecretBytes> r = usage_error("no passphrase for the takeout");
    if (file) {
      r = read_secret_file(*file, "takeout passphrase file");
    } else if (io.has_terminal && io.read_terminal_secret) {
      r = io.read_terminal_secret("Passphrase for the takeout: ");
      if (!r.is_ok()) return r.status();
      Result<SecretBytes> again = io.read_terminal_secret("Repeat it: ");
      if (!again.is_ok()) return again.status();
      if (!r->equals(*again)) return usage_error("the passphrases do not match; nothing written");
    } else {
      return usage_error("no passphrase for the takeout: there is no terminal to ask",
                         "use --takeout-passphrase-file FILE, --to age1..., or --plaintext");
    }
    if (!r.is_ok()) return r.status();
    if (r->empty()) return usage_error("the takeout's passphrase is empty; nothing written");
    if (r->size() < 12) {
      *io.err << "tend: warning: anyone who gets the file can try passphrases offline; one "
                 "shorter than 12 characters is easy to guess\n";
    }
    return r;
  };
}

Result<TakeoutRequest> parse_takeout(const Invocation& in) {
  TakeoutRequest r;
  Result<std::optional<std::string>> out = in.path("output");
  if (!out.is_ok()) return out.status();
  if (!*out) return usage_error("takeout needs -o FILE", "tend takeout -o tend-takeout.age");
  r.path = **out;
  Result<std::optional<std::string>> csv = in.path("csv");
  if (!csv.is_ok()) return csv.status();
  r.csv_dir = *csv;
  Result<std::optional<std::string>> pass_file = in.path("takeout-passphrase-file");
  if (!pass_file.is_ok()) return pass_file.status();
  r.recipients = in.list("to");
  const bool plaintext = in.flag("plaintext");
  const bool passphrase = in.flag("passphrase") || pass_file->has_value();
  if (static_cast<int>(!r.recipients.empty()) + static_cast<int>(plaintext) +
          static_cast<int>(passphrase) >
      1) {
    return usage_error("--to, --passphrase and --plaintext conflict; give one",
                       "without any of them the takeout is encrypted with a passphrase");
  }
  if (!r.recipients.empty()) {
    r.protection = Protection::kRecipients;
  } else if (plaintext) {
    r.protection = Protection::kNone;
  } else {
    r.protection = Protection::kPassphrase;
    r.passphrase = takeout_passphrase(in.io(), *pass_file);
  }
  r.progress = progress_line(in.io());
  Status s = check_takeout_request(r);
  if (!s.is_ok()) return s;
  return r;
}

const char* protection_text(Protection p) {
  switch (p) {
    case Protection::kRecipients:
      return "age, to your recipient key";
    case Protection::kPassphrase:
      return "age, with your passphrase";
    case Protection::kNone:
      break;
  }
  return "NOT encrypted";
}

void render_takeout(const TakeoutOutcome& o, Protection protection, const TakeoutRequest& r,
                    Printer& p) {
  if (protection == Protection::kNone) {
    p.warn(fmt::format(
        "the takeout is not encrypted: anyone who can read {} can read your whole journal, "
        "private entries included",
        r.csv_dir ? "these files" : display(r.path)));
  }
  if (p.json()) {
    p.json({{"file", r.path},
            {"csv_dir", r.csv_dir ? Json(*r.csv_dir) : Json(nullptr)},
            {"files", o.paths},
            {"protection", protection_name(protection)},
            {"rows", o.rows},
            {"sha256", o.sha256},
            {"audit_seq", o.audit_seq}});
    return;
  }
  std::string out =
      fmt::format("Takeout written to {} ({}):\n", r.path, protection_text(protection));
  for (const char* table : kTakeoutTables) {
    out += fmt::format("  {:<12} {}\n", table, o.rows.value(table, std::int64_t{0}));
  }
  if (r.csv_dir)
    out += fmt::format("  csv          {} ({} files)\n", *r.csv_dir, o.paths.size() - 1);
  out += fmt::format("  sha256       {}\n  audit        entry {} (counts only)\n", o.sha256,
                     o.audit_seq);
  if (protection == Protection::kPassphrase) {
    out += fmt::format("Open it with: age -d -o takeout.json {}\n", shell_word(r.path));
  } else if (protection == Protection::kRecipients) {
    out += fmt::format("Open it with: age -d -i KEYFILE -o takeout.json {}\n", shell_word(r.path));
  }
  out += "Its format: docs/takeout-format.md.\n";
  p.text(out);
}

}  // namespace

namespace options {
void takeout(po::options_description& d) {
  d.add_options()("output,o", po::value<std::string>()->value_name("FILE"),
                  "the takeout to write (JSON, age-encrypted unless --plaintext)")(
      "to", po::value<std::vector<std::string>>()->composing()->value_name("age1..."),
      "encrypt to this age recipient, a key you hold (repeat for more)")(
      "passphrase", po::bool_switch(),
      "encrypt with a passphrase asked twice (the default; age -d opens it)")(
      "takeout-passphrase-file", po::value<std::string>()->value_name("FILE"),
      "the takeout's passphrase from FILE's first line, not asked")(
      "plaintext", po::bool_switch(), "write it unencrypted (warned about)")(
      "csv", po::value<std::string>()->value_name("DIR"),
      "also one CSV per table, in DIR (a new directory), encrypted the same way");
}
}  // namespace options

namespace actions {
Action takeout() {
  return {Needs::kUnlocked, [](const Invocation& in) -> Result<Step> {
            Result<TakeoutRequest> r = parse_takeout(in);
            if (!r.is_ok()) return r.status();
            auto request = std::make_shared<TakeoutRequest>(std::move(r).value());
            return Step([request](Session& s, Printer& p) -> Status {
              Result<TakeoutOutcome> out = tend::takeout(*s.vault, *request, s.now);
              if (request->progress) request->progress("writing", 1, 1);
              if (!out.is_ok()) return out.status();
              render_takeout(*out, request->protection, *request, p);
              return Status::ok();
            });
          }};
}
}  // namespace actions

}  // namespace tend::cli
