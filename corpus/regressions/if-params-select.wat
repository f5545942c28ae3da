;; select inside if blocks that take parameters (multi-value): the params are
;; the select operands, and the condition comes from a local.
(module
  (func (export "select_in_if") (param $a i32) (param $b i32) (param $c i32) (param $d i32) (result i32)
    local.get $a
    local.get $b
    (if (param i32 i32) (result i32) (local.get $c)
      (then (local.get $d) (select))
      (else (i32.sub))))

  ;; The select result feeds an add with a value below the if's parameters.
  (func (export "select_under") (param $x i64) (param $y i64) (param $c i32) (result i64)
    i64.const 1000
    local.get $x
    local.get $y
    (if (param i64 i64) (result i64) (local.get $c)
      (then (select (i32.lt_s (local.get $c) (i32.const 0))))
      (else (drop)))
    i64.add)

  ;; Typed select on f32 params; both branches must leave the params in order.
  (func (export "fselect") (param $p f32) (param $q f32) (param $c i32) (result f32)
    local.get $p
    local.get $q
    (if (param f32 f32) (result f32) (local.get $c)
      (then (select (result f32) (i32.and (local.get $c) (i32.const 2))))
      (else (f32.sub))))

  ;; select with a reference type param.
  (func (export "rselect") (param $r externref) (param $c i32) (result externref)
    (local $u externref)
    local.get $r
    local.get $u
    (if (param externref externref) (result externref) (local.get $c)
      (then (select (result externref) (i32.gt_u (local.get $c) (i32.const 1))))
      (else (drop))))
)
