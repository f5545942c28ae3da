;; i32 division and remainder edges: MIN / -1 overflows (trap) but MIN rem -1
;; is 0 (native idiv faults on both), division by zero traps for all four.
(module
  (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
  (func (export "div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1)))

  (func (export "c_div_s_min_m1") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "c_rem_s_min_m1") (result i32) (i32.rem_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "c_rem_u_zero") (result i32) (i32.rem_u (i32.const 1) (i32.const 0)))

  ;; The result is dropped: the trap must still happen.
  (func (export "dropped_div") (param i32 i32) (result i32)
    (drop (i32.div_s (local.get 0) (local.get 1)))
    (i32.const 1))
  (func (export "dropped_rem") (param i32 i32) (result i32)
    (drop (i32.rem_u (local.get 0) (local.get 1)))
    (i32.const 1))
)
