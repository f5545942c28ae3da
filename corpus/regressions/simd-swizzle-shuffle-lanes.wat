;; i8x16.swizzle gives 0 for every lane index >= 16 (16, 31, 128, 255 are
;; not taken modulo 16), and i8x16.shuffle takes lanes 16..31 from its second
;; operand. Each tier's swizzle once took the index modulo 16 (the
;; classic-swizzle-wrap, fast-swizzle-lane-wrap and jit-swizzle-index-mod16
;; faults stand for it).
(module
  (func (export "swizzle") (param i64 i64) (result i64 i64)
    (local v128)
    (local.set 2
      (i8x16.swizzle
        (v128.const i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25)
        (i64x2.replace_lane 1 (i64x2.splat (local.get 0)) (local.get 1))))
    (i64x2.extract_lane 0 (local.get 2))
    (i64x2.extract_lane 1 (local.get 2)))
  (func (export "shuffle") (result i64 i64)
    (local v128)
    (local.set 0
      (i8x16.shuffle 0 16 1 17 15 31 2 18 3 19 4 20 5 21 30 14
        (v128.const i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15)
        (v128.const i8x16 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115)))
    (i64x2.extract_lane 0 (local.get 0))
    (i64x2.extract_lane 1 (local.get 0)))
  (func (export "swizzle_v128") (param v128 v128) (result v128)
    (i8x16.swizzle (local.get 0) (local.get 1)))
)
