//! The classic tier's paths for tier-path coverage (see
//! [`crate::tier_paths`]).
//!
//! The classic tier interprets the bytecode as laid out, but it still picks
//! among ways to run one instruction: an `if` jumps to its `else` or past
//! its `end` by looking up block ends, a branch continues a loop, leaves a
//! block or returns, a `drop`, `select` or `local.*` in a frame that can
//! hold a `v128` consults the function's value layout, a load names memory
//! 0 (kept at hand) or reads a memory index, a copy runs within one memory
//! or between two in either order. Each such choice is a cell. Its SIMD
//! helpers compute lane by lane, one helper per instruction group, so
//! instruction coverage already names them.
//!
//! Paths are counted as they run, in the interpreter loop's recording build
//! (the one that records semantic coverage too), so a store that records
//! nothing runs the loop without them.

crate::tier_paths::declare_paths! {
    /// One path of the classic tier (its index is its cell).
    pub(crate) enum ClassicPath {
        IfThen = "if/then-taken";
        IfToElse = "if/jump-to-else";
        IfSkipWithoutElse = "if/skip-without-else";
        ElseToEnd = "else/jump-to-end";
        EndPopsLabel = "end/pops-label";
        EndReturns = "end/returns";
        BrIfFallsThrough = "br_if/falls-through";
        BrTableListed = "br_table/listed-target";
        BrTableDefault = "br_table/default-target";
        BranchToLoop = "branch/to-loop-start";
        BranchToBlockEnd = "branch/to-block-end";
        BranchReturns = "branch/returns";
        BlockEndsFetched = "block-ends/fetched-for-frame";
        BlockEndsKept = "block-ends/kept-in-frame";

        CallHost = "call/host";
        CallWasm = "call/wasm";
        CallSwitchesWidth = "call/into-frame-of-other-width";
        ReturnSwitchesWidth = "return/into-frame-of-other-width";
        ReturnCallHost = "return_call/host";
        ReturnCallWasm = "return_call/wasm";
        ReturnCallKeepsBlockEnds = "return_call/self-keeps-block-ends";
        FrameWithLayout = "frame/with-v128-layout";
        FrameOneCellValues = "frame/one-cell-values";

        DropV128 = "drop/v128-by-layout";
        DropCellByLayout = "drop/one-cell-by-layout";
        DropCell = "drop/one-cell";
        SelectTypedV128 = "select/typed-v128";
        SelectV128ByLayout = "select/v128-by-layout";
        SelectCell = "select/one-cell";
        LocalV128 = "local/v128-by-layout";
        LocalCellByLayout = "local/one-cell-by-layout";
        LocalCell = "local/one-cell";
        GlobalV128 = "global/v128-two-cells";
        GlobalCell = "global/one-cell";

        MemoryZeroAtHand = "memory/0-at-hand";
        MemoryIndexRead = "memory/other-by-index";
        Address32 = "address/32-bit";
        Address64 = "address/64-bit";
        CopyWithinMemory = "memory.copy/within-one-memory";
        CopyToHigherMemory = "memory.copy/to-higher-memory";
        CopyToLowerMemory = "memory.copy/to-lower-memory";
        TableCopyWithin = "table.copy/within-one-table";
        TableCopyBetween = "table.copy/between-tables";
    }
}

/// The classic tier's cells, by path index.
pub(crate) fn path_cells() -> Vec<crate::tier_paths::PathCell> {
    ClassicPath::cells()
}

/// Counts one run of `path` in the store, if it records.
#[inline]
pub(super) fn hit(data: &mut crate::store::StoreData, path: ClassicPath) {
    crate::tier_paths::hit(data, path as usize);
}
