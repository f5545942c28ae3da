//! WASI programs: a `_start` that calls WASI preview1 functions with good
//! and bad arguments (descriptors that are open, closed or never existed;
//! pointers inside memory, at its end and past it; lengths of 0 and
//! huge; clock ids in and out of range; `poll_oneoff` subscriptions of
//! every kind), folds every errno into an exported global, prints it, and
//! may end with `proc_exit`. Calls go directly and through a table
//! (`call_indirect` to a host function), some in a loop; with tail calls
//! on, also through `return_call` and `return_call_indirect` to a host
//! function (the callee's results go to the caller's caller). With
//! multiple memories on, a third of the programs (chosen by what was
//! generated, reading no input) keep their data in a second memory, the
//! one exported as `memory`, behind an unexported first one: WASI must use
//! the export, whatever its index.
//!
//! Every engine runs it with the same deterministic WASI ([`config`]);
//! stdout, stderr, the exit code and memory are compared.

use super::choose::{finish, pick, range};
use arbitrary::Unstructured;
use std::fmt::Write;
use tierdiff_runtime::wasi::WasiConfig;

/// The world every generated WASI program runs in.
pub fn config() -> WasiConfig {
    WasiConfig {
        args: vec!["prog".into(), "alpha".into(), "βeta gamma".into()],
        env: vec![
            "HOME=/home/tierdiff".into(),
            "LANG=C.UTF-8".into(),
            "EMPTY=".into(),
        ],
        stdin: b"first line\nsecond line\n".to_vec(),
        ..WasiConfig::default()
    }
}

/// The imports, each `(name, params, results)` in text form.
const IMPORTS: &[(&str, &str, &str)] = &[
    ("fd_write", "i32 i32 i32 i32", "i32"),
    ("fd_read", "i32 i32 i32 i32", "i32"),
    ("args_sizes_get", "i32 i32", "i32"),
    ("args_get", "i32 i32", "i32"),
    ("environ_sizes_get", "i32 i32", "i32"),
    ("environ_get", "i32 i32", "i32"),
    ("clock_res_get", "i32 i32", "i32"),
    ("clock_time_get", "i32 i64 i32", "i32"),
    ("random_get", "i32 i32", "i32"),
    ("fd_close", "i32", "i32"),
    ("fd_seek", "i32 i64 i32 i32", "i32"),
    ("fd_tell", "i32 i32", "i32"),
    ("fd_fdstat_get", "i32 i32", "i32"),
    ("fd_prestat_get", "i32 i32", "i32"),
    ("fd_prestat_dir_name", "i32 i32 i32", "i32"),
    ("poll_oneoff", "i32 i32 i32 i32", "i32"),
    ("sched_yield", "", "i32"),
    ("proc_exit", "i32", ""),
    // Not in preview1: linked as a stub returning ENOSYS.
    ("tierdiff_unknown", "i32", "i32"),
];

/// Memory layout (one page): iovecs, result slots, strings, buffers,
/// poll subscriptions and events.
const IOVS: u32 = 0x000;
const SLOTS: u32 = 0x100;
const STRINGS: u32 = 0x200;
const BUF: u32 = 0x300;
const SUBS: u32 = 0x800;
const EVENTS: u32 = 0x900;
const TEXT: &[&str] = &["hello, wasi\n", "err!\n", "", "\u{e9}t\u{e9}\n"];

/// A pointer: usually good, sometimes at the end of memory or far past it.
fn ptr(u: &mut Unstructured, good: u32) -> u32 {
    *pick(u, &[good, good, good, good, 65_535, 65_536, 0xffff_fff0])
}

/// A descriptor: stdio mostly, sometimes one that never existed.
fn fd(u: &mut Unstructured) -> u32 {
    *pick(u, &[0, 1, 1, 2, 2, 3, 7, u32::MAX])
}

