;; return_call / return_call_indirect loops of a million calls: must run in
;; constant stack in every engine and agree on the result.
(module
  (type $t (func (param i32 i64) (result i64)))
  (table 2 funcref) (elem (i32.const 0) $even $odd)
  (func $even (type $t)
    (if (i32.eqz (local.get 0)) (then (return (local.get 1))))
    (return_call $odd (i32.sub (local.get 0) (i32.const 1))
                      (i64.add (local.get 1) (i64.extend_i32_u (local.get 0)))))
  (func $odd (type $t)
    (return_call_indirect (type $t)
      (local.get 0) (i64.xor (local.get 1) (i64.const 0x5555)) (i32.const 0)))
  (func (export "storm") (result i64)
    (return_call $even (i32.const 1000000) (i64.const 0))))
