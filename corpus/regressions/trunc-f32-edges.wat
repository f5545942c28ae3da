;; Float-to-int truncation from f32 at NaN, +-inf and both sides of every range
;; edge, with the operand as a parameter and as a constant (folded paths).
(module
  (func (export "i32_s") (param f32) (result i32) (i32.trunc_f32_s (local.get 0)))
  (func (export "i32_u") (param f32) (result i32) (i32.trunc_f32_u (local.get 0)))
  (func (export "i64_s") (param f32) (result i64) (i64.trunc_f32_s (local.get 0)))
  (func (export "i64_u") (param f32) (result i64) (i64.trunc_f32_u (local.get 0)))

  (func (export "c_i32_s_nan") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "c_i32_s_neg_nan") (result i32) (i32.trunc_f32_s (f32.const -nan:0x1)))
  (func (export "c_i32_s_inf") (result i32) (i32.trunc_f32_s (f32.const inf)))
  (func (export "c_i32_s_max_ok") (result i32) (i32.trunc_f32_s (f32.const 0x1.fffffep+30)))
  (func (export "c_i32_s_over") (result i32) (i32.trunc_f32_s (f32.const 0x1p+31)))
  (func (export "c_i32_s_min_ok") (result i32) (i32.trunc_f32_s (f32.const -0x1p+31)))
  (func (export "c_i32_s_under") (result i32) (i32.trunc_f32_s (f32.const -0x1.000002p+31)))
  (func (export "c_i32_u_neg_frac") (result i32) (i32.trunc_f32_u (f32.const -0x1.fffffep-1)))
  (func (export "c_i32_u_neg_one") (result i32) (i32.trunc_f32_u (f32.const -1)))
  (func (export "c_i64_u_ninf") (result i64) (i64.trunc_f32_u (f32.const -inf)))

  ;; Saturating forms never trap.
  (func (export "sat_i32_s") (param f32) (result i32) (i32.trunc_sat_f32_s (local.get 0)))
  (func (export "sat_i64_u") (param f32) (result i64) (i64.trunc_sat_f32_u (local.get 0)))
  (func (export "c_sat_i32_u_nan") (result i32) (i32.trunc_sat_f32_u (f32.const nan)))
)
