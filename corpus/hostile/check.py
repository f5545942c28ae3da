#!/usr/bin/env python3
"""Checks the hostile corpus against a tierdiff binary, as the test does.

    python3 corpus/hostile/check.py [--bin target/debug/tierdiff] [NAME...]

For every kind of manifest.json (or the NAMEs given) runs `tierdiff run FILE
RUN...`, `tierdiff replay FILE` and `tierdiff shrink FILE --time 10 -o TMP`,
and checks the exit code, the stderr/stdout substrings, the wall time against
max_seconds and the peak resident size (wait4) against max_resident_mib. A
command past max_seconds + 30 s is killed. Exit 0 when every kind passes.
Standard library only; writes nothing under corpus/ (shrink output goes to a
temporary folder).
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def measured(argv, cwd, limit):
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        p = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, start_new_session=True)
        deadline = start + limit
        killed = False
        while True:
            pid, status, usage = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                os.killpg(p.pid, signal.SIGKILL)
                killed = True
                pid, status, usage = os.wait4(p.pid, 0)
                break
            time.sleep(0.02)
        p.returncode = os.waitstatus_to_exitcode(status)
        elapsed = time.monotonic() - start
        out.seek(0)
        err.seek(0)
        return (p.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), elapsed, usage.ru_maxrss // 1024, killed)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "debug", "tierdiff"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    kinds = json.load(open(os.path.join(HERE, "manifest.json")))
    if any(not os.path.exists(os.path.join(HERE, k["file"])) for k in kinds):
        subprocess.run([sys.executable, os.path.join(HERE, "make.py")], check=True)
    failed = 0
    tmp = tempfile.mkdtemp(prefix="hostile-shrink-")
    for k in kinds:
        if a.names and k["name"] not in a.names:
            continue
        f = k["file"]
        cmds = {
            "run": ["run", f] + k["run"],
            "replay": ["replay", f],
            "shrink": ["shrink", f, "--time", "10", "-o", os.path.join(tmp, k["name"])],
        }
        problems, worst_t, worst_m = [], 0.0, 0
        for c, args in cmds.items():
            exp = k["expect"][c]
            code, out, err, t, mib, killed = measured([a.bin] + args, HERE, k["max_seconds"] + 30)
            worst_t, worst_m = max(worst_t, t), max(worst_m, mib)
            why = []
            if killed:
                why.append(f"killed after {t:.1f} s")
            if code != exp["exit"]:
                why.append(f"exit {code}, expected {exp['exit']}")
            why += [f"stderr lacks {s!r}" for s in exp["stderr"] if s not in err]
            why += [f"stdout lacks {s!r}" for s in exp.get("stdout", []) if s not in out]
            if "panicked" in err or "stack backtrace" in err:
                why.append("panic text on stderr")
            if exp["exit"] == 2 and len(err.strip().splitlines()) != 1:
                why.append(f"{len(err.strip().splitlines())} stderr lines for bad input")
            if t > k["max_seconds"]:
                why.append(f"{t:.1f} s > {k['max_seconds']} s")
            if mib > k["max_resident_mib"]:
                why.append(f"{mib} MiB > {k['max_resident_mib']} MiB")
            if why:
                first = (err.strip().splitlines() or [""])[0][:200]
                problems.append(f"  {c}: {'; '.join(why)} | {first}")
        status = "ok  " if not problems else "FAIL"
        failed += bool(problems)
        print(f"{status} {k['name']}: worst {worst_t:.2f} s, {worst_m} MiB", flush=True)
        for p in problems:
            print(p, flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
