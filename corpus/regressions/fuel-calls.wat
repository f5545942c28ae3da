;; Fuel across calls on one instance: every wasm function entry costs 1 unit
;; (the exported one and each callee), blocks and br/br_if to blocks cost
;; nothing, and fuel is not refilled between calls.
(module
  (global $leaves (export "leaves") (mut i32) (i32.const 0))
  (func $leaf (export "leaf") (result i32)
    (global.set $leaves (i32.add (global.get $leaves) (i32.const 1)))
    (block $a (block $b (br_if $b (i32.const 1))) (br $a))
    (i32.const 1))
  (func (export "twice") (result i32)
    (i32.add (call $leaf) (call $leaf)))
  ;; A loop that is entered once and never branched back to: 1 + 1 units.
  (func (export "once") (result i32)
    (loop $l (result i32) (i32.const 5)))
)
