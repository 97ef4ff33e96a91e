// Interop with the real tools: age and minisign as Debian ships them.
#include <fmt/format.h>
#include <catch2/catch.hpp>

#include "core/json.hpp"
#include "crypto/age.hpp"
#include "crypto/encoding.hpp"
#include "tests/support.hpp"

using namespace tend;

namespace {

const std::string kTend = TEND_BINARY;

struct Interop {
  test::TempDir dir;
  std::map<std::string, std::string> env;
  std::string recipient;

  Interop() {
    test::make_vault(dir / "v");
    env = {{"TEND_VAULT", dir / "v"}, {"TEND_PASSPHRASE", test::kPassphrase}, {"HOME", dir.path()}};
    // A recipient key pair made by the real age-keygen.
    test::ProcResult k = test::run_process({"age-keygen", "-o", dir / "key.txt"}, {});
    REQUIRE(k.code == 0);
    recipient = test::run_process({"age-keygen", "-y", dir / "key.txt"}, {}).out;
    recipient.pop_back();
    REQUIRE(recipient.rfind("age1", 0) == 0);
  }
  test::ProcResult tend(std::vector<std::string> args) {
    args.insert(args.begin(), kTend);
    return test::run_process(args, env);
  }
  std::string grant(const std::string& data) {
    test::ProcResult g = tend({"grant", "add", "--recipient", "Dr. Interop", "--recipient-key",
                               recipient, "--purpose", "interop test", "--data", data, "--json"});
    INFO(g.err);
    REQUIRE(g.code == 0);
    return (*parse_json(g.out, "grant"))["id"];
  }
};

}  // namespace

TEST_CASE("age -d decrypts tend's exports and minisign -V verifies them with tend identity's key",
          "[process][interop]") {
  Interop f;
  // Enough rows for a multi-chunk payload.
  test::write_file(f.dir / "note", std::string(4000, 'n'));
  for (int i = 0; i < 40; ++i) {
    REQUIRE(f.tend({"mood", "add", std::to_string(1 + i % 10), "--at", fmt::format("-{}h", i + 1),
                    "--note-file", f.dir / "note"})
                .code == 0);
  }
  const std::string id = f.grant("mood,notes");
  test::ProcResult e = f.tend({"export", "--grant", id, "-o", f.dir / "out.age"});
  INFO(e.err);
  REQUIRE(e.code == 0);

  test::ProcResult d =
      test::run_process({"age", "-d", "-i", f.dir / "key.txt", f.dir / "out.age"}, {});
  INFO(d.err);
  REQUIRE(d.code == 0);
  Result<Json> payload = parse_json(d.out, "payload");
  REQUIRE(payload.is_ok());
  CHECK((*payload)["format"] == "tend-export");
  CHECK((*payload)["data"]["mood"].size() == 40);
  CHECK(d.out.size() > 2 * crypto::kAgeChunk);

  const std::string pub =
      (*parse_json(f.tend({"identity", "--json"}).out, "identity"))["minisign_public_key"];
  test::ProcResult v =
      test::run_process({"minisign", "-V", "-m", f.dir / "out.age", "-P", pub}, {});
  INFO(v.err << v.out);
  CHECK(v.code == 0);
  CHECK_THAT(v.out, Catch::Contains("Trusted comment: tend export grant=" + id + " audit_seq="));
  // The .pub file format of tend identity works too.
  test::write_file(
      f.dir / "tend.pub",
      f.tend({"identity"}).out.substr(f.tend({"identity"}).out.find("untrusted comment")));
  std::string pubfile = test::read_file(f.dir / "tend.pub");
  test::write_file(f.dir / "tend.pub",
                   pubfile.substr(0, pubfile.find('\n', pubfile.find('\n') + 1) + 1));
  CHECK(test::run_process({"minisign", "-V", "-m", f.dir / "out.age", "-p", f.dir / "tend.pub"}, {})
            .code == 0);

  // A changed bundle fails both tools.
  std::string bundle = test::read_file(f.dir / "out.age");
  bundle[bundle.size() - 100] ^= 1;
  test::write_file(f.dir / "out.age", bundle);
  CHECK(test::run_process({"minisign", "-V", "-m", f.dir / "out.age", "-P", pub}, {}).code != 0);
  CHECK(test::run_process({"age", "-d", "-i", f.dir / "key.txt", f.dir / "out.age"}, {}).code != 0);
}

