;; table.grow in a loop (funcref and externref tables, non-null init) until
;; the budget or the element limit stops it; every engine stops at the same step.
(module
  (table $f 0 funcref) (table $e 0 externref)
  (func $k (result i32) (i32.const 5))
  (elem declare func $k)
  (type $t (func (result i32)))
  (func (export "f") (result i32) (local $n i32)
    (block $done (loop $again
      (br_if $done (i32.eq (table.grow $f (ref.func $k) (i32.const 100000)) (i32.const -1)))
      (br_if $done (i32.eq (table.grow $e (ref.null extern) (i32.const 50000)) (i32.const -1)))
      (local.set $n (i32.add (local.get $n) (i32.const 1)))
      (br $again)))
    (i32.add (i32.mul (local.get $n) (i32.const 1000))
      (call_indirect $f (type $t) (i32.sub (table.size $f) (i32.const 1))))))
