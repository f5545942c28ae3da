;; return_call replaces the running frame: a chain of 50,000 tail calls
;; (mutual, direct and through a table) runs under a 1,000-frame depth
;; limit, where ordinary recursion 1,000 deep traps. A
;; return_call_indirect through a slot of another type traps like
;; call_indirect.
(module
  (type $t (func (param i64 i64) (result i64)))
  (type $u (func (param i32) (result i32)))
  (table 3 funcref)
  (elem (i32.const 0) $even $odd $other)
  (func $even (type $t) (param i64 i64) (result i64)
    (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
    (return_call $odd (i64.sub (local.get 0) (i64.const 1)) (i64.add (local.get 1) (i64.const 1))))
  (func $odd (type $t) (param i64 i64) (result i64)
    (return_call_indirect (type $t)
      (local.get 0) (i64.add (local.get 1) (i64.const 2)) (i32.const 0)))
  (func $other (type $u) (param i32) (result i32) (local.get 0))
  (func $rec (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 0))
      (else (i64.add (i64.const 1) (call $rec (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "chain") (param i64) (result i64)
    (return_call $even (local.get 0) (i64.const 0)))
  (func (export "recurse") (param i64) (result i64)
    (call $rec (local.get 0)))
  (func (export "mismatch") (result i64)
    (return_call_indirect (type $t) (i64.const 1) (i64.const 2) (i32.const 2)))
)
