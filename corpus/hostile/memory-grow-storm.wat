;; memory.grow in a loop on two memories until the budget stops it; every
;; engine must stop at the same step, without committing the pages.
(module (memory 1) (memory 1)
  (func (export "f") (result i32) (local $n i32)
    (block $done (loop $again
      (br_if $done (i32.eq (memory.grow 0 (i32.const 1)) (i32.const -1)))
      (br_if $done (i32.eq (memory.grow 1 (i32.const 3)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (i32.store8 1 (i32.sub (i32.mul (memory.size 1) (i32.const 65536)) (i32.const 1)) (i32.const 9))
    (i32.add (i32.mul (local.get $n) (i32.const 65536))
             (i32.add (memory.size 0) (i32.load8_u 1 (i32.sub (i32.mul (memory.size 1) (i32.const 65536)) (i32.const 1)))))))
