"""reduce, recognize, circuit and Store against the command line: the same
options give the records `parallax <kind> --json` prints (timings aside), a
store written from Python holds what the command's --store writes, and a
run stopped by Ctrl-C leaves a store that a rerun resumes."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import parallax

TIMINGS = {"ns_per_token", "scan_ns_per_token", "seconds", "mbytes"}


def cli_records(cli, *args):
    p = cli(*args, "--json")
    assert p.returncode == 0, p.stderr
    rows = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return rows


def comparable(rows, cli_form=False):
    """timings removed; the command line's "-" for an absent value is None"""
    out = []
    for r in rows:
        d = {k: (None if v == "-" else v) for k, v in r.items() if k not in TIMINGS}
        if cli_form:
            d.pop("scan_checked", None)  # recognize's table leaves it out
        out.append(d)
    return out


def test_reduce_records_equal_the_command_line(cli):
    py = parallax.reduce("parity", lengths=[8, 16], precision=["fp32", "exact"], trials=4, seed=3, min_bits=True)
    got = cli_records(cli, "reduce", "--problem", "parity", "--lengths", "8,16", "--precision", "fp32,exact",
                      "--trials", "4", "--seed", "3", "--min-bits")
    assert comparable(py) == comparable(got)
    assert [r["record"] for r in py].count("min_bits") >= 2
    # the records do not depend on the jobs
    assert comparable(parallax.reduce("parity", lengths=[8, 16], precision=["fp32", "exact"], trials=4, seed=3,
                                      min_bits=True, jobs=3)) == comparable(py)


def test_reduce_with_failures_equals_the_command_line(cli):
    # a 4-bit significand miscounts at n = 512: first_failing_seed (a 64-bit seed) and max_error are set
    py = parallax.reduce("majority", lengths="64,512", precision="bf16,float:4:5", trials=6, seed=2)
    got = cli_records(cli, "reduce", "--problem", "majority", "--lengths", "64,512", "--precision", "bf16,float:4:5",
                      "--trials", "6", "--seed", "2")
    assert comparable(py) == comparable(got)
    assert py[3]["correct"] < 6 and py[3]["first_failing_seed"] > 2**63
    df = py.to_pandas()
    assert list(df["n"]) == [64, 64, 512, 512] and set(df["record"]) == {"accuracy"}


def test_recognize_records_equal_the_command_line(cli):
    py = parallax.recognize(regex="(ab)*", alphabet="ab", model="pd", lengths=[4, 9], precision="fp32,bf16",
                            trials=6, min_bits=True)
    got = cli_records(cli, "recognize", "--regex", "(ab)*", "--alphabet", "ab", "--model", "pd", "--lengths", "4,9",
                      "--precision", "fp32,bf16", "--trials", "6", "--min-bits")
    assert comparable(py, cli_form=True) == comparable(got)
    assert "PD-LRNN" in py.description


def test_recognize_automaton_dict_equals_its_file(tmp_path):
    dfa = {"type": "dfa", "name": "even-a", "alphabet": ["a", "b"], "states": 2, "start": 0, "accepting": [0],
           "transitions": {"a": [1, 0], "b": [0, 1]}}
    path = tmp_path / "even.json"
    path.write_text(json.dumps(dfa))
    a = parallax.recognize(automaton=dfa, lengths=[5, 12], trials=4)
    b = parallax.recognize(automaton=path, lengths=[5, 12], trials=4)
    assert comparable(a) == comparable(b)
    assert all(r["language"] == "even-a" for r in a)


def test_circuit_records_equal_the_command_line(cli):
    py = parallax.circuit("lrnn:diag:d=2", sweep="8..64", network="sklansky")
    got = cli_records(cli, "circuit", "--model", "lrnn:diag:d=2", "--sweep", "8..64", "--network", "sklansky")
    assert comparable(py) == comparable(got)
    assert [r["n"] for r in py] == [8, 16, 32, 64]


@pytest.mark.parametrize("call, keyword", [
    (lambda: parallax.reduce("parity", trials=0), "trials"),
    (lambda: parallax.reduce("parity", max_bits=1, min_bits=True), "max_bits"),
    (lambda: parallax.reduce("parity", jobs=0), "jobs"),
    (lambda: parallax.reduce("no-such-problem"), "problem"),
    (lambda: parallax.reduce("parity", "no-such-construction"), "construction"),
    (lambda: parallax.reduce("parity", lengths="8,x"), "lengths"),
    (lambda: parallax.reduce("parity", precision="fq32"), "precision"),
    (lambda: parallax.recognize(language="parity", model="nope"), "model"),
    (lambda: parallax.recognize(language="parity", trials=0), "trials"),
    (lambda: parallax.recognize(language="no-such-language"), "language"),
    (lambda: parallax.circuit("lrnn:diag:d=2", n=8, network="nope"), "network"),
    (lambda: parallax.circuit("lrnn:diag:d=2"), "n"),
    (lambda: parallax.circuit("nope:x", n=8), "model"),
])
def test_errors_name_the_keyword(call, keyword):
    with pytest.raises(ValueError) as e:
        call()
    assert keyword in str(e.value)
    assert "--" not in str(e.value).split(":")[0]  # a keyword, not the command line's --option
    if isinstance(e.value, parallax.OptionError):
        assert e.value.option == keyword