/// One call, its result folded into `$acc` by `$check`. With
/// `tail_calls`, the step through the table also goes through the tail-call
/// wrappers (without reading more input, so every step is chosen the same
/// with and without them).
fn step(u: &mut Unstructured, w: &mut String, tail_calls: bool) {
    let call = |w: &mut String, name: &str, args: &str| {
        let _ = writeln!(w, "    (call $check (call ${name} {args}))");
    };
    match range(u, 0, 16) {
        0..=3 => {
            // iovecs: a string, a bad pointer, a zero length.
            let n = range(u, 0, 3);
            for i in 0..n {
                let (s, len) = match range(u, 0, 4) {
                    0 => (65_530, 12),
                    1 => (STRINGS, u32::MAX),
                    t => {
                        let k = (t - 2) as usize % TEXT.len();
                        let at = STRINGS + TEXT[..k].iter().map(|t| t.len() as u32).sum::<u32>();
                        (at, TEXT[k].len() as u32)
                    }
                };
                let _ = writeln!(
                    w,
                    "    (i32.store (i32.const {}) (i32.const {s}))",
                    IOVS + i * 8
                );
                let _ = writeln!(
                    w,
                    "    (i32.store (i32.const {}) (i32.const {len}))",
                    IOVS + i * 8 + 4
                );
            }
            let args = format!(
                "(i32.const {}) (i32.const {}) (i32.const {n}) (i32.const {})",
                fd(u),
                ptr(u, IOVS),
                ptr(u, SLOTS)
            );
            call(w, "fd_write", &args);
        }
        4 => {
            let _ = writeln!(
                w,
                "    (i32.store (i32.const {IOVS}) (i32.const {}))",
                ptr(u, BUF)
            );
            let _ = writeln!(
                w,
                "    (i32.store (i32.const {}) (i32.const {}))",
                IOVS + 4,
                *pick(u, &[0, 4, 64])
            );
            let args = format!(
                "(i32.const {}) (i32.const {IOVS}) (i32.const 1) (i32.const {})",
                fd(u),
                ptr(u, SLOTS)
            );
            call(w, "fd_read", &args);
        }
        5 => {
            let which = *pick(u, &["args", "environ"]);
            let sizes = format!(
                "(i32.const {}) (i32.const {})",
                ptr(u, SLOTS),
                ptr(u, SLOTS + 4)
            );
            call(w, &format!("{which}_sizes_get"), &sizes);
            let get = format!(
                "(i32.const {}) (i32.const {})",
                ptr(u, BUF),
                ptr(u, BUF + 0x100)
            );
            call(w, &format!("{which}_get"), &get);
        }
        6 => {
            let id = *pick(u, &[0, 1, 2, 3, 4, 9]);
            if u.arbitrary().unwrap_or(false) {
                call(
                    w,
                    "clock_res_get",
                    &format!("(i32.const {id}) (i32.const {})", ptr(u, SLOTS)),
                );
            } else {
                let args = format!(
                    "(i32.const {id}) (i64.const {}) (i32.const {})",
                    range(u, 0, 1000),
                    ptr(u, SLOTS)
                );
                call(w, "clock_time_get", &args);
            }
        }
        7 => {
            let len = *pick(u, &[0, 8, 64, 0x1_0000]);
            call(
                w,
                "random_get",
                &format!("(i32.const {}) (i32.const {len})", ptr(u, BUF)),
            );
        }
        8 => call(w, "fd_close", &format!("(i32.const {})", fd(u))),
        9 => {
            if u.arbitrary().unwrap_or(false) {
                let args = format!(
                    "(i32.const {}) (i64.const {}) (i32.const {}) (i32.const {})",
                    fd(u),
                    range(u, 0, 100),
                    range(u, 0, 3),
                    ptr(u, SLOTS)
                );
                call(w, "fd_seek", &args);
            } else {
                call(
                    w,
                    "fd_tell",
                    &format!("(i32.const {}) (i32.const {})", fd(u), ptr(u, SLOTS)),
                );
            }
        }
        10 => call(
            w,
            "fd_fdstat_get",
            &format!("(i32.const {}) (i32.const {})", fd(u), ptr(u, BUF)),
        ),
        11 => {
            call(
                w,
                "fd_prestat_get",
                &format!("(i32.const 3) (i32.const {})", ptr(u, SLOTS)),
            );
            call(
                w,
                "fd_prestat_dir_name",
                &format!("(i32.const 3) (i32.const {}) (i32.const 8)", ptr(u, BUF)),
            );
        }
        12 => {
            let n = range(u, 0, 3);
            for i in 0..n {
                let at = SUBS + i * 48;
                let tag = range(u, 0, 3);
                let _ = writeln!(
                    w,
                    "    (i64.store (i32.const {at}) (i64.const {}))",
                    100 + i
                );
                let _ = writeln!(
                    w,
                    "    (i32.store8 (i32.const {}) (i32.const {tag}))",
                    at + 8
                );
                let _ = writeln!(
                    w,
                    "    (i32.store (i32.const {}) (i32.const {}))",
                    at + 16,
                    *pick(u, &[0, 1, 2, 7])
                );
                let _ = writeln!(
                    w,
                    "    (i64.store (i32.const {}) (i64.const {}))",
                    at + 24,
                    range(u, 0, 5_000_000)
                );
                let _ = writeln!(
                    w,
                    "    (i32.store16 (i32.const {}) (i32.const {}))",
                    at + 40,
                    range(u, 0, 1)
                );
            }
            let args = format!(
                "(i32.const {}) (i32.const {EVENTS}) (i32.const {n}) (i32.const {})",
                ptr(u, SUBS),
                ptr(u, SLOTS)
            );
            call(w, "poll_oneoff", &args);
        }
        13 => call(w, "sched_yield", ""),
        14 => call(
            w,
            "tierdiff_unknown",
            &format!("(i32.const {})", range(u, 0, 9)),
        ),
        15 => {
            // Through the table: a host function called indirectly.
            let _ = writeln!(
                w,
                "    (call $check (call_indirect (type $yield) (i32.const 1)))"
            );
            if tail_calls {
                w.push_str(
                    "    (call $check (call $yield_tail))
",
                );
                w.push_str(
                    "    (call $check (call $yield_tail_indirect))
",
                );
            }
        }
        _ => {
            // A loop of writes: stdout grows with every iteration.
            let n = range(u, 1, 20);
            let _ = writeln!(
                w,
                "    (i32.store (i32.const {IOVS}) (i32.const {STRINGS}))"
            );
            let _ = writeln!(w, "    (i32.store (i32.const {}) (i32.const 6))", IOVS + 4);
            let _ = writeln!(w, "    (local.set $i (i32.const {n}))");
            let _ = writeln!(w, "    (loop $l (call $check (call_indirect (type $write) (i32.const 1) (i32.const {IOVS}) (i32.const 1) (i32.const {SLOTS}) (i32.const 0)))");
            let _ = writeln!(
                w,
                "      (br_if $l (local.tee $i (i32.sub (local.get $i) (i32.const 1)))))"
            );
            if tail_calls {
                // One more write, its arguments passed on by a tail call.
                let _ = writeln!(w, "    (call $check (call $write_tail (i32.const 1) (i32.const {IOVS}) (i32.const 1) (i32.const {SLOTS})))");
            }
        }
    }
}

