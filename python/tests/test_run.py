"""parallax.run and parallax.report against `parallax run` and `parallax report`."""
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

import parallax

TINY = textwrap.dedent("""\
    name = "tiny"
    seed = 5
    trials = 4

    [[reduce]]
    problem = "parity"
    construction = "diag"
    lengths = "8,16"
    precision = ["fp32", "exact"]

    [[recognize]]
    language = "count-mod:3"
    model = "rotation"
    lengths = [10, 20]
    precision = "fp32"
    min-bits = true

    [[circuit]]
    model = "lrnn:pd:d=2"
    sweep = "8..16"
""")

# what differs between two runs of the same suite: times, the machine, the job count
TIMING = re.compile(r"run|toml|source|jobs|attempt|speedup|mbytes|.*seconds.*|.*ns_per_token.*|.*_time.*|.*_ms")


def _strip(x):
    if isinstance(x, dict):
        return {k: _strip(v) for k, v in x.items() if not TIMING.fullmatch(k)}
    if isinstance(x, list):
        return [_strip(v) for v in x]
    return x


def _stored(path):
    """Every stored result as (command, kind, key, record without timings), sorted; and the runs' configs."""
    s = parallax.Store(path)
    runs = {r["id"]: r for r in s._store.runs()}
    results = sorted(((runs[r["run"]]["command"], r["kind"], r["key"], repr(_strip(r["record"])))
                      for r in s._store.results(None)))
    configs = sorted((r["command"], repr(r["config"]), r["finished"] is not None) for r in runs.values())
    return results, configs


@pytest.fixture
def tiny(tmp_path):
    path = tmp_path / "tiny.toml"
    path.write_text(TINY)
    return path


@pytest.fixture
def exe(cli):
    return os.environ.get("PARALLAX") or parallax.parallax_executable()


def _untimed(lines, root):
    """Progress lines without their timings and order, the output folder replaced by OUT."""
    return sorted(re.sub(r"^\[\d+/(\d+)\]\s+[0-9.]+ s ", r"[_/\1] T s ", line).replace(str(root), "OUT")
                  for line in lines)


def test_run_stores_what_the_command_line_stores(tmp_path, tiny, cli, capsys):
    got = parallax.run(tiny, out=tmp_path / "py", jobs=2, plots=False)
    printed = capsys.readouterr().err.splitlines()
    p = cli("run", str(tiny), "--out", str(tmp_path / "cli"), "--jobs", "2", "--no-plots")
    assert p.returncode == 0, p.stderr
    assert _stored(got["store"]) == _stored(tmp_path / "cli" / "results.sqlite")
    assert got["store"] == str(tmp_path / "py" / "results.sqlite")
    assert got["suite"] == "tiny" and got["entries"] == 3 and got["failed"] == [] and got["attempt"] == 1
    assert got["units"] == 2 + 2 + 1  # one per length of reduce and recognize, the circuit sweep whole
    assert got["units"] == len(p.stderr.splitlines()) - 1  # the command line's progress: a header, a line per unit
    # the package prints the same progress (units end in either order with 2 jobs)
    assert _untimed(printed, tmp_path / "py") == _untimed(p.stderr.splitlines(), tmp_path / "cli")
    assert got["record"] == parallax.Store(got["store"]).records("suite")[0]
    # the report files, named as the command line names them
    assert got["report"] == str(tmp_path / "py" / "report.md")
    names = [Path(f).name for f in got["files"]]
    lines = p.stdout.splitlines()
    cli_names = [Path(line.strip()).name for line in lines[lines.index(f"report: {tmp_path / 'cli' / 'report.md'}") + 1:]]
    assert names == cli_names and "report.md" in names and "expressivity.csv" in names
    for f in got["files"]:
        assert Path(f).is_file()


def test_a_rerun_resumes_and_adds_no_record(tmp_path, tiny):
    first = parallax.run(tiny, out=tmp_path / "r", jobs=1, plots=False)
    before = _stored(first["store"])
    again = parallax.run(tiny, out=tmp_path / "r", jobs=1, plots=False)
    assert again["failed"] == [] and _stored(again["store"]) == before
    assert len(parallax.Store(again["store"]).records("suite")) == 1  # a rerun of a run that succeeded adds nothing


