;; A value pushed by `local.get` sits below the parameters of an `if` (or
;; `block`) whose parameter is not itself a `local.get` (a constant here), and
;; only one path through the block does something that makes a translator save
;; pending local reads (a `loop`, a nested `block`/`if`, a `local.set` of that
;; local). Spec: the value below the block is whatever the local held when it
;; was pushed, on every path. wasmi 2.0.0 reads it from a stack slot that only
;; the other path wrote (see corpus/README.md, "Known reference-engine bugs"),
;; so the case skips the reference engine.
(module
  ;; The minimal form. Path 1 (c != 0) runs the loop, path 2 (c = 0) does not;
  ;; both must return x.
  (func (export "f") (param $x i32) (param $c i32) (result i32)
    local.get $x
    i32.const 7
    local.get $c
    if (param i32)
      drop
      loop
      end
    else
      drop
    end)

  ;; The same with the loop on the else path.
  (func (export "f_else") (param $x i32) (param $c i32) (result i32)
    local.get $x
    i32.const 7
    local.get $c
    if (param i32)
      drop
    else
      drop
      loop
      end
    end)

  ;; The then path overwrites the local: the value pushed before is still the
  ;; old one, on both paths.
  (func (export "f_set") (param $x i32) (param $c i32) (result i32)
    local.get $x
    i32.const 7
    local.get $c
    if (param i32)
      local.set $x
    else
      drop
    end)

  ;; A block with a parameter, left early by br_if before the loop.
  (func (export "blk") (param $x i32) (param $c i32) (result i32)
    local.get $x
    i32.const 7
    block (param i32)
      local.get $c
      br_if 0
      drop
      loop
      end
    end)

  ;; The shape of the fuzz finding: two reads of the f32 parameter below an
  ;; `if (param f32)` fed by `f32.const nan`, the else arm taken
  ;; (1.0 > 0.0 is 1, i32.eqz gives 0). The else arm xors the NaN's bits
  ;; 0x7fc00000 into $acc, then the two reads of x xor the same bits twice,
  ;; which cancel: each call flips $acc by 0x7fc00000.
  (global $acc (export "acc") (mut i32) (i32.const 0))
  (func (export "finding") (param f32) (local f64)
    local.get 0
    local.get 0
    f32.const nan
    f64.const 1
    local.get 1
    f64.gt
    i32.eqz
    if (param f32)
      drop
      loop
      end
    else
      i32.reinterpret_f32
      global.get $acc
      i32.xor
      global.set $acc
    end
    i32.reinterpret_f32
    global.get $acc
    i32.xor
    global.set $acc
    i32.reinterpret_f32
    global.get $acc
    i32.xor
    global.set $acc)
)
