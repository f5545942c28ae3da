;; i64 division and remainder edges, plus divisors that are zero only in their
;; low or high 32 bits (a 32-bit zero test would get them wrong).
(module
  (func (export "div_s") (param i64 i64) (result i64) (i64.div_s (local.get 0) (local.get 1)))
  (func (export "div_u") (param i64 i64) (result i64) (i64.div_u (local.get 0) (local.get 1)))
  (func (export "rem_s") (param i64 i64) (result i64) (i64.rem_s (local.get 0) (local.get 1)))
  (func (export "rem_u") (param i64 i64) (result i64) (i64.rem_u (local.get 0) (local.get 1)))

  (func (export "c_div_s_min_m1") (result i64) (i64.div_s (i64.const 0x8000000000000000) (i64.const -1)))
  (func (export "c_rem_s_min_m1") (result i64) (i64.rem_s (i64.const 0x8000000000000000) (i64.const -1)))

  ;; rem_s MIN/-1 fed into a comparison.
  (func (export "rem_is_zero") (param i64 i64) (result i32)
    (i64.eqz (i64.rem_s (local.get 0) (local.get 1))))
)