def test_a_store_written_from_python_equals_the_command_lines(cli, tmp_path):
    py_store, cli_store = tmp_path / "py.sqlite", tmp_path / "cli.sqlite"
    records = parallax.reduce("parity", lengths=[8, 32], precision="fp32,exact", trials=4, min_bits=True,
                              store=py_store)
    p = cli("reduce", "--problem", "parity", "--lengths", "8,32", "--precision", "fp32,exact", "--trials", "4",
            "--min-bits", "--store", str(cli_store), "--json")
    assert p.returncode == 0, p.stderr
    a, b = parallax.Store(py_store), parallax.Store(cli_store)
    ra, rb = a.runs(), b.runs()
    assert list(ra["command"]) == list(rb["command"]) == ["reduce"]
    assert ra["config"][0] == rb["config"][0]  # one configuration: the CLI resumes Python's run and back
    assert ra["finished"][0] is not None
    strip = lambda rows: [{k: v for k, v in r.items() if k not in TIMINGS} for r in rows]
    assert strip(a.records("record")) == strip(b.records("record"))
    assert a.records("min-bits") == b.records("min-bits")
    # the records returned are the ones stored
    stored = a.results("record")
    assert sorted(zip(stored["n"], stored["format"])) == sorted((r["n"], r["format"]) for r in records
                                                                 if r["record"] == "accuracy")
    assert set(a.results()["kind"]) == {"record", "min-bits"}
    # a rerun resumes: nothing recomputed, the same records (timings included) read back
    again = parallax.reduce("parity", lengths=[8, 32], precision="fp32,exact", trials=4, min_bits=True,
                            store=parallax.Store(py_store))
    assert again == records
    assert len(parallax.Store(py_store).runs()) == 1


def test_recognize_and_circuit_stores_resume(tmp_path):
    path = tmp_path / "s.sqlite"
    r1 = parallax.recognize(language="parity", lengths=[10, 20], trials=4, store=path)
    c1 = parallax.circuit("lrnn:diag:d=2", sweep="8..32", store=path)
    assert parallax.recognize(language="parity", lengths=[10, 20], trials=4, store=path) == r1
    assert parallax.circuit("lrnn:diag:d=2", sweep="8..32", store=path) == c1
    s = parallax.Store(path)
    assert list(s.runs()["command"]) == ["recognize", "circuit"]
    assert len(s.results(command="circuit")) == 3 and len(s.results(kind="record")) == 2


def test_store_refuses_a_missing_or_foreign_file(tmp_path):
    with pytest.raises(ValueError, match="nope.sqlite"):
        parallax.Store(tmp_path / "nope.sqlite")
    junk = tmp_path / "junk.txt"
    junk.write_text("hello")
    with pytest.raises(ValueError, match="junk.txt.*not a Parallax store"):
        parallax.Store(junk)
    with pytest.raises(ValueError, match="junk.txt"):
        parallax.reduce("parity", lengths=8, trials=2, store=junk)
    with pytest.raises(TypeError):
        parallax.reduce("parity", store=42)


INTERRUPTED = textwrap.dedent("""
    import sys, parallax
    print("started", flush=True)
    try:
        parallax.reduce("word:S5", lengths="1024..65536x2", precision="float:200:10", trials=8, allow_long=True,
                        store=sys.argv[1])
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(3)
    print("finished", flush=True)
""")


def test_ctrl_c_stops_a_long_run_and_the_store_resumes(tmp_path):
    path = tmp_path / "long.sqlite"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    p = subprocess.Popen([sys.executable, "-c", INTERRUPTED, str(path)], stdout=subprocess.PIPE, text=True, env=env)
    assert p.stdout.readline().strip() == "started"
    time.sleep(2.5)
    sent = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, _ = p.communicate(timeout=30)
    assert time.monotonic() - sent < 5, "the run did not stop within a few seconds of Ctrl-C"
    assert p.returncode == 3 and out.strip() == "interrupted"
    # the store is whole: its run unfinished, every stored record readable
    s = parallax.Store(path)
    runs = s.runs()
    assert len(runs) == 1 and runs["finished"][0] is None
    for rec in s.records("record"):
        assert rec["trials"] == 8
    # a rerun of a short part of the same configuration resumes the same run
    done = s.records("record")
    assert done, "the first length (n = 1024, well under a second) was not stored before the interrupt"
    if done:
        n = done[0]["n"]
        again = parallax.reduce("word:S5", lengths=n, precision=done[0]["precision"], trials=8, allow_long=True,
                                store=path)
        assert len(parallax.Store(path).runs()) == 1
        assert {k: v for k, v in again[0].items() if k != "record"} == done[0]
