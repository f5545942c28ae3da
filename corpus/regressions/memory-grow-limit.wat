;; memory.grow at the page limit: the declared maximum is 4 pages but the case
;; runs with max_memory_pages = 2, so the effective maximum is 2. Accesses at
;; the new edge after growing work; one byte past it traps.
(module
  (memory (export "mem") 1 4)
  (data (i32.const 65532) "\11\22\33\44")

  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "load8_s") (param i32) (result i64) (i64.load8_s (local.get 0)))
  (func (export "load64") (param i32) (result i64) (i64.load (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  (func (export "store64") (param i32 i64) (i64.store (local.get 0) (local.get 1)))

  ;; Grow, then touch the last byte of the new page in the same call.
  (func (export "grow_and_touch") (result i32)
    (local $old i32)
    (local.set $old (memory.grow (i32.const 1)))
    (if (i32.ge_s (local.get $old) (i32.const 0))
      (then (i32.store8
        (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
        (i32.const 0xab))))
    (local.get $old))
)
