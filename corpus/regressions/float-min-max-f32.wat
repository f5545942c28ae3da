;; f32 min/max/copysign/nearest on NaN, signed zeros and ties (host fmin/fmax,
;; SSE minss/maxss and round-half-away-from-zero all get some of these wrong).
(module
  (func (export "min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
  (func (export "max") (param f32 f32) (result f32) (f32.max (local.get 0) (local.get 1)))
  (func (export "copysign") (param f32 f32) (result f32) (f32.copysign (local.get 0) (local.get 1)))
  (func (export "nearest") (param f32) (result f32) (f32.nearest (local.get 0)))

  ;; Constant operands.
  (func (export "c_min_zeros") (result f32) (f32.min (f32.const 0) (f32.const -0)))
  (func (export "c_max_zeros") (result f32) (f32.max (f32.const -0) (f32.const 0)))
  (func (export "c_max_nan") (result f32) (f32.max (f32.const nan) (f32.const inf)))
  (func (export "c_nearest_neg_half") (result f32) (f32.nearest (f32.const -0.5)))
  ;; copysign is a pure bit operation, also on NaN: check the exact bits.
  (func (export "c_copysign_nan_bits") (result i32)
    (i32.reinterpret_f32 (f32.copysign (f32.const nan) (f32.const -1))))
  (func (export "c_copysign_from_neg_nan_bits") (result i32)
    (i32.reinterpret_f32 (f32.copysign (f32.const 3) (f32.const -nan:0x1))))
  ;; Sign of a zero result, observed as bits.
  (func (export "min_bits") (param f32 f32) (result i32)
    (i32.reinterpret_f32 (f32.min (local.get 0) (local.get 1))))
)
