// A full disk, a failing device, a short write: at every call through which
// export, grant receipt, audit export, init and passwd write (tend's own and
// SQLite's), each fault in turn. The command fails with 73 or 74 (or succeeds,
// where the fault hit a write it may lose, such as forgetting a finished
// publication), the vault is byte-for-byte as before unless the change was
// committed, and no output file is ever left in part.
#include <catch2/catch.hpp>

#include <dirent.h>

#include <functional>

#include "core/audit_package.hpp"
#include "core/consent.hpp"
#include "core/fs.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "crypto/hash.hpp"
#include "tests/faults.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      const std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

struct FaultFixture {
  test::TempDir dir;
  std::string base;
  std::map<std::string, std::string> env;
  std::string grant;

  FaultFixture() : base(dir / "base") {
    env = {{"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}};
    REQUIRE(run({"init", "--vault", base}).code == 0);
    REQUIRE(run({"--vault", base, "mood", "add", "6", "--note", "before the fault"}).code == 0);
    const std::string key =
        crypto::format_age_recipient(crypto::generate_age_identity().public_key);
    test::CliResult g = run({"--vault", base, "grant", "add", "--recipient", "R", "--recipient-key",
                             key, "--purpose", "p", "--data", "mood,notes", "--json"});
    REQUIRE(g.code == 0);
    grant = (*parse_json(g.out, "grant"))["id"];
    test::write_file(dir / "new-passphrase", "a new passphrase\n");
  }
  test::CliResult run(const std::vector<std::string>& args) { return test::tend_cli(args, env); }

  // A fresh copy of the base vault, and an empty output directory.
  std::pair<std::string, std::string> copy() {
    const std::string v = dir / "run", out = dir / "out";
    (void)!std::system(("rm -rf '" + v + "' '" + out + "' && cp -a '" + base + "' '" + v +
                        "' && mkdir '" + out + "'")
                           .c_str());
    return {v, out};
  }

  std::size_t log_size(const std::string& vault, const std::string& passphrase) {
    Result<Vault> v = Vault::unlock(vault, test::secret(passphrase));
    if (!v.is_ok()) return 0;
    return static_cast<std::size_t>(v->audit()->head()->size);
  }
};

struct Command {
  const char* name;
  // The arguments for a vault and an output directory.
  std::function<std::vector<std::string>(const std::string&, const std::string&)> args;
  bool logs;  // whether a successful run appends an entry
};

}  // namespace

TEST_CASE("a full disk, a failing device or a short write at every write leaves nothing half done",
          "[cli][faults]") {
  FaultFixture f;
  const Command commands[] = {
      {"export",
       [&](const std::string& v, const std::string& out) {
         return std::vector<std::string>{"--vault", v,    "export",         "--grant",
                                         f.grant,   "-o", out + "/week.age"};
       },
       true},
      {"grant receipt",
       [&](const std::string& v, const std::string& out) {
         return std::vector<std::string>{
             "--vault", v, "grant", "receipt", f.grant, "-o", out + "/receipt.json"};
       },
       true},
      {"audit export",
       [&](const std::string& v, const std::string& out) {
         return std::vector<std::string>{"--vault", v, "audit", "export", "-o", out + "/a.pkg"};
       },
       false},
      {"passwd",
       [&](const std::string& v, const std::string&) {
         return std::vector<std::string>{"--vault", v, "passwd", "--new-passphrase-file",
                                         f.dir / "new-passphrase"};
       },
       true},
      {"init",
       [&](const std::string&, const std::string& out) {
         return std::vector<std::string>{"init", "--vault", out + "/fresh"};
       },
       false},
  };
  const std::size_t base_log = f.log_size(f.base, test::kPassphrase);
  for (const Command& c : commands) {
    std::uint64_t points = 0;
    {
      auto [v, out] = f.copy();
      test::ScopedFaults counting(0, test::Fault::kNone);
      test::CliResult r = f.run(c.args(v, out));
      INFO(c.name << ": " << r.err);
      REQUIRE(r.code == 0);
      points = counting.calls();
    }
    INFO(c.name << ": " << points << " write calls");
    CHECK(points >= 5);
    int failed = 0;
    for (std::uint64_t at = 1; at <= points; ++at) {
      for (test::Fault fault :
           {test::Fault::kNoSpace, test::Fault::kIo, test::Fault::kShortWrite}) {
        auto [v, out] = f.copy();
        const auto before = test::fingerprint(v);
        test::CliResult r;
        std::string where;
        {
          test::ScopedFaults faults(at, fault);
          r = f.run(c.args(v, out));
          where = faults.where();
        }
        INFO(c.name << ": " << test::fault_name(fault) << " at call " << at << " (" << where
                    << "): exit " << r.code << ": " << r.err);
        CHECK((r.code == 0 || r.code == 73 || r.code == 74));
        if (r.code != 0) ++failed;
        if (std::string(c.name) == "init") {
          // A whole vault, or nothing (no staging directory either).
          const std::vector<std::string> left = names_in(out);
          CHECK(left ==
                (r.code == 0 ? std::vector<std::string>{"fresh"} : std::vector<std::string>{}));
          continue;
        }
        const std::size_t logged =
            std::max(f.log_size(v, test::kPassphrase), f.log_size(v, "a new passphrase"));
        REQUIRE(logged >= base_log);
        const bool committed = logged > base_log;
        CHECK((c.logs || !committed));
        const std::vector<std::string> left = names_in(out);
        if (r.code != 0 && !committed) {
          CHECK(test::fingerprint(v) == before);  // byte for byte
          CHECK(left.empty());                    // no output, not even part of one
          continue;
        }
        // It happened (or was committed before the fault): the outputs are all
        // there, whole, or none of them is.
        if (std::string(c.name) == "export" && !left.empty()) {
          CHECK(left == std::vector<std::string>{"week.age", "week.age.minisig"});
          Result<Vault> opened = Vault::unlock(v, test::secret(test::kPassphrase));
          REQUIRE(opened.is_ok());
          const Json last = *parse_json(opened->audit()->entries(1)->back().bytes, "entry");
          CHECK(last["meta"]["sha256"] == crypto::to_hex(crypto::sha256(crypto::as_bytes(
                                              test::read_file(out + "/week.age")))));
        }
        if (std::string(c.name) == "grant receipt" && !left.empty()) {
          CHECK(left == std::vector<std::string>{"receipt.json", "receipt.json.minisig"});
          CHECK(parse_json(test::read_file(out + "/receipt.json"), "receipt").is_ok());
        }
        if (std::string(c.name) == "audit export") {
          REQUIRE(left == std::vector<std::string>{"a.pkg"});  // success, whole
          VerifyOptions o;
          CHECK(verify_package(test::read_file(out + "/a.pkg"), o)->ok);
        }
        if (r.code == 0 && c.logs && std::string(c.name) != "passwd") CHECK(!left.empty());
        // The next run finds the vault sound, whichever passphrase is in force.
        std::map<std::string, std::string> next = f.env;
        if (f.log_size(v, test::kPassphrase) == 0) next["TEND_PASSPHRASE"] = "a new passphrase";
        test::CliResult status = test::tend_cli({"--vault", v, "status"}, next);
        INFO(status.err);
        CHECK(status.code == 0);
      }
    }
    CHECK(failed > 0);
  }
}
