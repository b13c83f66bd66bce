"""classify / equivalent / problems against the command line's JSON and brute force."""
import itertools
import json
from pathlib import Path

import numpy as np
import pytest

import parallax


def test_classify_matches_the_command_line(cli):
    for args, kwargs in ((["--language", "parity"], {"language": "parity"}),
                         (["--regex", "(ab)*"], {"regex": "(ab)*"}),
                         (["--language", "word:S5"], {"language": "word:S5"})):
        p = cli("classify", *args, "--json")
        assert p.returncode == 0, p.stderr
        assert parallax.classify(**kwargs) == json.loads(p.stdout)


def test_classify_facts_and_automaton_dict(tmp_path):
    parity = parallax.classify(language="parity")
    assert parity["monoid_size"] == 2 and parity["class"] == "ACC0" and not parity["aperiodic"]
    s5 = parallax.classify(language="word:S5")
    assert s5["class"] == "NC1-complete"
    assert parallax.classify(regex="(ab)*")["aperiodic"]
    # the same language as an automaton dict: a two-state DFA counting b mod 2
    dfa = {"type": "dfa", "alphabet": ["a", "b"], "states": ["even", "odd"], "start": "even",
           "accepting": ["even"], "transitions": {"a": ["even", "odd"], "b": ["odd", "even"]}}
    r = parallax.classify(automaton=dfa)
    assert r["monoid_size"] == 2 and r["class"] == "ACC0"
    dot = tmp_path / "c.dot"
    parallax.classify(language="parity", cayley=dot)
    assert dot.read_text().startswith("digraph")


def test_classify_errors():
    with pytest.raises(parallax.RegexError) as e:
        parallax.classify(regex="(ab")
    assert e.value.position is not None and e.value.position >= 0
    assert e.value.option == "regex"
    assert isinstance(e.value, ValueError)
    with pytest.raises(parallax.OptionError) as e:
        parallax.classify(regex="ab", language="parity")
    assert e.value.option in ("regex", "language")
    with pytest.raises(ValueError, match="no-such-language"):
        parallax.classify(language="no-such-language")
    with pytest.raises(ValueError, match="automaton"):
        parallax.classify(automaton={"type": "dfa"})


def test_equivalent_counterexample_is_shortest():
    r = parallax.equivalent("re:(ab)*", "re:(ab)*(ab)*")
    assert r["equivalent"] and r["counterexample"] is None
    r = parallax.equivalent("re:a*", "re:aa*", alphabet="a")
    assert not r["equivalent"]
    # brute force: the empty word is the only difference
    assert r["counterexample"] == "(empty word)" and r["accepted_by"] == "a"


def test_problems_generate_solve_encode_scan():
    names = [p["name"] for p in parallax.problems.list()]
    assert "word:S5" in names and "majority" in names
    assert parallax.problems.info("word:S5")["class"] == "NC1-complete"
    cons = parallax.problems.constructions("word:S5")
    assert cons and all({"name", "architecture", "description"} <= set(c) for c in cons)
    decided = 0
    for seed in range(6):
        inst = parallax.problems.generate("word:S5", 24, seed=seed)
        assert inst["answer"] == (seed % 2 == 0)
        assert parallax.problems.solve("word:S5", inst) == inst["answer"]
        for c in cons:
            enc = parallax.problems.construct("word:S5", c["name"], inst)
            got = parallax.scan(enc.model, enc.tokens, precision="exact", parallel=False).verdict
            # the constructions the theory says decide S5 at every length (diag01 and the
            # fixed-depth transformer are there to fail)
            if c["name"] in ("pd", "householder", "relu-rnn"):
                assert enc.exact_max_length == 0
                assert got == ("accept" if inst["answer"] else "reject"), c["name"]
                decided += 1
                # the same tokens as a uint32 array (read in place), and one index past the alphabet
                ids = np.asarray(enc.tokens, dtype=np.uint32)
                assert parallax.scan(enc.model, ids, precision="exact", parallel=False).verdict == got
                bad = ids.copy()
                bad[-1] = len(enc.model.alphabet)
                with pytest.raises(ValueError, match=f"position {len(bad) - 1}|tokens\\[{len(bad) - 1}\\]"):
                    parallax.scan(enc.model, bad, precision="exact")
    assert decided == 3 * 6
    assert parallax.problems.generate("majority", 10, seed=3, answer=True)["answer"] is True


