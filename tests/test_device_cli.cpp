// `--device cuda` on scan, solve and bench: the arguments are validated
// first, then the device; without a GPU every path exits 2 with the reason
// and writes nothing. The host glue (solve/device.hpp) and the split of the
// implicit gradient (adjoints, then vector-Jacobian products) are tested on
// the CPU; the "[gpu]" cases compare the device with the CPU and return
// with a warning when no GPU is visible (Catch2 2 has no SKIP).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "bench/scan_bench_cuda.hpp"
#include "cli_harness.hpp"
#include "experiment/solve_bench.hpp"
#include "kernels/cuda/api.hpp"
#include "models/cell.hpp"
#include "models/lrnn.hpp"
#include "numeric/limits.hpp"
#include "solve/device.hpp"
#include "solve/gradient.hpp"
#include "solve/newton.hpp"

using namespace parallax_test;
namespace cuda = parallax::kernels::cuda;
namespace models = parallax::models;
namespace solve = parallax::solve;

namespace {

/// The device's reason for refusing, as the CLI prints it.
void check_refused(const CliResult& r) {
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--device cuda"));
  CHECK(contains(r.err, cuda::device_status()));
  CHECK(r.out.empty());
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

}  // namespace

TEST_CASE("device cli: without a GPU scan, solve and bench refuse with the reason and exit 2", "[quick][cli][device][errors][scan][solve]") {
  if (cuda::available()) {
    WARN("a GPU is visible: the no-GPU paths are not exercised here");
    return;
  }
  CHECK_FALSE(cuda::device_status().empty());
  check_refused(cli("scan -m parity --random 64 --device cuda"));
  check_refused(cli("scan -m parity --tokens abba --device cuda --algo cub -p fp32"));
  check_refused(cli("scan -m parity --tokens abba --device cuda -p bf16 --json"));
  check_refused(cli("scan -m mod3 --tokens abba --device cuda --algo sequential"));
  check_refused(cli("scan -m leaky-sum --inputs-file " + write_file("dev_inputs.txt", "1\n0.5\n-2\n").string() + " --device cuda"));
  check_refused(cli("solve --cell paragru --hidden 4 --length 50 --device cuda"));
  check_refused(cli("solve --cell paralstm --hidden 4 --length 50 --device cuda --grad -p fp32 --json"));
  check_refused(cli("solve --cell gru --hidden 8 --length 50 --method quasi-deer --device cuda --init zeros"));
  check_refused(cli("bench scan --device cuda"));
  check_refused(cli("bench scan --device cuda --quick --json"));
  check_refused(cli("bench solve --device cuda --quick"));
}

TEST_CASE("device cli: nothing is written to a --store when the device is refused", "[quick][cli][device][errors][store]") {
  if (cuda::available()) {
    WARN("a GPU is visible: the no-GPU paths are not exercised here");
    return;
  }
  const auto store = scratch_dir() / "device-refused.sqlite";
  std::filesystem::remove(store);
  const auto r = cli("solve --cell paragru --hidden 4 --length 20 --device cuda --store '" + store.string() + "'");
  check_refused(r);
  CHECK_FALSE(std::filesystem::exists(store));
  // an existing store keeps no run of the refused command either
  REQUIRE(cli("solve --cell paragru --hidden 4 --length 20 --store '" + store.string() + "' --json").code == 0);
  check_refused(cli("solve --cell paragru --hidden 4 --length 20 --device cuda --store '" + store.string() + "'"));
  const auto runs = cli("store list '" + store.string() + "' --json");
  REQUIRE(runs.code == 0);
  CHECK(json_lines(runs.out).size() == 1);
}

TEST_CASE("device cli: --device and --algo values are validated", "[quick][cli][device]") {
  for (const char* args : {"scan -m parity --tokens ab --device bogus", "solve --cell paragru --length 10 --device gpu",
                           "bench scan --device bogus --quick", "bench solve --device tpu --quick",
                           "scan -m parity --tokens ab --device cuda --algo fast"}) {
    const auto r = cli(args);
    INFO(args);
    CHECK(r.code == 2);
    CHECK_FALSE(r.err.empty());
  }
  auto r = cli("scan -m parity --tokens ab --algo cub");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--algo"));
  r = cli("scan -m parity --tokens ab --device cuda --parallel");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--parallel"));
  r = cli("bench scan --elements 1000 --quick");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--elements"));
  r = cli("bench scan --device cuda --n-scalar 1000");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--n-scalar"));
  r = cli("bench solve --hidden 8 --quick");
  CHECK(r.code == 2);
  CHECK(contains(r.err, "--device cuda"));
  // the CPU path is unchanged
  r = cli("scan -m parity --tokens abba --device cpu --json");
  CHECK(r.code == 0);
  CHECK(contains(r.out, "\"verdict\":\"accept\""));
}

TEST_CASE("device cli: what the device does not run is refused by name, GPU or not", "[quick][cli][device][errors]") {
  struct Case {
    std::string args, says;
  };
  const std::vector<Case> cases = {
      {"solve --cell elman --hidden 4 --length 10 --device cuda", "no device kernel"},
      {"solve --cell lstm --hidden 4 --length 10 --device cuda", "paralstm (newton)"},
      {"solve --cell argru --hidden 4 --length 10 --device cuda --method quasi-deer", "no device kernel"},
      {"solve --cell gru --hidden 65 --length 10 --device cuda --method quasi-deer", "hidden ≤ 64"},
      {"solve --cell gru --hidden 8 --length 10 --device cuda --method newton", "method 'newton' on cell 'gru'"},
      {"solve --cell paralstm --hidden 4 --length 10 --device cuda --method quasi-deer", "method 'quasi-deer'"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda --method elk", "method 'elk'"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda -p bf16", "fp32 and fp64"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda -p float:30:8", "fp32 and fp64"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda --init jacobi:2", "zeros or f0"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda --reset", "--reset"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda --check-structure", "--check-structure"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda --history", "--history"},
      {"solve --cell gru --hidden 4 --length 10 --device cuda --method quasi-deer --grad", "--grad"},
      {"solve --cell paragru --hidden 4 --length 10 --device cuda --method sequential", "method 'sequential'"},
      {"scan -m parity --tokens ab --device cuda -p exact", "fp32 and fp64"},
      {"scan -m parity --tokens ab --device cuda -p fixed:8.8", "fp32 and fp64"},
      {"scan -m mod3 --tokens ab --device cuda -p bf16", "diagonal models"},
      {"scan -m rotation --tokens ab --device cuda -p fp16", "diagonal models"},
      {"scan -m mod3 --tokens ab --device cuda --algo cub", "--algo cub"},
      {"scan -m s5 --random 10 --device cuda", "d ≤ 64"},
      {"scan -m s5 --random 10 --device cuda --algo cub", "--algo cub"},
      {"bench solve --device cuda --quick --precision bf16", "bf16"},
  };
  for (const auto& c : cases) {
    const auto r = cli(c.args);
    INFO(c.args << "\nstderr: " << r.err);
    CHECK(r.code == 2);
    CHECK(contains(r.err, c.says));
    CHECK_FALSE(contains(r.err, cuda::device_status()));  // the argument, not the device
  }
}

TEST_CASE("device sweeps: bench solve --device cuda's options and configurations, GPU or not", "[quick][cli][device][solve]") {
  namespace xs = parallax::experiment::solve;
  xs::DeviceBenchOptions o;
  CHECK_NOTHROW(o.validate());
  // ParaGRU then ParaLSTM by exact Newton over T = 2^12 … 2^20 (the goal on the largest), then the GRU at DEER's setting
  auto cfgs = xs::device_bench_configs(o);
  REQUIRE(cfgs.size() == 2 * 5 + 7 * 4);
  for (std::size_t i = 0; i < 10; ++i) {
    INFO(i);
    CHECK(cfgs[i].group == "pararnn");
    CHECK(cfgs[i].kind == (i < 5 ? models::CellKind::ParaGru : models::CellKind::ParaLstm));
    CHECK(cfgs[i].method == "newton");
    CHECK(cfgs[i].hidden == 64);
    CHECK(cfgs[i].batch == 8);
    CHECK(cfgs[i].input == 2);
    CHECK(cfgs[i].length == std::size_t(1) << (12 + 2 * (i % 5)));
    CHECK(cfgs[i].goal == (i % 5 == 4));
  }
  for (std::size_t i = 10; i < cfgs.size(); ++i) {
    INFO(i);
    CHECK(cfgs[i].group == "deer");
    CHECK(cfgs[i].kind == models::CellKind::Gru);
    CHECK(cfgs[i].method == "quasi-deer");
    CHECK(cfgs[i].hidden == std::size_t(1) << ((i - 10) / 4));
    CHECK(cfgs[i].batch == 16);
    CHECK(cfgs[i].input == 2);
    CHECK(cfgs[i].length == std::size_t(1) << (14 + (i - 10) % 4));
    CHECK_FALSE(cfgs[i].goal);
  }
  o.quick = true, o.hidden = 5, o.batch = 3, o.input = 4;
  cfgs = xs::device_bench_configs(o);
  REQUIRE(cfgs.size() == 8);
  CHECK(cfgs[0].hidden == 5);
  CHECK(cfgs[0].batch == 3);
  CHECK(cfgs[0].input == 4);
  CHECK(cfgs[1].length == 4096);
  CHECK(cfgs[1].goal);
  CHECK(cfgs[4].hidden == 1);  // the GRU keeps DEER's setting
  CHECK(cfgs[4].batch == 16);
  CHECK(cfgs[7].hidden == 8);

  // refusals name the option, before the device is asked
  auto refused = [](xs::DeviceBenchOptions bad, const std::string& option, const std::string& says) {
    INFO(option);
    try {
      bad.validate();
      FAIL("accepted");
    } catch (const xs::OptionError& e) {
      CHECK(e.option == option);
      CHECK(contains(e.what(), says));
    }
    CHECK_THROWS_AS(xs::run_device_bench(bad), xs::OptionError);
  };
  xs::DeviceBenchOptions bad;
  bad.precision = "bf16";
  refused(bad, "precision", "--precision bf16: the device solves in fp32 and fp64");
  bad.precision = "fp33";
  refused(bad, "precision", "fp33");
  bad = {}, bad.hidden = 0;
  refused(bad, "hidden", "--hidden, --batch and --input-size must be ≥ 1");
  bad = {}, bad.input = 0;
  refused(bad, "input_size", "--input-size");
  bad = {}, bad.iters = -1;
  refused(bad, "iters", "--iters must be ≥ 0");
  bad = {}, bad.hidden = std::size_t(1) << 40;
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("--hidden"));
  bad = {}, bad.batch = std::size_t(1) << 30, bad.hidden = 1000;
  CHECK_THROWS_AS(bad.validate(), parallax::limits::LimitError);
  CHECK_THROWS_WITH(bad.validate(), Catch::Contains("bench solve --device cuda (--batch 1073741824"));
  if (!cuda::available()) {
    xs::DeviceBenchOptions q;
    q.quick = true;
    CHECK_THROWS_AS(xs::run_device_bench(q), cuda::Unavailable);
  }
}

TEST_CASE("device sweeps: a failed or goal row of bench solve --device cuda as JSON", "[quick][cli][device][solve]") {
  namespace xs = parallax::experiment::solve;
  xs::DeviceBenchOptions o;
  o.quick = true;
  xs::DeviceBenchRow r;
  r.config = xs::device_bench_configs(o)[1];  // paragru, T = 2^12, the goal's row
  r.precision = "fp32";
  r.failure = "CUDA error: out of memory";
  auto j = xs::to_json(r);
  std::vector<std::string> keys;
  for (const auto& [k, v] : j.items()) keys.push_back(k);
  CHECK(keys == std::vector<std::string>{"group", "cell", "method", "hidden", "input", "batch", "T", "precision", "converged"});
  CHECK(j["cell"] == "paragru");
  CHECK(j["converged"] == "failed: CUDA error: out of memory");
  r.failure.clear();
  r.iterations = 4, r.converged = 7, r.newton_ms = 1, r.sequential_ms = 700, r.speedup = 700, r.meets_goal = true;
  j = xs::to_json(r);
  CHECK(j["converged"] == "7/8");
  CHECK(j["cpu_sequential_ms"].is_null());
  CHECK(j["speedup_vs_cpu"].is_null());
  CHECK(j["goal"] == xs::kDeviceGoalSpeedup);
  CHECK(j["meets_goal"] == true);
  r.config = xs::device_bench_configs(o)[0];
  CHECK_FALSE(xs::to_json(r).contains("goal"));
  for (const auto& c : xs::device_bench_columns()) CHECK((c == "goal" || c == "meets_goal" || j.contains(c)));
}

TEST_CASE("device sweeps: bench scan --device cuda's options and its judgement of the figures", "[quick][cli][device][scan]") {
  namespace pb = parallax::bench;
  pb::CudaScanBenchOptions o;
  CHECK_NOTHROW(o.validate());
  auto refused = [](pb::CudaScanBenchOptions bad, const std::string& option) {
    INFO(option);
    try {
      bad.validate();
      FAIL("accepted");
    } catch (const parallax::experiment::OptionError& e) {
      CHECK(e.option == option);
      CHECK(contains(e.what(), "--" + option + " must be ≥ 1"));
    }
    CHECK_THROWS_AS(pb::run_cuda_scan_bench(bad), parallax::experiment::OptionError);
  };
  pb::CudaScanBenchOptions bad;
  bad.elements = 0;
  refused(bad, "elements");
  bad = {}, bad.repeats = 0;
  refused(bad, "repeats");
  bad = {}, bad.repeats = 1 << 30;
  CHECK_THROWS_AS(bad.validate(), parallax::limits::LimitError);
  if (!cuda::available()) CHECK_THROWS_AS(pb::run_cuda_scan_bench(o), cuda::Unavailable);

  // the copy bandwidth is copy-d2d's; the goal is the parallel fp32 diagonal scans'
  auto fig = [](const char* name, double gbs) {
    cuda::BenchFigure f;
    f.name = name, f.elements = 10, f.bytes = 80, f.ms = 1, f.gb_per_s = gbs;
    return f;
  };
  std::vector<cuda::BenchFigure> figs{fig("copy-h2d", 20), fig("copy-d2d", 100), fig("diag-fp32/cub", 85), fig("diag-fp32/layered", 70),
                                      fig("diag-fp32/sequential", 5), fig("diag-fp64/layered", 40)};
  pb::CudaScanBench b;
  b.rows = pb::cuda_scan_rows(figs);
  REQUIRE(b.rows.size() == figs.size());
  CHECK(b.rows[1].pct_of_copy == Approx(100));
  CHECK(b.rows[2].pct_of_copy == Approx(85));
  CHECK((b.rows[2].goal && b.rows[2].meets_goal));
  CHECK((b.rows[3].goal && !b.rows[3].meets_goal));
  CHECK((!b.rows[4].goal && b.rows[4].meets_goal));
  CHECK((!b.rows[5].goal && b.rows[5].meets_goal));
  CHECK_FALSE(b.all_goals_met());
  b.rows.erase(b.rows.begin() + 3);
  CHECK(b.all_goals_met());
  // without copy-d2d the last copy figure; without any copy no percentage, and the goal is missed
  figs.erase(figs.begin() + 1);
  CHECK(pb::cuda_scan_rows(figs)[1].pct_of_copy == Approx(425));
  figs.erase(figs.begin());
  const auto none = pb::cuda_scan_rows(figs);
  CHECK(std::isnan(none[0].pct_of_copy));
  CHECK_FALSE(none[0].meets_goal);
}

TEST_CASE("device_weights: the cell's parameters in order, with offsets; other cells refused", "[quick][cli][device][errors]") {
  SECTION("paragru") {
    const auto cell = models::random_cell(models::CellKind::ParaGru, 3, 2, 7, 0.9);
    const auto w = solve::device_weights<float>(cell);
    CHECK(w.kind == cuda::DeviceCell::ParaGru);
    CHECK(w.hidden == 3);
    CHECK(w.input == 2);
    // a_z a_r a_h (d) B_z B_r B_h (d×m) b_z b_r b_h (d)
    CHECK(w.offsets == std::vector<std::size_t>{0, 3, 6, 9, 15, 21, 27, 30, 33});
    REQUIRE(w.values.size() == 36);
    for (std::size_t p = 0; p < cell.params.size(); ++p)
      for (std::size_t q = 0; q < cell.params[p].values.size(); ++q)
        CHECK(w.values[w.offsets[p] + q] == static_cast<float>(cell.params[p].values[q]));
  }
  SECTION("paralstm") {
    const auto cell = models::random_cell(models::CellKind::ParaLstm, 4, 3, 7, 0.9);
    const auto w = solve::device_weights<double>(cell);
    CHECK(w.kind == cuda::DeviceCell::ParaLstm);
    REQUIRE(w.offsets.size() == 11);  // a_f a_c a_o B_f B_c B_o c_f c_o b_f b_c b_o
    CHECK(w.offsets == std::vector<std::size_t>{0, 4, 8, 12, 24, 36, 48, 52, 56, 60, 64});
    REQUIRE(w.values.size() == 68);
    for (std::size_t p = 0; p < cell.params.size(); ++p)
      for (std::size_t q = 0; q < cell.params[p].values.size(); ++q) CHECK(w.values[w.offsets[p] + q] == cell.params[p].values[q]);
  }
  SECTION("gru") {
    const auto cell = models::random_cell(models::CellKind::Gru, 64, 2, 7, 0.9);
    const auto w = solve::device_weights<float>(cell);
    CHECK(w.kind == cuda::DeviceCell::Gru);
    // W_z W_r W_h (d×d) U_z U_r U_h (d×m) b_z b_r b_h (d)
    const std::size_t d = 64, dd = d * d, dm = d * 2;
    CHECK(w.offsets == std::vector<std::size_t>{0, dd, 2 * dd, 3 * dd, 3 * dd + dm, 3 * dd + 2 * dm, 3 * dd + 3 * dm,
                                                3 * dd + 3 * dm + d, 3 * dd + 3 * dm + 2 * d});
    CHECK(w.values.size() == 3 * dd + 3 * dm + 3 * d);
  }
  SECTION("refusals") {
    for (auto kind : {models::CellKind::Elman, models::CellKind::Lstm, models::CellKind::ArGru}) {
      const auto cell = models::random_cell(kind, 4, 1, 7, 0.9);
      try {
        (void)solve::device_weights<float>(cell);
        FAIL("accepted " << models::cell_kind_name(kind));
      } catch (const std::invalid_argument& e) {
        const std::string msg = e.what();
        CHECK(contains(msg, models::cell_kind_name(kind)));
        CHECK(contains(msg, "paragru"));
        CHECK(contains(msg, "paralstm"));
      }
    }
    const auto big = models::random_cell(models::CellKind::Gru, 65, 2, 7, 0.9);
    CHECK_THROWS_AS(solve::device_weights<double>(big), std::invalid_argument);
    CHECK_THROWS_WITH(solve::device_weights<float>(big), Catch::Contains("hidden 65") && Catch::Contains("64"));
  }
}

TEST_CASE("device methods and options: what the device runs", "[quick][cli][device]") {
  using solve::Method;
  const auto pg = models::random_cell(models::CellKind::ParaGru, 4, 2, 1, 0.9);
  const auto pl = models::random_cell(models::CellKind::ParaLstm, 4, 2, 1, 0.9);
  const auto gru = models::random_cell(models::CellKind::Gru, 4, 2, 1, 0.9);
  CHECK_NOTHROW(solve::check_device_method(pg, Method::Newton));
  CHECK_NOTHROW(solve::check_device_method(pg, Method::QuasiDeer));
  CHECK_NOTHROW(solve::check_device_method(pl, Method::Newton));
  CHECK_NOTHROW(solve::check_device_method(gru, Method::QuasiDeer));
  for (auto m : {Method::Sequential, Method::Jacobi, Method::Deer, Method::Elk, Method::QuasiElk}) {
    CHECK_THROWS_AS(solve::check_device_method(pg, m), std::invalid_argument);
    CHECK_THROWS_AS(solve::check_device_method(gru, m), std::invalid_argument);
  }
  CHECK_THROWS_AS(solve::check_device_method(pl, Method::QuasiDeer), std::invalid_argument);
  CHECK_THROWS_AS(solve::check_device_method(gru, Method::Newton), std::invalid_argument);
  CHECK(solve::device_has_adjoint(pg));
  CHECK(solve::device_has_adjoint(pl));
  CHECK_FALSE(solve::device_has_adjoint(gru));

  solve::SolveOptions so;
  so.atol = 1e-5, so.rtol = 2e-5, so.fixed_iters = 3, so.max_iter = 40;
  so.init = solve::InitSpec::parse("zeros");
  auto d = solve::device_newton_options(so);
  CHECK(d.atol == 1e-5);
  CHECK(d.rtol == 2e-5);
  CHECK(d.fixed_iters == 3);
  CHECK(d.max_iter == 40);
  CHECK_FALSE(d.init_f0);
  so.init = solve::InitSpec::parse("f0");
  CHECK(solve::device_newton_options(so).init_f0);
  so.init = solve::InitSpec::parse("jacobi:2");
  CHECK_THROWS_AS(solve::device_newton_options(so), std::invalid_argument);
  so.init = solve::InitSpec::parse("f0");
  so.reset = true;
  CHECK_THROWS_AS(solve::device_newton_options(so), std::invalid_argument);
}

TEMPLATE_TEST_CASE("gradient split: adjoint_states then gradients_from_adjoints equals implicit_gradients bit for bit",
                   "[quick][cli][device][solve]", double, float) {
  using T = TestType;
  parallax::kernels::ScanOptions so;
  so.threads = 1;  // the parameter sums are chunk-ordered: one thread makes them deterministic
  for (auto kind : {models::CellKind::ParaGru, models::CellKind::ParaLstm, models::CellKind::Gru, models::CellKind::Elman,
                    models::CellKind::Lstm}) {
    INFO(models::cell_kind_name(kind));
    const auto cell = models::random_cell(kind, 5, 3, 11, 0.9);
    const std::size_t n = cell.state_dim(), m = cell.input, len = 37;
    std::mt19937_64 rng(3);
    std::normal_distribution<double> g;
    std::vector<T> X(len * m), G(len * n), h0(n, T(0)), H;
    for (auto& x : X) x = static_cast<T>(g(rng));
    for (auto& x : G) x = static_cast<T>(g(rng));
    solve::run_sequential(cell, X, len, h0, H);
    const auto lambda = solve::adjoint_states(cell, X, len, h0, H, G, so);
    REQUIRE(lambda.size() == len * n);
    // the last adjoint is the last cotangent
    CHECK(same_bits(std::vector<T>(lambda.end() - n, lambda.end()), std::vector<T>(G.end() - n, G.end())));
    const auto split = solve::gradients_from_adjoints(cell, X, len, h0, H, lambda, so);
    const auto whole = solve::implicit_gradients(cell, X, len, h0, H, G, so);
    CHECK(same_bits(split.dx, whole.dx));
    CHECK(same_bits(split.dh0, whole.dh0));
    REQUIRE(split.dparams.size() == whole.dparams.size());
    for (std::size_t p = 0; p < split.dparams.size(); ++p) CHECK(same_bits(split.dparams[p], whole.dparams[p]));
    // and both are the gradient: against backpropagation through time
    const auto bptt = solve::backprop_sequential(cell, X, len, h0, G);
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < bptt.dx.size(); ++i)
      diff = std::max(diff, std::fabs(double(split.dx[i]) - double(bptt.dx[i]))), scale = std::max(scale, std::fabs(double(bptt.dx[i])));
    CHECK(diff <= (sizeof(T) == 8 ? 1e-10 : 1e-3) * std::max(1.0, scale));
  }
  // sizes are checked
  const auto cell = models::random_cell(models::CellKind::ParaGru, 2, 1, 1, 0.9);
  const std::vector<T> X(4), h0(2), H(8), bad(7);
  CHECK_THROWS_AS(solve::gradients_from_adjoints(cell, X, 4, h0, H, bad), std::invalid_argument);
  CHECK(solve::adjoint_states(cell, std::vector<T>{}, 0, h0, std::vector<T>{}, std::vector<T>{}).empty());
}

