;; Recursion to the call-depth limit. The case runs with max_call_depth 500:
;; every wasm frame counts, including the exported entry function, so
;; down(n) needs n + 1 frames and down(499) is the deepest call that works.
(module
  (global $deepest (export "deepest") (mut i32) (i32.const 0))

  (func $down (export "down") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (i32.add (call $down (i32.sub (local.get $n) (i32.const 1))) (i32.const 1)))))

  ;; Records the depth reached before recursing, so a trapped run leaves the
  ;; deepest frame number in the global.
  (func $mark (export "mark") (param $depth i32) (param $n i32)
    (global.set $deepest (local.get $depth))
    (if (local.get $n)
      (then (call $mark
        (i32.add (local.get $depth) (i32.const 1))
        (i32.sub (local.get $n) (i32.const 1))))))
)
