;; call_indirect: a null slot traps indirect-call-to-null, an index past the
;; table (including a negative i32) traps table-out-of-bounds, and a function
;; of another signature traps indirect-call-type-mismatch, even when the
;; signatures have the same parameter count or the same results.
(module
  (type $i_i (func (param i32) (result i32)))
  (type $i_i_dup (func (param i32) (result i32)))
  (type $l_i (func (param i64) (result i32)))
  (type $i_l (func (param i32) (result i64)))
  (type $v_v (func))

  (table $t (export "tab") 6 8 funcref)
  ;; 0: $inc (i32->i32)  1: $dup (same signature, declared through another type)
  ;; 2: null  3: $wide (i64->i32)  4: $long (i32->i64)  5: $nop (no params)
  (elem (table $t) (i32.const 0) func $inc $dup)
  (elem (table $t) (i32.const 3) func $wide $long $nop)

  (func $inc (type $i_i) (i32.add (local.get 0) (i32.const 1)))
  (func $dup (type $i_i_dup) (i32.mul (local.get 0) (i32.const 2)))
  (func $wide (type $l_i) (i32.wrap_i64 (local.get 0)))
  (func $long (type $i_l) (i64.extend_i32_s (local.get 0)))
  (func $nop (type $v_v))

  (func (export "call") (param $x i32) (param $slot i32) (result i32)
    (call_indirect $t (type $i_i) (local.get $x) (local.get $slot)))

  (func (export "call_long") (param $x i32) (param $slot i32) (result i64)
    (call_indirect $t (type $i_l) (local.get $x) (local.get $slot)))

  (func (export "set_null") (param $slot i32)
    (table.set $t (local.get $slot) (ref.null func)))

  (func (export "grow") (param i32) (result i32)
    (table.grow $t (ref.null func) (local.get 0)))

  ;; The index is checked before any argument effect is visible: the argument
  ;; expression runs (it is evaluated first), the call traps.
  (global $evaluated (export "evaluated") (mut i32) (i32.const 0))
  (func (export "call_counting") (param $slot i32) (result i32)
    (call_indirect $t (type $i_i)
      (block (result i32)
        (global.set $evaluated (i32.add (global.get $evaluated) (i32.const 1)))
        (i32.const 10))
      (local.get $slot)))
)
