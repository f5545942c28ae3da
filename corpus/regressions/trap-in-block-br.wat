;; An out-of-bounds load inside `block (result i64)` whose value is then left
;; by `br`: the load's result is consumed by the branch, so it cannot be
;; removed, and the trap must happen.
(module
  (memory 1 1)
  (data (i32.const 65528) "\01\02\03\04\05\06\07\08")

  (func (export "load_br") (param $addr i32) (result i64)
    (block $b (result i64)
      (i64.load (local.get $addr))
      (br $b)))

  ;; The block's value is dropped by the caller; the trap must still happen.
  (func (export "load_br_dropped") (param $addr i32) (result i32)
    (drop
      (block $b (result i64)
        (i64.load offset=8 (local.get $addr))
        (br $b)))
    i32.const 1)

  ;; Load then br to an outer block past an inner one; dead code after br.
  (func (export "load_br_outer") (param $addr i32) (result i64)
    (block $outer (result i64)
      (block $inner (result i64)
        (i64.load (local.get $addr))
        (br $outer)
        (i64.const 5))
      (i64.const 1)
      (i64.add)))

  ;; br_if with a load as the carried value: not taken, value dropped, trap anyway.
  (func (export "load_br_if") (param $addr i32) (param $c i32) (result i64)
    (block $b (result i64)
      (i64.load (local.get $addr))
      (local.get $c)
      (br_if $b)
      (drop)
      (i64.const -1)))
)