def test_progress_goes_to_a_callable_or_nowhere(tmp_path, tiny, capsys):
    events = []
    got = parallax.run(tiny, out=tmp_path / "a", jobs=1, plots=False, progress=events.append)
    assert capsys.readouterr().err == ""
    assert events[0]["event"] == "started" and events[0]["units"] == got["units"] == len(events) - 1
    assert events[0]["store"] == got["store"]
    units = events[1:]
    assert [e["done"] for e in units] == list(range(1, got["units"] + 1))
    assert all(e["event"] == "unit" and e["exit_code"] == 0 and e["total"] == got["units"] and e["seconds"] >= 0
               for e in units)
    parallax.run(tiny, out=tmp_path / "b", jobs=1, plots=False, progress=False)
    assert capsys.readouterr().err == ""

    # a callable that raises stops the run, and its exception reaches the caller
    class Stop(Exception):
        pass

    def stop_after_one(e):
        if e["event"] == "unit":
            raise Stop("enough")

    with pytest.raises(Stop):
        parallax.run(tiny, out=tmp_path / "c", jobs=1, plots=False, progress=stop_after_one)
    runs = parallax.Store(tmp_path / "c" / "results.sqlite").runs()
    suite_run = runs[runs["command"] == "suite"]
    assert len(suite_run) == 1 and pd.isna(suite_run["finished"].iloc[0])  # unfinished: a rerun resumes it
    assert len(runs) == 2  # the suite's run and the one unit that ended; no other unit started
    with pytest.raises(TypeError, match="progress"):
        parallax.run(tiny, out=tmp_path / "d", progress="yes")


def test_dry_run_lists_the_command_lines_of_the_command_line(tmp_path, tiny, cli):
    out = tmp_path / "d"
    got = parallax.run(tiny, out=out, dry_run=True)
    p = cli("run", str(tiny), "--out", str(out), "--dry-run")
    assert p.returncode == 0 and got == p.stdout.splitlines()
    assert not out.exists()
    quick = parallax.run(None, out=out, quick=True, dry_run=True)
    assert quick == cli("run", "--quick", "--out", str(out), "--dry-run").stdout.splitlines()


def test_report_writes_the_files_of_the_command_line(tmp_path, tiny, cli):
    store = parallax.run(tiny, out=tmp_path / "r", jobs=2, plots=False, formats="csv")["store"]
    for i, formats in enumerate((["md", "html", "tex", "csv"], "md,csv")):
        a, b = tmp_path / f"py-{i}", tmp_path / f"cli-{i}"
        files = parallax.report(parallax.Store(store), out=a, formats=formats, plots=False, title="T")
        fl = formats if isinstance(formats, str) else ",".join(formats)
        p = cli("report", "--store", store, "--out", str(b), "--format", fl, "--no-plots", "--title", "T")
        assert p.returncode == 0, p.stderr
        cli_files = p.stdout.splitlines()[:-1]  # the last line counts the disagreements
        assert [os.path.relpath(f, a) for f in files] == [os.path.relpath(f, b) for f in cli_files]
        for f, g in zip(files, cli_files):
            assert Path(f).read_bytes() == Path(g).read_bytes(), f
    assert sorted(os.listdir(tmp_path / "py-1")) == ["depth.csv", "expressivity.csv", "newton.csv", "precision.csv",
                                                     "report.md", "steps.csv"]


def test_errors_name_the_file_line_and_keyword(tmp_path, tiny, monkeypatch):
    bad = tmp_path / "bad.toml"
    bad.write_text(TINY.replace('sweep = "8..16"', 'sweep = "8..16"\ncolour = "red"'))
    line = TINY.count("\n") + 1
    with pytest.raises(ValueError, match=rf"bad\.toml:{line}: \[\[circuit\]\] #1: unknown option 'colour'"):
        parallax.run(bad, out=tmp_path / "o")
    bad.write_text(TINY.replace('lengths = "8,16"', 'lengths = "8,16"\ntrials = -3'))
    with pytest.raises(ValueError, match=r"bad\.toml:9: .*'trials'"):
        parallax.run(bad, out=tmp_path / "o")
    bad.write_text("[[reduce]\n")
    with pytest.raises(ValueError, match=r"bad\.toml:1"):
        parallax.run(bad, out=tmp_path / "o")
    with pytest.raises(ValueError, match="missing.toml: cannot open the suite"):
        parallax.run(tmp_path / "missing.toml", out=tmp_path / "o")
    with pytest.raises(parallax.OptionError, match="jobs must be from 1 to 256") as e:
        parallax.run(tiny, out=tmp_path / "o", jobs=300)
    assert e.value.option == "jobs"
    with pytest.raises(parallax.OptionError, match="formats: .*pdf") as e:
        parallax.run(tiny, out=tmp_path / "o", formats=["md", "pdf"])
    assert e.value.option == "formats"
    assert not (tmp_path / "o").exists()  # refused before any work
    with pytest.raises(ValueError, match="nope.sqlite"):
        parallax.report(tmp_path / "nope.sqlite", out=tmp_path / "rep")
    afile = tmp_path / "afile"
    afile.write_text("x")
    with pytest.raises(parallax.OptionError, match="afile: exists and is not a directory"):
        parallax.report(tmp_path / "nope.sqlite", out=afile)
    with pytest.raises(parallax.OptionError, match="formats"):
        parallax.report(tmp_path / "nope.sqlite", out=tmp_path / "rep", formats="md,doc")


