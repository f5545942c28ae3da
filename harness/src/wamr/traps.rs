//! WAMR's exception strings in our terms: one table, and nothing guessed.

use tierdiff_runtime::TrapCode;

/// Every exception WAMR raises for a trap (without its `Exception: `
/// prefix), with our code. WAMR reports a `call_indirect` past its table
/// as "undefined element", as the spec testsuite does; a call budget that
/// ran out (our watcher's `wasm_runtime_terminate`) is exhaustion, like
/// fuel.
const TRAPS: [(&str, TrapCode); 12] = [
    ("unreachable", TrapCode::Unreachable),
    ("out of bounds memory access", TrapCode::MemoryOutOfBounds),
    ("out of bounds table access", TrapCode::TableOutOfBounds),
    ("undefined element", TrapCode::TableOutOfBounds),
    ("uninitialized element", TrapCode::IndirectCallToNull),
    (
        "indirect call type mismatch",
        TrapCode::IndirectCallTypeMismatch,
    ),
    ("integer overflow", TrapCode::IntegerOverflow),
    ("integer divide by zero", TrapCode::IntegerDivideByZero),
    (
        "invalid conversion to integer",
        TrapCode::InvalidConversionToInteger,
    ),
    ("wasm operand stack overflow", TrapCode::CallStackExhausted),
    ("native stack overflow", TrapCode::CallStackExhausted),
    ("terminated by user", TrapCode::OutOfFuel),
];

/// The trap behind one of WAMR's exception or instantiation messages
/// (`Exception: unreachable`, `WASM module instantiate failed: out of
/// bounds memory access`, ...), or `None` when it names none: the caller
/// reports that as WAMR's crash.
pub fn trap_of(message: &str) -> Option<TrapCode> {
    let message = message
        .trim()
        .trim_start_matches("WASM module instantiate failed:")
        .trim_start();
    let message = message.strip_prefix("Exception:").unwrap_or(message).trim();
    TRAPS
        .iter()
        .find(|(text, _)| *text == message)
        .map(|(_, code)| *code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_trap_message_maps_to_its_code() {
        for (text, code) in TRAPS {
            assert_eq!(trap_of(&format!("Exception: {text}")), Some(code), "{text}");
            assert_eq!(trap_of(text), Some(code), "{text} without the prefix");
        }
        assert_eq!(
            trap_of("WASM module instantiate failed: Exception: unreachable"),
            Some(TrapCode::Unreachable),
            "a start function's trap"
        );
        assert_eq!(
            trap_of("WASM module instantiate failed: out of bounds memory access"),
            Some(TrapCode::MemoryOutOfBounds),
            "a data segment past its memory"
        );
    }

    #[test]
    fn every_trap_code_that_wasm_can_raise_is_in_the_table() {
        let wasm_raises = TrapCode::ALL
            .into_iter()
            .filter(|c| !matches!(c, TrapCode::HostError | TrapCode::NullReference));
        for code in wasm_raises {
            assert!(TRAPS.iter().any(|(_, c)| *c == code), "{code:?}");
        }
    }

    #[test]
    fn unknown_messages_are_not_guessed() {
        for text in [
            "Exception: unknown function",
            "Exception: failed to compile fast jit function",
            "Exception: out of bounds memory access, and more",
            "unreachable code",
            "",
        ] {
            assert_eq!(trap_of(text), None, "{text:?}");
        }
    }
}
