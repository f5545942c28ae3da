;; A counting loop under limited fuel. Our fuel: 1 unit on entry to a wasm
;; function body, 1 each time the loop header is entered (falling in and every
;; branch back), trapping out-of-fuel before that body or iteration runs.
;; count(n) for n >= 1 therefore costs 1 + n units; $iters counts the loop
;; bodies that ran.
(module
  (global $iters (export "iters") (mut i32) (i32.const 0))

  (func (export "count") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (global.set $iters (i32.add (global.get $iters) (i32.const 1)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))

  ;; No loop: costs exactly 1 unit (blocks and branches to them are free).
  (func (export "leaf") (result i32)
    (block $b (br_if $b (i32.const 1)))
    (i32.const 1))
)
