;; Unbounded recursion with a big frame: every engine must trap
;; call-stack-exhausted at the same depth (no native stack overflow).
(module
  (global $depth (export "depth") (mut i32) (i32.const 0))
  (func $r (export "r") (param i64 i64 i64 i64) (result i64)
    (local f64 f64 f64 f64 v128 v128 v128 v128)
    (global.set $depth (i32.add (global.get $depth) (i32.const 1)))
    (i64.add (call $r (local.get 1) (local.get 2) (local.get 3) (local.get 0))
             (local.get 0))))
