;; select whose condition is `local.get; i32.eqz` (or an i32 compare with 0).
;; Spec: select picks its first operand when the condition is non-zero, the
;; second when it is zero. wasmi 2.0.0 gets these wrong (see corpus/README.md,
;; "Known reference-engine bugs"), so the case skips the reference engine.
(module
  ;; The reported form: 7 / (x == 0 ? 1 : x).
  (func (export "div_u") (param i32) (result i32)
    i32.const 7
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select
    i32.div_u)

  (func (export "rem_u") (param i32) (result i32)
    i32.const 7
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select
    i32.rem_u)

  ;; No division: the select alone.
  (func (export "plain") (param i32) (result i32)
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select)

  ;; Condition from another local, operands of another type.
  (func (export "f32_other") (param f32 i32) (result f32)
    f32.const 1
    local.get 0
    local.get 1
    i32.eqz
    select)

  ;; i32.eq / i32.ne against constant 0.
  (func (export "eq0") (param i32) (result i32)
    (select (i32.const 100) (i32.const 200) (i32.eq (local.get 0) (i32.const 0))))
  (func (export "ne0") (param i32) (result i32)
    (select (i32.const 100) (i32.const 200) (i32.ne (local.get 0) (i32.const 0))))

  ;; The same with i64: i64.eqz conditions are not affected in wasmi.
  (func (export "i64_div_u") (param i64) (result i64)
    i64.const 7
    i64.const 1
    local.get 0
    local.get 0
    i64.eqz
    select
    i64.div_u)
)
