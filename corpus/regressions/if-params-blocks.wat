;; Block results inside if blocks that take parameters: nested blocks consume
;; the if's params, branches leave with values, multi-value results.
(module
  (func (export "nested") (param $a i32) (param $b i32) (param $c i32) (result i32)
    local.get $a
    local.get $b
    (if (param i32 i32) (result i32) (local.get $c)
      (then
        (block (param i32 i32) (result i32)
          i32.mul
          (block (param i32) (result i32)
            i32.const 3
            i32.add)))
      (else
        (block $out (param i32 i32) (result i32)
          i32.add
          (br_if $out (i32.const 1))
          i32.const 999
          i32.add))))

  ;; Two params in, two results out, a br out of the then-branch with both.
  (func (export "two_out") (param $a i64) (param $b i64) (param $c i32) (result i64 i64)
    local.get $a
    local.get $b
    (if $i (param i64 i64) (result i64 i64) (local.get $c)
      (then
        (block $blk (param i64 i64) (result i64 i64)
          (br $i)))
      (else
        (block (param i64 i64) (result i64 i64)
          (local.set $a)
          (local.set $b)
          (local.get $a)
          (local.get $b)))))

  ;; An if with params and no else: the params pass straight through.
  (func (export "no_else") (param $a i32) (param $c i32) (result i32)
    local.get $a
    (if (param i32) (result i32) (local.get $c)
      (then
        (block (param i32) (result i32)
          (i32.const 1)
          (i32.shl))))
    i32.const 1
    i32.add)
)
