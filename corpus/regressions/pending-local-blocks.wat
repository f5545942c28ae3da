;; Pending old values of a local crossing block, loop and if boundaries while
;; the local is overwritten inside.
(module
  ;; The old value enters a block as its parameter; the block sets the local.
  (func (export "block_param") (param $x i32) (result i32)
    local.get $x
    (block (param i32) (result i32)
      (local.set $x (i32.const 9))
      local.get $x
      i32.add))

  ;; Sum of i_old * i_new over the iterations; i is tee'd while i_old is pending.
  (func (export "loop_tee") (param $n i32) (result i32)
    (local $i i32)
    i32.const 0
    (loop $l (param i32) (result i32)
      local.get $i
      local.get $i
      i32.const 1
      i32.add
      local.tee $i
      i32.mul
      i32.add
      local.get $i
      local.get $n
      i32.lt_u
      br_if $l))

  ;; The old value waits under an if whose branches overwrite the local.
  (func (export "if_overwrite") (param $x i64) (param $c i32) (result i64)
    local.get $x
    (if (local.get $c)
      (then (local.set $x (i64.const 1000)))
      (else (local.set $x (i64.const -1000))))
    local.get $x
    i64.sub)

  ;; br out of a block carrying the old value after the local changed.
  (func (export "br_carries_old") (param $x i32) (result i32)
    (block $out (result i32)
      local.get $x
      (local.set $x (i32.const 77))
      (br_if $out (i32.ne (local.get $x) (i32.const 0)))
      drop
      i32.const -1)
    local.get $x
    i32.mul)
)
