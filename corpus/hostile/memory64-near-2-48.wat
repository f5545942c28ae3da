;; memory64 with a maximum of 2^48 pages (the largest the spec allows):
;; growth far past the budget must fail with -1 everywhere, without reserving
;; or committing anything, and bounds checks on 64-bit addresses must trap.
(module
  (memory $m i64 1 281474976710656)
  (func (export "grow-huge") (result i64)
    (memory.grow (i64.const 281474976710655)))
  (func (export "grow-max") (result i64)
    (memory.grow (i64.const 0xffffffffffffffff)))
  (func (export "grow-small") (result i64)
    (memory.grow (i64.const 3)))
  (func (export "size") (result i64) (memory.size))
  (func (export "load-far") (result i32)
    (i32.load (i64.const 0xfffffffffffffffc)))
  (func (export "store-offset-wrap") (param i64)
    (i32.store offset=0xffffffffffffffff (local.get 0) (i32.const 1)))
  (func (export "load-last") (result i32)
    (i32.store (i64.const 65532) (i32.const 0x01020304))
    (i32.load (i64.const 65532))))
