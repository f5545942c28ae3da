;; Mutual recursion through call_indirect, with frames that have many locals,
;; run with max_call_depth 64: ping(n) uses n + 1 frames.
(module
  (type $t (func (param i32) (result i64)))
  (table 2 funcref)
  (elem (i32.const 0) func $ping $pong)

  (func $ping (export "ping") (type $t)
    (local i64 i64 i64 i64 f64 f64 externref funcref)
    (local.set 1 (i64.extend_i32_u (local.get 0)))
    (if (result i64) (i32.eqz (local.get 0))
      (then (i64.const 0))
      (else
        (i64.add
          (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 1))
          (local.get 1)))))

  (func $pong (type $t)
    (local f32 i32 i64)
    (if (result i64) (i32.eqz (local.get 0))
      (then (i64.const 0))
      (else
        (i64.add
          (call_indirect (type $t) (i32.sub (local.get 0) (i32.const 1)) (i32.const 0))
          (i64.extend_i32_u (local.get 0))))))
)