// ---- with a GPU --------------------------------------------------------------

TEST_CASE("device cli: scan --device cuda equals the CPU run on every structure and algorithm", "[standard][cli][device][gpu][scan]") {
  if (!cuda::available()) {
    WARN("no GPU: " << cuda::device_status());
    return;
  }
  struct M {
    models::Structure s;
    std::size_t d;
  };
  for (const M& mm : {M{models::Structure::Diagonal, 8}, M{models::Structure::Complex, 8}, M{models::Structure::PermutationDiagonal, 8},
                      M{models::Structure::Dense, 6}, M{models::Structure::Dplr, 5}}) {
    const auto spec = models::random_lrnn(mm.s, mm.d, 3, 5);
    const auto file = scratch_dir() / ("gpu-" + models::to_string(mm.s) + ".json");
    models::save_lrnn(spec, file.string());
    for (const char* prec : {"fp64", "fp32"}) {
      const std::string base = "scan -m '" + file.string() + "' --random 100000 --seed 3 --json --show-state 64 -p " + prec;
      const auto cpu = cli(base);
      REQUIRE(cpu.code == 0);
      const auto c = nlohmann::json::parse(cpu.out);
      std::vector<std::string> algos{"layered", "sequential"};
      if (mm.s == models::Structure::Diagonal) algos.push_back("cub");
      for (const auto& algo : algos) {
        const auto dev = cli(base + " --device cuda --algo " + algo);
        INFO(models::to_string(mm.s) << " " << prec << " " << algo << "\n" << dev.err);
        REQUIRE(dev.code == 0);
        const auto g = nlohmann::json::parse(dev.out);
        CHECK(g["device"] == "cuda");
        CHECK(g["algo"] == algo);
        const double tol = std::string(prec) == "fp64" ? 1e-9 : 1e-3;
        CHECK(g["cpu_max_abs_diff"].get<double>() <= tol);
        REQUIRE(g["state"].size() == c["state"].size());
        for (std::size_t i = 0; i < c["state"].size(); ++i) {
          const double a = std::stod(g["state"][i].get<std::string>()), b = std::stod(c["state"][i].get<std::string>());
          CHECK(std::fabs(a - b) <= tol * std::max(1.0, std::fabs(b)));
        }
        CHECK(g["verdict"] == c["verdict"]);
      }
    }
  }
  // half-precision inputs on a diagonal model
  const auto spec = models::random_lrnn(models::Structure::Diagonal, 8, 3, 5);
  const auto file = scratch_dir() / "gpu-half.json";
  models::save_lrnn(spec, file.string());
  for (const char* prec : {"bf16", "fp16"}) {
    const auto dev = cli("scan -m '" + file.string() + "' --random 100000 --json --device cuda -p " + prec);
    INFO(prec << "\n" << dev.err);
    REQUIRE(dev.code == 0);
    CHECK(nlohmann::json::parse(dev.out)["cpu_max_abs_diff"].get<double>() <= 1e-3);
  }
}