def test_the_command_is_found_explicitly(tmp_path, monkeypatch, exe):
    monkeypatch.setenv("PARALLAX", str(tmp_path / "no-such-parallax"))
    with pytest.raises(RuntimeError, match="PARALLAX=.*no-such-parallax"):
        parallax.parallax_executable()
    monkeypatch.setenv("PARALLAX", exe)
    assert parallax.parallax_executable() == os.path.abspath(exe)
    monkeypatch.delenv("PARALLAX")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr("sysconfig.get_path", lambda name: str(tmp_path / "scripts"))
    with pytest.raises(RuntimeError, match="no parallax command found"):
        parallax.parallax_executable()
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "parallax").symlink_to(exe)
    assert parallax.parallax_executable() == str(tmp_path / "scripts" / "parallax")


SLOW = textwrap.dedent("""\
    name = "slow"
    seed = 2

    [[reduce]]
    problem = "word:S5"
    construction = "pd"
    lengths = "{lengths}"
    precision = "float:200:10"
    trials = 8
    allow-long = true
""")

LENGTHS = [512, 600, 700, 800]


def _records_in(store):
    try:
        return parallax.Store(store).records("record")
    except ValueError:  # not yet created
        return []


INTERRUPTED = textwrap.dedent("""
    import sys, parallax
    print("started", flush=True)
    try:
        parallax.run(sys.argv[1], out=sys.argv[2], jobs=1, plots=False)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    print("finished", flush=True)
""")


@pytest.mark.parametrize("front", ["python", "command line"])
def test_ctrl_c_stops_a_suite_and_a_rerun_resumes(tmp_path, exe, front):
    """Python's Ctrl-C leaves the store as an interrupted `parallax run` leaves it (the second case)."""
    suite = tmp_path / "slow.toml"
    suite.write_text(SLOW.format(lengths=",".join(map(str, LENGTHS))))
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path), PARALLAX=exe)
    if front == "python":
        p = subprocess.Popen([sys.executable, "-c", INTERRUPTED, str(suite), str(out)], stdout=subprocess.PIPE,
                             text=True, env=env)
        assert p.stdout.readline().strip() == "started"
    else:
        p = subprocess.Popen([exe, "run", str(suite), "--out", str(out), "--jobs", "1", "--no-plots"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    store = out / "results.sqlite"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _records_in(store):  # the first unit is stored: the run is under way
        time.sleep(0.1)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    stdout, _ = p.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "the run did not stop within a few seconds of Ctrl-C"
    if front == "python":
        assert p.returncode == 3 and stdout.strip() == "interrupted"
    else:
        assert p.returncode == -signal.SIGINT
    # as after `parallax run` is interrupted: the suite's run unfinished and without a record, the store whole
    results, configs = _stored(store)
    assert not [r for r in results if r[1] == "suite"]
    assert ("suite", False) in [(c[0], c[2]) for c in configs]
    lengths = {r["n"] for r in parallax.Store(store).records("record")}
    assert lengths and len(lengths) < len(LENGTHS), "the interrupt did not land mid-run"
    time.sleep(0.5)
    assert _stored(store) == (results, configs), "a unit still wrote to the store after the interrupt"
    # a rerun resumes: the stored records stay as they were, the rest is added, the run finishes
    got = parallax.run(suite, out=out, jobs=2, plots=False)
    assert got["failed"] == [] and got["attempt"] == 1
    again, configs2 = _stored(store)
    assert set(results) <= set(again)
    assert {r["n"] for r in parallax.Store(store).records("record")} == set(LENGTHS)
    assert all(finished for _, _, finished in configs2) and len(configs2) == len(configs)
