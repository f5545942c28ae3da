;; Float-to-int truncation from f64: NaN, +-inf and both sides of each range
;; edge, where f64 can represent fractions just inside the edge.
(module
  (func (export "i32_s") (param f64) (result i32) (i32.trunc_f64_s (local.get 0)))
  (func (export "i32_u") (param f64) (result i32) (i32.trunc_f64_u (local.get 0)))
  (func (export "i64_s") (param f64) (result i64) (i64.trunc_f64_s (local.get 0)))
  (func (export "i64_u") (param f64) (result i64) (i64.trunc_f64_u (local.get 0)))

  (func (export "c_i32_s_frac_max") (result i32) (i32.trunc_f64_s (f64.const 2147483647.9999998)))
  (func (export "c_i32_s_over") (result i32) (i32.trunc_f64_s (f64.const 2147483648)))
  (func (export "c_i32_s_frac_min") (result i32) (i32.trunc_f64_s (f64.const -2147483648.9999995)))
  (func (export "c_i32_s_under") (result i32) (i32.trunc_f64_s (f64.const -2147483649)))
  (func (export "c_i64_s_nan") (result i64) (i64.trunc_f64_s (f64.const nan:0x4)))
  (func (export "c_i64_u_over") (result i64) (i64.trunc_f64_u (f64.const 0x1p+64)))

  (func (export "sat_i32_u") (param f64) (result i32) (i32.trunc_sat_f64_u (local.get 0)))
  (func (export "sat_i64_s") (param f64) (result i64) (i64.trunc_sat_f64_s (local.get 0)))
)
