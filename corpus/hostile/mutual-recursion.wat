;; Three functions recursing into each other (direct, indirect, through a
;; table) without end: the same call-stack-exhausted trap everywhere.
(module
  (type $t (func (param i32) (result i32)))
  (table 3 funcref) (elem (i32.const 0) $a $b $c)
  (global $n (export "n") (mut i32) (i32.const 0))
  (func $a (type $t) (global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.add (call $b (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func $b (type $t)
    (call_indirect (type $t) (local.get 0) (i32.const 2)))
  (func $c (type $t)
    (if (result i32) (i32.eq (local.get 0) (i32.const -1))
      (then (i32.const 0))
      (else (call $a (local.get 0)))))
  (func (export "go") (result i32) (call $a (i32.const 0))))