TEST_CASE("tend opens files made by age -e and signed by minisign -S", "[process][interop]") {
  Interop f;
  Json doc = {{"format", "tend-export"}, {"note", std::string(150000, 'z')}};
  test::write_file(f.dir / "plain.json", doc.dump());
  REQUIRE(test::run_process(
              {"age", "-e", "-r", f.recipient, "-o", f.dir / "b.age", f.dir / "plain.json"}, {})
              .code == 0);
  REQUIRE(
      test::run_process({"minisign", "-G", "-W", "-p", f.dir / "m.pub", "-s", f.dir / "m.key"}, {})
          .code == 0);
  REQUIRE(test::run_process({"minisign", "-S", "-s", f.dir / "m.key", "-m", f.dir / "b.age", "-t",
                             "made by minisign"},
                            {})
              .code == 0);

  test::ProcResult open = test::run_process({kTend, "bundle", "open", f.dir / "b.age", "--identity",
                                             f.dir / "key.txt", "--signer", f.dir / "m.pub"},
                                            {});
  INFO(open.err);
  REQUIRE(open.code == 0);
  CHECK(*parse_json(open.out, "out") == doc);
  CHECK_THAT(open.err, Catch::Contains("signature ok: made by minisign"));

  // ASCII armor (age -a) opens too.
  REQUIRE(test::run_process({"age", "-a", "-e", "-r", f.recipient, "-o", f.dir / "b.age.asc",
                             f.dir / "plain.json"},
                            {})
              .code == 0);
  test::ProcResult armored = test::run_process(
      {kTend, "bundle", "open", f.dir / "b.age.asc", "--identity", f.dir / "key.txt"}, {});
  INFO(armored.err);
  CHECK(armored.code == 0);
  CHECK(*parse_json(armored.out, "out") == doc);

  // Another signer's key, a changed file, another identity: each refused.
  REQUIRE(
      test::run_process({"minisign", "-G", "-W", "-p", f.dir / "o.pub", "-s", f.dir / "o.key"}, {})
          .code == 0);
  CHECK(test::run_process({kTend, "bundle", "open", f.dir / "b.age", "--identity",
                           f.dir / "key.txt", "--signer", f.dir / "o.pub"},
                          {})
            .code == 1);
  test::run_process({"age-keygen", "-o", f.dir / "other.txt"}, {});
  test::ProcResult wrong = test::run_process(
      {kTend, "bundle", "open", f.dir / "b.age", "--identity", f.dir / "other.txt"}, {});
  CHECK(wrong.code == 77);
  CHECK_THAT(wrong.err,
             Catch::StartsWith(
                 "tend: error: cannot open the bundle: it was not encrypted to this identity"));
  std::string changed = test::read_file(f.dir / "b.age");
  changed[changed.size() / 2] ^= 1;
  test::write_file(f.dir / "b.age", changed);
  CHECK(test::run_process({kTend, "bundle", "open", f.dir / "b.age", "--identity",
                           f.dir / "key.txt", "--signer", f.dir / "m.pub"},
                          {})
            .code == 1);
  CHECK(test::run_process(
            {kTend, "bundle", "open", f.dir / "b.age", "--identity", f.dir / "key.txt"}, {})
            .code == 65);
}

