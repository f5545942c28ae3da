//! Table instructions in compiled code (`table.*`, `elem.drop`): all of
//! them go through runtime callbacks.
//!
//! The callbacks take every index, size and length as a u64, whatever the
//! table's index type: a 32-bit table's operands are zero-extended, a 64-bit
//! table's (memory64's table64) come as they are, so an index of 2^32 or
//! more reaches the runtime's bounds check unchanged and traps
//! `TableOutOfBounds` instead of wrapping to 32 bits. Sizes and `table.grow`
//! results come back as u64 (u64::MAX is wasm's -1) and are narrowed for a
//! 32-bit table. `call_indirect` (in the parent module) widens its index the
//! same way.

use super::{Callback, JitPath, Translator};
use cranelift_codegen::ir::{types, InstBuilder, StackSlotData, StackSlotKind, Value};
use wasmparser::Operator;

impl Translator<'_, '_, '_> {
    /// Whether table `table` is a 64-bit table (i64 indices and sizes).
    fn table64(&self, table: u32) -> bool {
        self.env.module.tables[table as usize].index64
    }

    /// A size or `table.grow` result (u64) as table `table`'s index type;
    /// u64::MAX (-1) stays -1 when narrowed.
    fn table_result(&mut self, table: u32, r: Value) -> Value {
        if self.table64(table) {
            self.path(JitPath::TableResult64);
            r
        } else {
            self.path(JitPath::TableResult32);
            self.b.ins().ireduce(types::I32, r)
        }
    }

    /// Translates a table instruction; false if `op` is none.
    pub(super) fn table_op(&mut self, op: &Operator) -> bool {
        use Operator as O;
        match *op {
            O::TableGet { table } => {
                let i = self.pop();
                let i = self.widen_u64(i);
                let ss = self.b.create_sized_stack_slot(StackSlotData::new(
                    StackSlotKind::ExplicitSlot,
                    8,
                    3,
                ));
                let out = self.b.ins().stack_addr(self.ptr, ss, 0);
                let t = self.iconst32(table);
                self.callback(Callback::TableGet, &[t, i, out]);
                let v = self.b.ins().stack_load(self.ptr, types::I64, ss, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let (i, v) = self.pop2();
                let i = self.widen_u64(i);
                let t = self.iconst32(table);
                self.callback(Callback::TableSet, &[t, i, v]);
            }
            O::TableSize { table } => {
                let t = self.iconst32(table);
                let r = self.callback(Callback::TableSize, &[t]).expect("returns");
                let r = self.table_result(table, r);
                self.push(r);
            }
            O::TableGrow { table } => {
                let (init, n) = self.pop2();
                let n = self.widen_u64(n);
                let t = self.iconst32(table);
                let r = self
                    .callback(Callback::TableGrow, &[t, init, n])
                    .expect("returns");
                let r = self.table_result(table, r);
                self.push(r);
            }
            O::TableFill { table } => {
                let n = self.pop_n(3);
                let (d, len) = (self.widen_u64(n[0]), self.widen_u64(n[2]));
                let t = self.iconst32(table);
                self.callback(Callback::TableFill, &[t, d, n[1], len]);
            }
            O::TableCopy {
                dst_table,
                src_table,
            } => {
                // Between a 32- and a 64-bit table the length is an i32;
                // widening by the operand's own type covers every mix.
                let n = self.pop_n(3);
                let (d, s, len) = (
                    self.widen_u64(n[0]),
                    self.widen_u64(n[1]),
                    self.widen_u64(n[2]),
                );
                let (dt, st) = (self.iconst32(dst_table), self.iconst32(src_table));
                self.callback(Callback::TableCopy, &[dt, st, d, s, len]);
            }
            O::TableInit { elem_index, table } => {
                // Destination in the table's index type; source and length
                // in the segment are always i32.
                let n = self.pop_n(3);
                let d = self.widen_u64(n[0]);
                let s = self.iconst32(elem_index);
                let t = self.iconst32(table);
                self.callback(Callback::TableInit, &[s, t, d, n[1], n[2]]);
            }
            O::ElemDrop { elem_index } => {
                let s = self.iconst32(elem_index);
                self.callback(Callback::ElemDrop, &[s]);
            }
            _ => return false,
        }
        true
    }
}