TEST_CASE("device cli: solve --device cuda agrees with the CPU's sequential run", "[standard][cli][device][gpu][solve]") {
  if (!cuda::available()) {
    WARN("no GPU: " << cuda::device_status());
    return;
  }
  struct S {
    std::string args;
    double tol;
  };
  for (const S& s : {S{"--cell paragru --hidden 16 -p fp64", 1e-8}, S{"--cell paralstm --hidden 16 -p fp64 --grad", 1e-8},
                     S{"--cell paragru --hidden 16 -p fp32 --grad", 1e-3}, S{"--cell gru --hidden 8 --method quasi-deer -p fp64", 1e-8},
                     S{"--cell paragru --hidden 8 -p fp32 --iters 3 --init zeros", 1.0}}) {
    const auto r = cli("solve " + s.args + " --length 2000 --batch 3 --device cuda --json");
    INFO(s.args << "\n" << r.err);
    REQUIRE(r.code == 0);
    const auto j = nlohmann::json::parse(r.out);
    CHECK(j["device"] == "cuda");
    CHECK(j["max_error_vs_sequential"].get<double>() <= s.tol);
    CHECK(j["device_sequential_vs_cpu"].get<double>() <= (s.tol < 1e-6 ? 1e-10 : 1e-4));
    if (j.contains("gradient_max_diff_vs_bptt"))
      CHECK(j["gradient_max_diff_vs_bptt"].get<double>() <= s.tol * std::max(1.0, j["gradient_max_abs"].get<double>()));
  }
  // the store keeps the device's record, and a rerun resumes it
  const auto store = scratch_dir() / "device.sqlite";
  std::filesystem::remove(store);
  const std::string args = "solve --cell paragru --hidden 8 --length 500 --device cuda --json --store '" + store.string() + "'";
  const auto first = cli(args);
  REQUIRE(first.code == 0);
  const auto again = cli(args);
  REQUIRE(again.code == 0);
  CHECK(nlohmann::json::parse(again.out)["device"] == "cuda");
}
