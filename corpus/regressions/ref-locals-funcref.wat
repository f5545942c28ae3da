;; Unset funcref locals must be null, not function 0: a runtime that starts them
;; as 0 makes call_indirect through them reach a real function.
(module
  (type $ret (func (result i32)))
  (table $t (export "tab") 3 funcref)
  (elem (table $t) (i32.const 0) func $zero $one)
  (global $g_unset (export "g_unset") (mut funcref) (ref.func $one))
  (global $g_func (export "g_func") (mut funcref) (ref.null func))

  (func $zero (type $ret) i32.const 100)
  (func $one (type $ret) i32.const 101)

  (func (export "unset") (result funcref)
    (local $f funcref)
    local.get $f)

  (func (export "unset_is_null") (param i32) (result i32)
    (local i64 funcref f64 funcref)
    (i32.add
      (i32.shl (ref.is_null (local.get 2)) (i32.const 1))
      (ref.is_null (local.get 4))))

  (func (export "func_is_null") (result i32)
    (local $f funcref)
    (local.set $f (ref.func $zero))
    (ref.is_null (local.get $f)))

  ;; Overwrite table slot 0 (function $zero, index 0) with an unset local; a
  ;; zero-initialised local would still call $zero here.
  (func (export "clear_slot0") (local $f funcref)
    (table.set $t (i32.const 0) (local.get $f)))

  (func (export "call") (param i32) (result i32)
    (call_indirect $t (type $ret) (local.get 0)))

  (func (export "slot_is_null") (param i32) (result i32)
    (ref.is_null (table.get $t (local.get 0))))

  (func (export "set_globals") (local $f funcref)
    (global.set $g_unset (local.get $f))
    (global.set $g_func (ref.func $one)))

  (func (export "globals_null") (result i32)
    (i32.add
      (i32.shl (ref.is_null (global.get $g_unset)) (i32.const 1))
      (ref.is_null (global.get $g_func))))
)
