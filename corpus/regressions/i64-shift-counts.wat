;; i64 shifts and rotates take the count modulo 64: counts >= 64 and negative
;; counts must not be treated as "shift everything out" (host shifts by >= 64
;; are undefined or saturate on some CPUs).
(module
  (func (export "shl") (param i64 i64) (result i64) (i64.shl (local.get 0) (local.get 1)))
  (func (export "shr_s") (param i64 i64) (result i64) (i64.shr_s (local.get 0) (local.get 1)))
  (func (export "shr_u") (param i64 i64) (result i64) (i64.shr_u (local.get 0) (local.get 1)))
  (func (export "rotl") (param i64 i64) (result i64) (i64.rotl (local.get 0) (local.get 1)))
  (func (export "rotr") (param i64 i64) (result i64) (i64.rotr (local.get 0) (local.get 1)))

  ;; Constant operands (constant-folding paths).
  (func (export "const_shl_64") (result i64) (i64.shl (i64.const 1) (i64.const 64)))
  (func (export "const_shr_s_neg") (result i64) (i64.shr_s (i64.const 0x8000000000000000) (i64.const -1)))
  (func (export "const_shr_u_neg") (result i64) (i64.shr_u (i64.const 0x8000000000000000) (i64.const -1)))
  (func (export "const_rotr_129") (result i64) (i64.rotr (i64.const 0x10) (i64.const 129)))

  ;; Count from a negative i32 zero-extended: 0xffffffff mod 64 = 63.
  (func (export "shl_by_u32") (param i64 i32) (result i64)
    (i64.shl (local.get 0) (i64.extend_i32_u (local.get 1))))

  ;; i32 shifts: counts taken modulo 32.
  (func (export "i32_shl") (param i32 i32) (result i32) (i32.shl (local.get 0) (local.get 1)))
  (func (export "i32_rotr") (param i32 i32) (result i32) (i32.rotr (local.get 0) (local.get 1)))
  (func (export "i32_shr_s") (param i32 i32) (result i32) (i32.shr_s (local.get 0) (local.get 1)))
)