TEST_CASE("age -d opens tend's passphrase files, and tend opens age -p's",
          "[process][interop][scrypt]") {
  test::TempDir dir;
  const crypto::SecretBytes pass = test::secret("a long takeout passphrase");
  const std::string plain(crypto::kAgeChunk * 2 + 17, 't');
  std::string file;
  crypto::AgeWriter w(pass, crypto::kAgeScryptWorkFactor, [&](std::span<const std::uint8_t> b) {
    file.append(reinterpret_cast<const char*>(b.data()), b.size());
    return Status::ok();
  });
  REQUIRE(w.write(plain).is_ok());
  REQUIRE(w.finish().is_ok());
  test::write_file(dir / "t.age", file);
  test::ProcResult d = test::run_on_terminal({"age", "-d", "-o", dir / "t.out", dir / "t.age"}, {},
                                             {"a long takeout passphrase"});
  INFO(d.out);
  REQUIRE(d.code == 0);
  CHECK(test::read_file(dir / "t.out") == plain);
  test::ProcResult wrong = test::run_on_terminal({"age", "-d", "-o", dir / "w.out", dir / "t.age"},
                                                 {}, {"not the passphrase"});
  CHECK(wrong.code != 0);

  test::write_file(dir / "p.txt", plain);
  test::ProcResult e =
      test::run_on_terminal({"age", "-p", "-o", dir / "p.age", dir / "p.txt"}, {},
                            {"a long takeout passphrase", "a long takeout passphrase"});
  INFO(e.out);
  REQUIRE(e.code == 0);
  Result<crypto::SecretBytes> opened =
      crypto::age_decrypt(test::read_file(dir / "p.age"), crypto::AgeKeys{{}, &pass});
  REQUIRE(opened.is_ok());
  CHECK(std::string(reinterpret_cast<const char*>(opened->data()), opened->size()) == plain);
}

TEST_CASE("receipts verify with minisign, and audit verify --bundle proves an export's bundle",
          "[process][interop][audit]") {
  Interop f;
  REQUIRE(f.tend({"mood", "add", "6"}).code == 0);
  const std::string id = f.grant("mood");
  REQUIRE(f.tend({"grant", "receipt", id, "-o", f.dir / "receipt.json"}).code == 0);
  const std::string pub =
      (*parse_json(f.tend({"identity", "--json"}).out, "identity"))["minisign_public_key"];
  test::ProcResult v =
      test::run_process({"minisign", "-V", "-m", f.dir / "receipt.json", "-P", pub}, {});
  INFO(v.err);
  CHECK(v.code == 0);
  Json receipt = *parse_json(test::read_file(f.dir / "receipt.json"), "receipt");
  CHECK(receipt["version"] == "KI-CR-v1.1.0");
  CHECK(receipt["consentTimestamp"].is_number_integer());
  CHECK(receipt["sensitive"] == true);
  CHECK(receipt["services"][0]["purposes"][0]["consentType"] == "EXPLICIT");
  CHECK(receipt["services"][0]["purposes"][0]["piiCategory"] ==
        Json::array({"13 - Mental Health"}));
  CHECK(receipt["services"][0]["purposes"][0]["thirdPartyName"] == "Dr. Interop");

  REQUIRE(f.tend({"export", "--grant", id, "-o", f.dir / "b.age"}).code == 0);
  REQUIRE(f.tend({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  const std::string key =
      (*parse_json(f.tend({"identity", "--json"}).out, "identity"))["audit_verifier_key"];
  test::ProcResult ok = test::run_process(
      {kTend, "audit", "verify", f.dir / "pkg", "--key", key, "--bundle", f.dir / "b.age"}, {});
  INFO(ok.err);
  CHECK(ok.code == 0);
  CHECK_THAT(ok.out, Catch::Contains("bundle    is the ciphertext of the export at entry"));
  CHECK(test::run_process({kTend, "audit", "verify", f.dir / "pkg", "--key", key, "--bundle",
                           f.dir / "receipt.json"},
                          {})
            .code == 1);
}
