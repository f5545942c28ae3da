//! The adapter side of the protocol for any engine this binary runs in
//! process (`tierdiff adapter --engine NAME`): our tiers, the references
//! and WAMR's modes. Serving our own tiers is how the protocol is tested
//! against their in-process results, and an example for adapter authors.

use super::{Answer, Hello, Memory, Request, Semantics, State, PROTOCOL};
use crate::engine::{Engine, EngineInstance};
use crate::outcome::{CallResult, InstantiateResult};
use std::io::{BufRead, Write};

/// What the adapter for `engine` says in its hello.
pub fn hello(engine: &dyn Engine, proposals: Vec<String>) -> Hello {
    Hello {
        protocol: PROTOCOL,
        engine: engine.name().to_string(),
        semantics: if engine.exact() {
            Semantics::Tierdiff
        } else {
            Semantics::Own
        },
        proposals,
    }
}

/// Answers requests from `input` on `output` until input ends. Returns an
/// error only when the output cannot be written (the harness is gone).
pub fn serve(
    engine: &dyn Engine,
    hello: &Hello,
    input: impl BufRead,
    mut output: impl Write,
) -> std::io::Result<()> {
    let mut instance: Option<Box<dyn EngineInstance>> = None;
    for line in input.lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Request>(&line) {
            Ok(request) => answer(engine, hello, &mut instance, request),
            Err(e) => serde_json::to_string(&Answer {
                error: Some(format!("not a request of protocol {PROTOCOL}: {e}")),
                ..Answer::default()
            }),
        }
        .expect("answers serialise");
        writeln!(output, "{answer}")?;
        output.flush()?;
    }
    Ok(())
}

fn answer(
    engine: &dyn Engine,
    hello: &Hello,
    instance: &mut Option<Box<dyn EngineInstance>>,
    request: Request,
) -> serde_json::Result<String> {
    let error = |message: String| Answer {
        error: Some(message),
        ..Answer::default()
    };
    let answer = match request {
        Request::Hello { .. } => return serde_json::to_string(hello),
        Request::Instantiate { wasm, limits } => match crate::verdict::unhex(&wasm) {
            Some(bytes) => {
                *instance = None;
                let result = match catch(|| engine.instantiate(&bytes, limits)) {
                    Ok(Ok(i)) => {
                        *instance = Some(i);
                        InstantiateResult::Ok
                    }
                    Ok(Err(e)) => e,
                    Err(panic) => InstantiateResult::Crashed(panic),
                };
                Answer {
                    instantiate: Some(result),
                    ..Answer::default()
                }
            }
            None => error("instantiate: wasm: not hex".into()),
        },
        Request::Call { export, args } => match instance.as_mut() {
            Some(i) => Answer {
                call: Some(catch(|| i.call(&export, &args)).unwrap_or_else(CallResult::Crashed)),
                ..Answer::default()
            },
            None => error("call: no instance".into()),
        },
        Request::State => match instance.as_mut() {
            Some(i) => match catch(|| state(i.as_mut())) {
                Ok(state) => return serde_json::to_string(&state),
                Err(panic) => error(format!("state: the engine panicked: {panic}")),
            },
            None => error("state: no instance".into()),
        },
    };
    serde_json::to_string(&answer)
}

/// Runs `f`, turning a panic into its message.
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(crate::compare::panic_message)
}

fn state(instance: &mut dyn EngineInstance) -> State {
    let mut memories = Vec::new();
    instance.visit_memories(&mut |name, bytes| memories.push(Memory::of(name, bytes)));
    State {
        globals: instance.globals(),
        memories,
        tables: instance.tables(),
        violations: instance.violations(),
        maps: instance.shared_map_snapshots(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A conversation with the classic tier, as an adapter author sees it.
    #[test]
    fn the_classic_tier_answers_a_conversation() {
        let engine = crate::engine::build("classic").unwrap();
        let hello = hello(engine.as_ref(), vec!["simd".into()]);
        let wasm = wat::parse_str(
            r#"(module (memory (export "m") 1) (global (export "g") (mut i32) (i32.const 7))
                 (func (export "f") (param i32) (result i32)
                   (i32.store8 (i32.const 5) (local.get 0)) (i32.div_u (i32.const 10) (local.get 0))))"#,
        )
        .unwrap();
        let limits = crate::verdict::module_limits();
        let requests = [
            serde_json::to_string(&Request::Hello { protocol: 1 }).unwrap(),
            "garbage".to_string(),
            serde_json::to_string(&Request::Instantiate {
                wasm: crate::verdict::hex(&wasm),
                limits,
            })
            .unwrap(),
            r#"{"op":"call","export":"f","args":[{"type":"i32","value":2}]}"#.to_string(),
            r#"{"op":"call","export":"f","args":[{"type":"i32","value":0}]}"#.to_string(),
            r#"{"op":"state"}"#.to_string(),
        ];
        let mut out = Vec::new();
        serve(
            engine.as_ref(),
            &hello,
            requests.join("\n").as_bytes(),
            &mut out,
        )
        .unwrap();
        let lines: Vec<&str> = std::str::from_utf8(&out).unwrap().lines().collect();
        assert_eq!(lines.len(), 6, "{lines:?}");
        assert!(
            lines[0].contains(r#""semantics":"tierdiff""#),
            "{}",
            lines[0]
        );
        assert!(lines[1].contains("not a request"), "{}", lines[1]);
        assert_eq!(lines[2], r#"{"instantiate":"ok"}"#);
        assert_eq!(
            lines[3],
            r#"{"call":{"returned":[{"type":"i32","value":5}]}}"#
        );
        assert_eq!(lines[4], r#"{"call":{"trapped":"integer-divide-by-zero"}}"#);
        let state: State = serde_json::from_str(lines[5]).unwrap();
        assert!(
            matches!(&state.globals[..], [(g, crate::outcome::Value::I32(7))] if g == "g"),
            "{state:?}"
        );
        // The second call stored 0 over the first call's 2 before it trapped.
        assert_eq!(state.memories[0].size, 65536);
        assert!(state.memories[0].runs.is_empty(), "{state:?}");
    }
}
