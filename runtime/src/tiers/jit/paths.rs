//! The JIT's paths for tier-path coverage (see [`crate::tier_paths`]).
//!
//! Instruction-level coverage cannot tell which lowering the translator
//! picked for an instruction: a direct call or one through the code table,
//! a bounds check emitted or skipped because an earlier one dominates it,
//! memory 0 from the context or another memory through its view. Each such
//! choice is a cell here. Lowerings are counted when the translator emits
//! them (once per site, at compile time: native code never records), the
//! runtime's callbacks and its calls into wasm each time they run.
//!
//! Counting costs the translator one add per site, so it always counts;
//! the counts reach a store only when it records tier paths.

use crate::tier_paths::PathCell;

crate::tier_paths::declare_paths! {
    /// One path of the JIT (its index is its cell).
    pub(crate) enum JitPath {
        // Control.
        Block = "block";
        BlockWithParams = "block/with-params";
        Loop = "loop";
        LoopWithParams = "loop/with-params";
        If = "if";
        IfWithoutElse = "if/without-else";
        Else = "else";
        ElseAfterDeadThen = "else/after-unreachable-then";
        DeadCodeSkipped = "dead-code/skipped";
        EndUnreached = "end/nothing-reaches-it";
        Br = "br";
        BrIf = "br_if";
        BrTable = "br_table";
        Return = "return";
        Unreachable = "unreachable";
        SelectScalar = "select/scalar";
        SelectVector = "select/vector";

        // Calls.
        CallDirect = "call/direct";
        CallCodeTable = "call/through-code-table";
        CallImport = "call/import-through-runtime";
        TailCallDirect = "return_call/direct";
        TailCallCodeTable = "return_call/through-code-table";
        TailCallImport = "return_call/import-through-runtime";
        CallIndirectNative = "call_indirect/native-checks";
        CallIndirectRuntimeOnly = "call_indirect/runtime-only",
            unreachable: "an instance's functions get consecutive store addresses, so native checks always apply";
        TailCallIndirectNative = "return_call_indirect/native-checks";
        TailCallIndirectRuntimeOnly = "return_call_indirect/runtime-only",
            unreachable: "an instance's functions get consecutive store addresses, so native checks always apply";

        // Linear memory.
        MemoryZero = "memory/memory-0-from-context";
        MemoryOther = "memory/other-memory-from-view";
        MemoryReload = "memory/reloaded-after-call";
        BoundsCheck32 = "bounds/check-32";
        BoundsCheck64 = "bounds/check-64";
        BoundsCheckElided = "bounds/check-elided";
        BoundsCheckElidedWithOffset = "bounds/check-elided-offset-added";
        BoundsNeverFits = "bounds/reach-past-2^64";
        AddressWithOffset = "address/offset-added";
        AddressWithoutOffset = "address/no-offset";
        LoadSigned8 = "load/sign-extend-8";
        LoadUnsigned8 = "load/zero-extend-8";
        LoadSigned16 = "load/sign-extend-16";
        LoadUnsigned16 = "load/zero-extend-16";
        LoadSigned32 = "load/sign-extend-32";
        LoadUnsigned32 = "load/zero-extend-32";
        LoadWhole = "load/whole";
        StoreNarrow8 = "store/narrow-8";
        StoreNarrow16 = "store/narrow-16";
        StoreNarrow32 = "store/narrow-32";
        StoreWhole = "store/whole";
        MemorySize32 = "memory.size/32";
        MemorySize64 = "memory.size/64";
        MemoryGrow32 = "memory.grow/32";
        MemoryGrow64 = "memory.grow/64";

        // Globals.
        GlobalGetScalar = "global.get/scalar";
        GlobalGetVector = "global.get/v128-two-halves";
        GlobalSetZeroExtended = "global.set/zero-extended-32";
        GlobalSetWhole = "global.set/whole-64";
        GlobalSetVector = "global.set/v128-two-halves";
        GlobalFarOffset = "global/offset-past-i32",
            unreachable: "needs tens of millions of globals in one store; a module declares at most 1,000,000 (the validator's limit)";

        // Numbers.
        DivSigned = "div/signed-overflow-check";
        DivUnsigned = "div/unsigned";
        RemSigned = "rem/signed-minus-one-rewritten";
        RemUnsigned = "rem/unsigned";
        TruncFromF32 = "trunc/promoted-from-f32";
        TruncFromF64 = "trunc/from-f64";

        // Vectors.
        VectorBitcast = "v128/bitcast-between-shapes";
        SplatNarrowed = "splat/narrowed-from-i32";
        SplatDirect = "splat/lane-type";
        ReplaceNarrowed = "replace_lane/narrowed-from-i32";
        ReplaceDirect = "replace_lane/lane-type";
        ExtractExtended = "extract_lane/extended-to-i32";
        ExtractDirect = "extract_lane/lane-type";

        // Tables.
        TableResult32 = "table/32-bit-result";
        TableResult64 = "table/64-bit-result";

        // The runtime, at run time: callbacks from native code.
        CallbackCall = "callback/call";
        CallbackCallIndirect = "callback/call_indirect";
        CallbackMemoryGrow = "callback/memory.grow";
        CallbackMemoryFill = "callback/memory.fill";
        CallbackMemoryCopy = "callback/memory.copy";
        CallbackMemoryInit = "callback/memory.init";
        CallbackDataDrop = "callback/data.drop";
        CallbackTableGet = "callback/table.get";
        CallbackTableSet = "callback/table.set";
        CallbackTableSize = "callback/table.size";
        CallbackTableGrow = "callback/table.grow";
        CallbackTableFill = "callback/table.fill";
        CallbackTableCopy = "callback/table.copy";
        CallbackTableInit = "callback/table.init";
        CallbackElemDrop = "callback/elem.drop";
        CallbackCompile = "callback/compile-at-first-call";
        // The runtime's calls of a function by address (entry, imports, tables).
        RuntimeCallHost = "runtime-call/host-function";
        RuntimeCallCompiled = "runtime-call/compiled";
        RuntimeCallCompileFirst = "runtime-call/compile-first";
        RuntimeCallOtherInstance = "runtime-call/other-instance";
    }
}

/// The JIT's cells, by path index.
pub(crate) fn path_cells() -> Vec<PathCell> {
    JitPath::cells()
}

/// Counts one run of a runtime path in the store, if it records.
#[inline]
pub(crate) fn hit(data: &mut crate::store::StoreData, path: JitPath) {
    crate::tier_paths::hit(data, path as usize);
}
