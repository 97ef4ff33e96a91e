// Interop with the real tools: age and minisign as Debian ships them.
#include <filesystem>

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
  Json doc = {{"format", "tend-export"}, {"version", 2}, {"note", std::string(150000, 'z')}};
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

TEST_CASE("bundle open reads payload versions 1 and 2 and refuses a later one",
          "[process][interop][export_v2]") {
  Interop f;
  // A version 1 payload as tend 0.x wrote it (tests/fixtures/export/payload-v1.json).
  const std::string v1 =
      test::read_file(std::string(TEND_SOURCE_DIR) + "/tests/fixtures/export/payload-v1.json");
  test::write_file(f.dir / "v1.json", v1);
  REQUIRE(test::run_process(
              {"age", "-e", "-r", f.recipient, "-o", f.dir / "v1.age", f.dir / "v1.json"}, {})
              .code == 0);
  test::ProcResult open = test::run_process(
      {kTend, "bundle", "open", f.dir / "v1.age", "--identity", f.dir / "key.txt"}, {});
  INFO(open.err);
  REQUIRE(open.code == 0);
  CHECK(*parse_json(open.out, "out") == *parse_json(v1, "fixture"));
  CHECK_THAT(open.err, Catch::Contains("payload version 1"));

  // What this tend writes now is version 2, and opens too.
  REQUIRE(f.tend({"mood", "add", "6"}).code == 0);
  const std::string id = f.grant("mood");
  REQUIRE(f.tend({"export", "--grant", id, "-o", f.dir / "v2.age"}).code == 0);
  test::ProcResult v2 = test::run_process(
      {kTend, "bundle", "open", f.dir / "v2.age", "--identity", f.dir / "key.txt"}, {});
  REQUIRE(v2.code == 0);
  CHECK((*parse_json(v2.out, "out"))["version"] == 2);
  CHECK_THAT(v2.err, Catch::Contains("payload version 2"));

  // A later version (or none) is refused: 65, with what this tend reads.
  for (const std::string& doc : {std::string(R"({"format":"tend-export","version":3,"data":{}})"),
                                 std::string(R"({"format":"tend-export","data":{}})")}) {
    test::write_file(f.dir / "v3.json", doc);
    std::filesystem::remove(f.dir / "v3.age");
    REQUIRE(test::run_process(
                {"age", "-e", "-r", f.recipient, "-o", f.dir / "v3.age", f.dir / "v3.json"}, {})
                .code == 0);
    test::ProcResult later = test::run_process(
        {kTend, "bundle", "open", f.dir / "v3.age", "--identity", f.dir / "key.txt"}, {});
    CHECK(later.code == 65);
    CHECK_THAT(later.err, Catch::Contains("tend export"));
    CHECK(later.out.empty());
  }
}

TEST_CASE("export --format csv: stock age -d and tar -x give export.json and one CSV per category",
          "[process][interop][export_v2]") {
  Interop f;
  REQUIRE(
      f.tend({"mood", "add", "7", "--tag", "calm", "--note", "one, \"two\"\nthree", "--at", "-2h"})
          .code == 0);
  REQUIRE(f.tend({"mood", "add", "4", "--at", "-1h"}).code == 0);
  REQUIRE(f.tend({"app", "log", "Calm", "--minutes", "12"}).code == 0);
  const std::string id = f.grant("mood,notes,app_usage");
  test::ProcResult e =
      f.tend({"export", "--grant", id, "-o", f.dir / "c.age", "--format", "csv", "--json"});
  INFO(e.err);
  REQUIRE(e.code == 0);
  const std::string out = f.dir / "out";
  std::filesystem::create_directory(out);
  test::ProcResult x = test::run_process({"sh", "-c", "age -d -i \"$1\" \"$2\" | tar -x -C \"$3\"",
                                          "sh", f.dir / "key.txt", f.dir / "c.age", out},
                                         {});
  INFO(x.err);
  REQUIRE(x.code == 0);
  const Json manifest = *parse_json(test::read_file(out + "/export.json"), "manifest");
  CHECK(manifest["format"] == "tend-export");
  CHECK(manifest["version"] == 2);
  CHECK_FALSE(manifest.contains("data"));
  CHECK(manifest["files"] == Json({{"mood", "mood.csv"}, {"app_usage", "app_usage.csv"}}));
  CHECK(manifest["rows"] == Json({{"mood", 2}, {"app_usage", 1}}));
  const std::string mood = test::read_file(out + "/mood.csv");
  CHECK(mood.rfind("id,at,at_unix,edited,edited_unix,score,energy,tags,note\r\n", 0) == 0);
  CHECK_THAT(mood, Catch::Contains("\"one, \"\"two\"\"\nthree\""));  // RFC 4180 quoting
  CHECK_THAT(mood, Catch::Contains(R"(,"[""calm""]",)"));
  CHECK_THAT(test::read_file(out + "/app_usage.csv"), Catch::Contains("\"Calm\""));

  // bundle open hands the same tar on; audit verify accepts the entry and the bundle.
  test::ProcResult t =
      test::run_process({"sh", "-c", "\"$1\" bundle open \"$2\" --identity \"$3\" | tar -t", "sh",
                         kTend, f.dir / "c.age", f.dir / "key.txt"},
                        {});
  INFO(t.err);
  CHECK(t.code == 0);
  CHECK(t.out == "export.json\nmood.csv\napp_usage.csv\n");
  REQUIRE(f.tend({"audit", "export", "-o", f.dir / "pkg"}).code == 0);
  CHECK(
      test::run_process({kTend, "audit", "verify", f.dir / "pkg", "--bundle", f.dir / "c.age"}, {})
          .code == 0);
  test::ProcResult log = f.tend({"audit", "log", "--json"});
  CHECK((*parse_json(log.out, "log"))["items"].back()["meta"]["format"] == "csv");
  CHECK(f.tend({"export", "--grant", id, "-o", f.dir / "d.age", "--format", "xml"}).code == 64);
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
