;; A local's old value, already pushed, must survive a later local.set/local.tee
;; of the same local (slot-based translators that alias the stack entry to the
;; local's slot read the new value instead).
(module
  (func (export "set_after_get") (param $x i32) (result i32)
    local.get $x
    i32.const 5
    local.set $x
    local.get $x
    i32.sub)

  (func (export "tee_after_get") (param $x i32) (result i32)
    local.get $x
    i32.const 100
    local.tee $x
    i32.sub
    local.get $x
    i32.add)

  (func (export "multi") (param $a i32) (param $b i32) (result i32)
    local.get $a
    local.get $b
    local.get $a
    local.get $b
    local.set $a
    i32.const 0
    local.set $b
    i32.sub
    i32.mul
    local.get $a
    i32.add
    local.get $b
    i32.add)

  (func (export "swap64") (param $a i64) (param $b i64) (result i64 i64)
    local.get $a
    local.get $b
    local.set $a
    local.set $b
    local.get $a
    local.get $b)

  (func (export "f64_set") (param $x f64) (result f64)
    local.get $x
    f64.const 0.5
    local.set $x
    local.get $x
    f64.div)

  (func $sub (param i32 i32) (result i32)
    (i32.sub (local.get 0) (local.get 1)))

  (func (export "call_args") (param $x i32) (result i32)
    local.get $x
    local.get $x
    i32.const 2
    i32.mul
    local.tee $x
    call $sub
    local.get $x
    i32.add)
)