def test_problems_errors():
    with pytest.raises(ValueError, match="word:G"):
        parallax.problems.info("nope")
    with pytest.raises(ValueError):
        parallax.problems.solve("word:S5", {"word": "not a list"})
    with pytest.raises(ValueError, match="n"):
        parallax.problems.generate("parity", -1)
    with pytest.raises(ValueError):
        parallax.problems.construct("word:S5", "no-such-construction", parallax.problems.generate("word:S5", 4))


def test_datasets_export_and_audit_match_the_command_line(tmp_path, cli):
    out = tmp_path / "s5"
    got = parallax.datasets.export("word:S5", out=out, splits="train=20..30+2,test=32..40+4", per_length=4, balanced=True)
    assert got["instances"] == 4 * (6 + 3) and got["manifest"]["problem"] == "word:S5"
    assert [Path(f).name for f in got["files"]] == ["train.jsonl", "test.jsonl", "manifest.json"]
    # the same files as the command's export with the same options
    p = cli("dataset", "export", "--problem", "word:S5", "--splits", "train=20..30+2,test=32..40+4", "--per-length", "4",
            "--balanced", "--out", str(tmp_path / "cli"))
    assert p.returncode == 0, p.stderr
    for f in ("train.jsonl", "test.jsonl"):
        assert (out / f).read_bytes() == (tmp_path / "cli" / f).read_bytes()
    files = [out / "train.jsonl", out / "test.jsonl"]
    clean = parallax.datasets.audit("word:S5", files)
    assert clean["passed"] and all(c["passed"] for c in clean["checks"])
    assert clean["splits"]["test"]["lines"] == 12
    # a flipped label: the check fails, the line is named, as the command says
    lines = (out / "test.jsonl").read_text().splitlines()
    first = json.loads(lines[0])
    first["answer"] = not first["answer"]
    bad = tmp_path / "test.jsonl"
    bad.write_text("\n".join([json.dumps(first)] + lines[1:]) + "\n")
    flipped = parallax.datasets.audit("word:S5", [out / "train.jsonl", bad])
    assert not flipped["passed"] and flipped["wrong"][0].startswith(f"{bad}:1: label")
    p = cli("audit", "--problem", "word:S5", str(out / "train.jsonl"), str(bad), "--json")
    assert p.returncode == 1
    assert [json.loads(x) for x in p.stdout.splitlines()] == list(flipped["checks"])
    assert list(flipped["checks"].to_pandas()["check"]).count("labels") == 1
    with pytest.raises(parallax.OptionError, match="--splits"):
        parallax.datasets.export("word:S5", out=tmp_path / "x", splits="train=0")
    with pytest.raises(ValueError, match=":2: field answer"):
        (tmp_path / "nolabel.jsonl").write_text(lines[0] + "\n" + '{"problem":"word:S5","word":"sc"}\n')
        parallax.datasets.audit("word:S5", tmp_path / "nolabel.jsonl")


def test_datasets_convert_to_the_linear_rnn_files_and_back(tmp_path, cli):
    src = tmp_path / "dgc"
    parallax.datasets.export("dgc", out=src, splits="train=4..10,test=11..14", per_length=6, balanced=True, format="linearrnn")
    assert (src / "train_src.txt").exists() and (src / "test_tgt.txt").exists()
    got = parallax.datasets.convert("dgc", src, from_="linearrnn", to="jsonl", out=tmp_path / "j")
    assert got["instances"] == 6 * (7 + 4)
    assert got["manifest"]["converted_from"]["format"] == "linearrnn"
    # the same bytes as the command
    p = cli("dataset", "convert", str(src), "--problem", "dgc", "--from", "linearrnn", "--to", "jsonl", "--out", str(tmp_path / "c"))
    assert p.returncode == 0, p.stderr
    for f in ("train.jsonl", "test.jsonl"):
        assert (tmp_path / "j" / f).read_bytes() == (tmp_path / "c" / f).read_bytes()
    assert parallax.datasets.audit("dgc", src, format="linearrnn")["passed"]
    rows = [json.loads(x) for x in (tmp_path / "j" / "train.jsonl").read_text().splitlines()]
    assert all(parallax.problems.solve("dgc", r) == r["answer"] for r in rows)
    with pytest.raises(parallax.OptionError, match="--format linearrnn"):
        parallax.datasets.export("majority", out=tmp_path / "m", splits="train=4", format="linearrnn")
