#!/usr/bin/env python3
"""Mutation check: applies each one-line mutation of tests/mutation/mutants.toml to a scratch copy
of the working tree, builds the test binaries it names, runs them, and reports whether the suite
noticed (killed) or not (survived). Not part of CI: a full run takes tens of minutes.

    tests/mutation/run_mutants.py                 every mutant, scratch copy in /tmp/adsim-mutation
    tests/mutation/run_mutants.py --only ID ...   some of them
    tests/mutation/run_mutants.py --report FILE   also write the table as Markdown

Exit status 0 when every mutant not marked equivalent was killed, 1 otherwise, 2 on bad use.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def copy_tree(scratch):
    """The tracked and untracked-but-not-ignored files of the working tree, into scratch/src."""
    src = os.path.join(scratch, "src")
    files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                           capture_output=True).stdout.decode().split("\0")
    for rel in filter(None, files):
        if not os.path.isfile(os.path.join(ROOT, rel)):
            continue
        dst = os.path.join(src, rel)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        if not os.path.exists(dst) or open(os.path.join(ROOT, rel), "rb").read() != open(dst, "rb").read():
            shutil.copy2(os.path.join(ROOT, rel), dst)
    return src


def run(cmd, cwd, timeout, log):
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(cmd)}\n")
        out.flush()
        try:
            return subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout).returncode
        except subprocess.TimeoutExpired:
            out.write("timed out\n")
            return 124


def targets_of(mutant):
    return [t for t in mutant["tests"] if t != "lessons"] + (["adsim"] if "lessons" in mutant["tests"] else [])


def test_commands(mutant, src):
    cmds = []
    for t in mutant["tests"]:
        if t == "lessons":
            cmds.append([os.path.join(src, "build/release/cli/adsim"), "lesson", "--all", "--jobs", "2"])
        else:
            cmds.append([os.path.join(src, "build/release/tests", t), "--gtest_brief=1"])
    return cmds


def apply(mutant, src):
    path = os.path.join(src, mutant["file"])
    text = open(path).read()
    find = mutant["find"]
    count = text.count(find)
    occurrence = mutant.get("occurrence")
    if occurrence is None and count != 1:
        raise ValueError(f"{mutant['id']}: '{find}' occurs {count} times in {mutant['file']}")
    if occurrence is not None and count < occurrence:
        raise ValueError(f"{mutant['id']}: '{find}' occurs {count} times, not {occurrence}")
    at = -1
    for _ in range(occurrence or 1):
        at = text.index(find, at + 1)
    open(path, "w").write(text[:at] + mutant["replace"] + text[at + len(find):])
    return path, text


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scratch", default="/tmp/adsim-mutation", help="scratch folder (kept between runs)")
    parser.add_argument("--only", nargs="*", help="mutant ids to run")
    parser.add_argument("--report", help="write the results as a Markdown table to this file")
    parser.add_argument("--timeout", type=int, default=1200, help="seconds per build or test command")
    args = parser.parse_args()

    mutants = tomllib.load(open(os.path.join(ROOT, "tests/mutation/mutants.toml"), "rb"))["mutant"]
    if args.only:
        unknown = set(args.only) - {m["id"] for m in mutants}
        if unknown:
            print(f"unknown mutant ids: {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
        mutants = [m for m in mutants if m["id"] in args.only]

    os.makedirs(args.scratch, exist_ok=True)
    log = os.path.join(args.scratch, "mutation.log")
    open(log, "w").close()
    src = copy_tree(args.scratch)
    print(f"scratch copy: {src}; log: {log}", flush=True)
    if run(["cmake", "--preset", "release"], src, args.timeout, log) != 0:
        print("configuring the scratch copy failed: see the log", file=sys.stderr)
        return 2
    all_targets = sorted({t for m in mutants for t in targets_of(m)})
    print(f"building {', '.join(all_targets)} unmutated ...", flush=True)
    if run(["cmake", "--build", "--preset", "release", "--target", *all_targets], src, args.timeout, log) != 0:
        print("the unmutated build failed: see the log", file=sys.stderr)
        return 2
    unmutated = {tuple(cmd) for m in mutants for cmd in test_commands(m, src)}
    for cmd in sorted(unmutated):  # the unmutated suite must pass, or every mutant would look killed
        if run(list(cmd), src, args.timeout, log) != 0:
            print(f"the unmutated tests fail ({' '.join(cmd)}): see the log", file=sys.stderr)
            return 2

    rows = []
    for m in mutants:
        started = time.monotonic()
        try:
            path, original = apply(m, src)
        except ValueError as e:
            rows.append((m, "not applied", str(e), 0.0))
            print(f"{m['id']:36} not applied: {e}", flush=True)
            continue
        try:
            if run(["cmake", "--build", "--preset", "release", "--target", *targets_of(m)], src, args.timeout, log) != 0:
                # Tells nothing about the tests: fix the mutant so that it builds.
                verdict, detail = "not built", "the mutant does not compile"
            else:
                failed = [os.path.basename(c[0]) for c in test_commands(m, src) if run(c, src, args.timeout, log) != 0]
                verdict = "killed" if failed else ("equivalent" if m.get("equivalent") else "survived")
                detail = ", ".join(failed)
        finally:
            open(path, "w").write(original)
        seconds = time.monotonic() - started
        rows.append((m, verdict, detail, seconds))
        print(f"{m['id']:36} {verdict:10} {seconds:6.0f} s  {detail}", flush=True)
    # Leave the scratch build unmutated for the next run.
    run(["cmake", "--build", "--preset", "release", "--target", *all_targets], src, args.timeout, log)

    if args.report:
        with open(args.report, "w") as out:
            out.write("| mutant | file | verdict | failing tests |\n|---|---|---|---|\n")
            for m, verdict, detail, seconds in rows:
                out.write(f"| `{m['id']}` | `{m['file']}` | {verdict} | {detail} |\n")
    survivors = [m["id"] for m, verdict, _, _ in rows if verdict in ("survived", "not applied", "not built")]
    killed = sum(1 for _, verdict, _, _ in rows if verdict == "killed")
    print(f"\n{killed} of {len(rows)} killed" + (f"; survived, not applied or not built: {', '.join(survivors)}" if survivors else ""))
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