/// A WASI command module; `tail_calls` and `multi_memory` when the module
/// may use them.
pub fn module(u: &mut Unstructured, tail_calls: bool, multi_memory: bool) -> Vec<u8> {
    let mut w = String::from("(module\n  (type $yield (func (result i32)))\n  (type $write (func (param i32 i32 i32 i32) (result i32)))\n");
    for (name, params, results) in IMPORTS {
        let params = if params.is_empty() {
            String::new()
        } else {
            format!(" (param {params})")
        };
        let results = if results.is_empty() {
            String::new()
        } else {
            format!(" (result {results})")
        };
        let _ = writeln!(
            w,
            "  (import \"wasi_snapshot_preview1\" \"{name}\" (func ${name}{params}{results}))"
        );
    }
    w.push_str("  (memory (export \"memory\") 1 1)\n");
    let text: String = TEXT
        .concat()
        .chars()
        .flat_map(|c| c.escape_unicode())
        .collect();
    let _ = writeln!(w, "  (data (i32.const {STRINGS}) \"{text}\")");
    w.push_str("  (global $acc (export \"acc\") (mut i32) (i32.const 0))\n");
    w.push_str("  (global $n (mut i32) (i32.const 0))\n");
    w.push_str("  (table 2 funcref)\n  (elem (i32.const 0) $fd_write $sched_yield)\n");
    // Each errno: folded into $acc and logged after the slots.
    let _ = writeln!(
        w,
        "  (func $check (param i32)
    (global.set $acc (i32.add (i32.mul (global.get $acc) (i32.const 31)) (local.get 0)))
    (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store8 (i32.add (i32.const {}) (i32.and (global.get $n) (i32.const 0xff))) (local.get 0)))",
        SLOTS + 0x40
    );
    if tail_calls {
        w.push_str("  (func $yield_tail (result i32) (return_call $sched_yield))\n");
        w.push_str("  (func $write_tail (param i32 i32 i32 i32) (result i32) (return_call $fd_write (local.get 0) (local.get 1) (local.get 2) (local.get 3)))\n");
        w.push_str("  (func $yield_tail_indirect (result i32) (return_call_indirect (type $yield) (i32.const 1)))\n");
    }
    w.push_str("  (func (export \"_start\") (local $i i32)\n");
    for _ in 0..range(u, 2, 12) {
        step(u, &mut w, tail_calls);
    }
    // Print the folded errnos: four bytes of $acc on stdout.
    let _ = writeln!(w, "    (i32.store (i32.const {BUF}) (global.get $acc))");
    let _ = writeln!(w, "    (i32.store (i32.const {IOVS}) (i32.const {BUF}))\n    (i32.store (i32.const {}) (i32.const 4))", IOVS + 4);
    let _ = writeln!(w, "    (call $check (call $fd_write (i32.const 1) (i32.const {IOVS}) (i32.const 1) (i32.const {SLOTS})))");
    match range(u, 0, 3) {
        0 => w.push_str("    (call $proc_exit (i32.and (global.get $acc) (i32.const 0xff)))\n"),
        1 => {
            let _ = writeln!(
                w,
                "    (call $proc_exit (i32.const {}))",
                *pick(u, &[0, 1, 42, 255])
            );
        }
        _ => {}
    }
    w.push_str("  ))");
    if multi_memory && w.len().is_multiple_of(3) {
        w = on_second_memory(&w);
    }
    finish(w)
}

/// The program with its memory moved behind an unexported first memory:
/// the data segment and every store name the exported one.
fn on_second_memory(program: &str) -> String {
    let mut w = program
        .replace(
            "(memory (export \"memory\") 1 1)",
            "(memory $unexported 1 1)\n  (memory $exported (export \"memory\") 1 1)",
        )
        .replace("(data (i32.const", "(data (memory $exported) (i32.const");
    for op in ["i32.store8", "i32.store16", "i32.store", "i64.store"] {
        w = w.replace(&format!("({op} ("), &format!("({op} $exported ("));
    }
    w
}
