// Imports, timed end to end through the tend executable (unlock included):
// a generated ActivityWatch export of EVENTS window events (aw-server's Python
// flavour: newest first, microseconds, titles) and a Daylio CSV of ROWS rows,
// each imported into a fresh vault and then again (nothing new), BENCH_RUNS
// times (5): the median, fastest and slowest. Peak RSS is the child's, from
// wait4 (the largest of the runs).
//
// Usage: import_bench TEND [EVENTS] [ROWS]   (defaults 1000000 and 100000)
#include <fcntl.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace {

struct Run {
  double seconds = 0;
  long peak_rss_kib = 0;
  int code = 0;
};

Run run(const std::vector<std::string>& argv) {
  std::vector<char*> a;
  for (const std::string& s : argv) a.push_back(const_cast<char*>(s.c_str()));
  a.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  if (posix_spawn(&pid, a[0], &fa, nullptr, a.data(), environ) != 0) {
    std::perror("import_bench: spawn");
    std::exit(1);
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  rusage usage{};
  if (wait4(pid, &status, 0, &usage) != pid) std::exit(1);
  Run r;
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.peak_rss_kib = usage.ru_maxrss;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  if (r.code != 0) {
    std::string line;
    for (const std::string& word : argv) line += " " + word;
    std::fprintf(stderr, "import_bench:%s exited %d\n", line.c_str(), r.code);
    std::exit(1);
  }
  return r;
}

// Window events as a desktop makes them: focus stays in one app for a run of
// events (a new event whenever the window title changes: a tab, a file), each
// 1 s to 10 min (mostly short), then moves to another app; now and then a
// pause of an hour or a night. `run` is the mean number of events per run of
// focus (BENCH_AW_RUN; 1 makes nearly every event a session of its own).
std::size_t write_activitywatch(const std::string& path, std::size_t events, double focus) {
  static const char* kApps[] = {"Firefox",  "Terminal", "Code",        "Slack",       "Headspace",
                                "Calm",     "Spotify",  "Thunderbird", "Files",       "Signal",
                                "Zoom",     "Obsidian", "Anki",        "Finch",       "Daylio",
                                "Settings", "Steam",    "Krita",       "LibreOffice", "Emacs"};
  struct Event {
    double start, duration;
    int app;
  };
  std::mt19937_64 rng(42);
  std::exponential_distribution<> pick(0.3), length(1.0 / 20);
  std::geometric_distribution<> more(1.0 / focus);
  std::vector<Event> list;
  list.reserve(events);
  double t = 1672531200.0;  // 2023-01-01
  while (list.size() < events) {
    const int app = static_cast<int>(std::min<double>(19, pick(rng)));
    for (int k = 1 + more(rng); k > 0 && list.size() < events; --k) {
      const double d = std::min(600.0, 1 + std::floor(length(rng) * 1e6) / 1e6);
      list.push_back({t, d, app});
      t += d + static_cast<double>(rng() % 2000000) / 1e6;
    }
    if (rng() % 300 == 0) t += 3600 + static_cast<double>(rng() % 40000);
  }
  std::ofstream out(path);
  out << "{\"buckets\": {\"aw-watcher-window_bench\": {\"id\": \"aw-watcher-window_bench\", "
         "\"created\": \"2023-01-01T00:00:00.000000+00:00\", \"name\": null, \"type\": "
         "\"currentwindow\", \"client\": \"aw-watcher-window\", \"hostname\": \"bench\", "
         "\"events\": [";
  std::size_t bytes = 0;
  for (std::size_t i = list.size(); i-- > 0;) {  // newest first, as aw-server gives them
    const Event& e = list[i];
    const auto secs = static_cast<std::time_t>(e.start);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    const std::string line = fmt::format(
        "{}{{\"timestamp\": \"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00\", \"duration\": "
        "{:.6f}, \"data\": {{\"app\": \"{}\", \"title\": \"Window {} - {}\"}}}}",
        i + 1 == list.size() ? "" : ", ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
        tm.tm_min, tm.tm_sec, static_cast<int>((e.start - static_cast<double>(secs)) * 1e6),
        e.duration, kApps[e.app], i % 97, kApps[e.app]);
    bytes += line.size();
    out << line;
  }
  out << "]}}}\n";
  return bytes;
}

// Daylio's newest era: 12-hour times, activities, notes with quotes, commas,
// line breaks and <br>.
void write_daylio(const std::string& path, std::size_t rows) {
  static const char* kMoods[] = {"awful", "bad", "meh", "good", "rad"};
  static const char* kActivities[] = {"family",  "friends", "work",   "bad sleep", "movies / tv",
                                      "reading", "walk",    "gaming", "cooking",   "therapy"};
  static const char* kDays[] = {"Thursday", "Friday",  "Saturday", "Sunday",
                                "Monday",   "Tuesday", "Wednesday"};
  std::mt19937_64 rng(7);
  std::ofstream out(path);
  out << "\xEF\xBB\xBF"
      << "full_date,date,weekday,time,mood,activities,scales,note_title,note\r\n";
  const long day0 = 20400;  // 2025-11-08, counted back from here, eight entries a day
  for (std::size_t i = 0; i < rows; ++i) {
    const long day = day0 - static_cast<long>(i / 8);
    const std::time_t secs = day * 86400;
    std::tm tm{};
    gmtime_r(&secs, &tm);
    static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                    "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const int hour = 22 - static_cast<int>(i % 8) * 2;
    std::string acts;
    for (std::uint64_t k = rng() % 5; k > 0; --k) {
      acts += fmt::format("{}{}", acts.empty() ? "" : " | ", kActivities[rng() % 10]);
    }
    const std::string note =
        rng() % 3 == 0 ? ""
                       : fmt::format("Day {}, \"\"fine\"\"<br>slept {} hours\r\nok", i, rng() % 10);
    out << fmt::format("{:04}-{:02}-{:02},{} {},{},{}:{:02} {},{},\"{}\",,{},\"{}\"\r\n",
                       tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_mday, kMonths[tm.tm_mon],
                       kDays[(day % 7 + 7) % 7], hour > 12 ? hour - 12 : hour, rng() % 60,
                       hour >= 12 ? "pm" : "am", kMoods[rng() % 5], acts,
                       i % 10 == 0 ? "A title" : "", note);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: import_bench TEND [EVENTS] [ROWS]\n");
    return 64;
  }
  const std::string tend = argv[1];
  const std::size_t events = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000000;
  const std::size_t rows = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100000;
  char tmpl[] = "/tmp/tend-import-bench.XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) return 1;
  const std::string dir = tmpl;
  const std::string pass = dir + "/pass";
  std::ofstream(pass) << "import bench passphrase\n";
  ::setenv("TZ", "Europe/Berlin", 1);

  const std::string aw = dir + "/aw.json", daylio = dir + "/daylio.csv";
  const double focus = std::getenv("BENCH_AW_RUN") ? std::atof(std::getenv("BENCH_AW_RUN")) : 4;
  const std::size_t bytes = write_activitywatch(aw, events, focus);
  write_daylio(daylio, rows);
  std::printf("generated: %zu events (%.1f MiB, %.1f a run of focus), %zu Daylio rows\n", events,
              static_cast<double>(bytes) / (1 << 20), focus, rows);

  // Every import is timed RUNS times (BENCH_RUNS, 5 by default), each into a
  // vault of its own, and the median reported with the fastest and slowest:
  // one run on a shared machine says little.
  const int runs =
      std::getenv("BENCH_RUNS") ? std::max(1, std::atoi(std::getenv("BENCH_RUNS"))) : 5;
  int made = 0;
  const auto vault = [&](const char* name) {
    const std::string v = fmt::format("{}/{}-{}", dir, name, ++made);
    run({tend, "--vault", v, "--passphrase-file", pass, "init", "--kdf", "interactive"});
    return v;
  };
  std::printf("%-52s %9s %12s %10s %13s\n", "import, end to end (median)", "seconds", "per second",
              "peak RSS", "fastest-slowest");
  const auto line = [](const char* what, std::vector<Run> r, std::size_t n) {
    std::sort(r.begin(), r.end(), [](const Run& a, const Run& b) { return a.seconds < b.seconds; });
    long rss = 0;
    for (const Run& x : r) rss = std::max(rss, x.peak_rss_kib);
    const double median = r[r.size() / 2].seconds;
    std::printf("%-52s %9.2f %12.0f %7.1f MB %6.2f-%.2f s\n", what, median,
                static_cast<double>(n) / median, static_cast<double>(rss) / 1024, r.front().seconds,
                r.back().seconds);
    std::fflush(stdout);
  };
  const auto import = [&](const std::string& v, const std::vector<std::string>& tail) {
    std::vector<std::string> args = {tend, "--vault", v, "--passphrase-file", pass, "import"};
    args.insert(args.end(), tail.begin(), tail.end());
    return run(args);
  };
  const std::vector<std::string> aw_args = {"activitywatch", aw, "--all-apps"};
  const std::vector<std::string> daylio_args = {"daylio", daylio};
  // Into a fresh vault, then again (nothing new); `agent`: the unlock agent
  // holds the key (tend unlock), so the import alone is timed.
  struct Twice {
    std::vector<Run> fresh, again;
    std::string last;
  };
  const auto twice = [&](const char* name, const std::vector<std::string>& args, bool agent) {
    Twice t;
    for (int k = 0; k < runs; ++k) {
      t.last = vault(name);
      if (agent)
        run({tend, "--vault", t.last, "--passphrase-file", pass, "unlock", "--for", "10m"});
      t.fresh.push_back(import(t.last, args));
      t.again.push_back(import(t.last, args));
      if (agent) run({tend, "--vault", t.last, "lock"});
    }
    return t;
  };
  const Twice aw_runs = twice("aw", aw_args, false);
  line("activitywatch, fresh vault, unlock included (events)", aw_runs.fresh, events);
  line("activitywatch, again: nothing new (events)", aw_runs.again, events);
  const Twice daylio_runs = twice("daylio", daylio_args, false);
  line("daylio, fresh vault, unlock included (rows)", daylio_runs.fresh, rows);
  line("daylio, again: nothing new (rows)", daylio_runs.again, rows);
  const Twice agent_runs = twice("daylio-agent", daylio_args, true);
  line("daylio, fresh vault, unlocked by the agent (rows)", agent_runs.fresh, rows);
  const std::string v1 = aw_runs.last;
  const Run c = run({tend, "--vault", v1, "--passphrase-file", pass, "check"});
  std::printf("tend check after the imports: %.2f s\n", c.seconds);
  const std::string status =
      fmt::format("{} --vault {} --passphrase-file {} status | grep ^Apps", tend, v1, pass);
  if (std::system(status.c_str()) != 0) return 1;
  if (std::getenv("BENCH_KEEP") == nullptr) {
    const std::string rm = "rm -rf " + dir;
    if (std::system(rm.c_str()) != 0) return 1;
  } else {
    std::printf("kept: %s\n", dir.c_str());
  }
  return 0;
}
