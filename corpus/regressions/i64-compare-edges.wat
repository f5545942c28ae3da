;; i64 comparisons on sign/width edges, and comparisons of shift results with
;; counts >= 64 or negative (signed vs unsigned and 32-bit truncation mix-ups).
(module
  ;; bit 0 eq, 1 ne, 2 lt_s, 3 lt_u, 4 gt_s, 5 gt_u, 6 le_s, 7 le_u, 8 ge_s, 9 ge_u
  (func (export "cmp") (param $a i64) (param $b i64) (result i32)
    (i32.or (i32.or (i32.or (i32.or
      (i32.or (i64.eq (local.get $a) (local.get $b))
              (i32.shl (i64.ne (local.get $a) (local.get $b)) (i32.const 1)))
      (i32.or (i32.shl (i64.lt_s (local.get $a) (local.get $b)) (i32.const 2))
              (i32.shl (i64.lt_u (local.get $a) (local.get $b)) (i32.const 3))))
      (i32.or (i32.shl (i64.gt_s (local.get $a) (local.get $b)) (i32.const 4))
              (i32.shl (i64.gt_u (local.get $a) (local.get $b)) (i32.const 5))))
      (i32.or (i32.shl (i64.le_s (local.get $a) (local.get $b)) (i32.const 6))
              (i32.shl (i64.le_u (local.get $a) (local.get $b)) (i32.const 7))))
      (i32.or (i32.shl (i64.ge_s (local.get $a) (local.get $b)) (i32.const 8))
              (i32.shl (i64.ge_u (local.get $a) (local.get $b)) (i32.const 9)))))

  ;; Is (x << k) negative? Is (x >>u k) above y?
  (func (export "shl_neg") (param $x i64) (param $k i64) (result i32)
    (i64.lt_s (i64.shl (local.get $x) (local.get $k)) (i64.const 0)))
  (func (export "shr_u_gt") (param $x i64) (param $k i64) (param $y i64) (result i32)
    (i64.gt_u (i64.shr_u (local.get $x) (local.get $k)) (local.get $y)))

  ;; eqz of a shifted value: a shift by 64 is not a shift to zero.
  (func (export "shl_eqz") (param $x i64) (param $k i64) (result i32)
    (i64.eqz (i64.shl (local.get $x) (local.get $k))))
)
