;; f64 min/max/copysign/nearest on NaN, signed zeros and ties, including the
;; results feeding further arithmetic (where a wrong -0 becomes a wrong -inf).
(module
  (func (export "min") (param f64 f64) (result f64) (f64.min (local.get 0) (local.get 1)))
  (func (export "max") (param f64 f64) (result f64) (f64.max (local.get 0) (local.get 1)))
  (func (export "copysign") (param f64 f64) (result f64) (f64.copysign (local.get 0) (local.get 1)))
  (func (export "nearest") (param f64) (result f64) (f64.nearest (local.get 0)))

  ;; 1 / min(a, b): -inf when the min is -0, +inf when +0.
  (func (export "recip_min") (param f64 f64) (result f64)
    (f64.div (f64.const 1) (f64.min (local.get 0) (local.get 1))))
  (func (export "recip_max") (param f64 f64) (result f64)
    (f64.div (f64.const 1) (f64.max (local.get 0) (local.get 1))))
  ;; 1 / nearest(x): sign of a zero result.
  (func (export "recip_nearest") (param f64) (result f64)
    (f64.div (f64.const 1) (f64.nearest (local.get 0))))

  (func (export "c_copysign_bits") (result i64)
    (i64.reinterpret_f64 (f64.copysign (f64.const nan:0x8000000000000) (f64.const -0))))
)
