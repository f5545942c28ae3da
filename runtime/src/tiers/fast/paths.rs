//! The fast tier's translator rewrites, as tier-path cells (see
//! [`crate::tier_paths`]).
//!
//! Most of what the translator decides shows in the code it emits (a fused
//! compare-and-branch, an address form, a merged copy is a row of its own
//! in the instruction table, counted as it runs). These rewrites leave no
//! row of their own: the hazard of a pending `local.get` handled by copying
//! it out, a result computed straight into a local, a jump replaced by a
//! copy of its target. They are counted when a function is translated.

use super::ops::Op;

crate::tier_paths::declare_paths! {
    /// One translator rewrite (its cell follows the instruction table's rows).
    pub(crate) enum Rewrite {
        SpillBeforeLocalSet = "translate/pending-read-copied-before-local-set";
        SpillAtBlockStart = "translate/pending-reads-copied-at-block-start";
        ResultIntoLocal = "translate/result-written-into-local";
        LocalSetOfItself = "translate/local-set-of-its-own-read";
        PendingAddressIntoLocal = "translate/pending-address-computed-into-local";
        V128ConstantIntoLocal = "translate/v128-constant-into-local";
        LocalZeroingSkipped = "translate/local-written-first-not-zeroed";
        JumpThreaded = "thread/jump-replaced-by-block-copy";
        BrTableThreaded = "thread/br_table-copied";
    }
}

/// The cell index of a rewrite.
pub(super) fn cell(rewrite: Rewrite) -> usize {
    Op::ALL.len() + rewrite as usize
}
