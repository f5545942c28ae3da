;; `unreachable` followed directly by dead code (stack-polymorphic after it):
;; the trap must happen and the dead code must not run or be "fixed up".
(module
  (global $side (export "side") (mut i32) (i32.const 0))

  (func (export "plain") (result i32)
    unreachable
    i32.const 1)

  ;; Dead code that would have a side effect and would use values that were
  ;; never pushed.
  (func (export "dead_side_effect") (result i32)
    unreachable
    (global.set $side (i32.const 99))
    i32.add
    i64.const 1
    drop)

  ;; Only traps on one branch; the other returns normally.
  (func (export "maybe") (param $c i32) (result i32)
    (global.set $side (i32.add (global.get $side) (i32.const 1)))
    (if (result i32) (local.get $c)
      (then unreachable (i32.const 7) (i32.const 8) i32.add)
      (else (i32.const 42))))

  ;; unreachable as the value of a block result, then dead arithmetic.
  (func (export "in_block") (param $x i32) (result i32)
    (block (result i32)
      (br_if 0 (local.get $x) (local.get $x))
      unreachable
      f64.const 1
      f64.neg
      drop)
    (i32.const 1)
    i32.add)

  ;; A countdown loop: reaching 0 exits, a negative start falls into
  ;; unreachable; the dead br back to the loop must not run.
  (func (export "loop_exit") (param $n i32) (result i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br_if $l (i32.gt_s (local.get $n) (i32.const -1)))
        unreachable
        br $l))
    (i32.const 123))
)
