;; A 64-bit memory checks address + offset + size without wrapping: near
;; 2^64 and at 2^32 it traps instead of reaching low memory. A copy between
;; two memories checks each side against its own memory's size (one tier
;; once checked the destination against the source's).
(module
  (memory $big i64 2)
  (memory $small 1)
  (data (memory $big) (i64.const 0) "\01\02\03\04\05\06\07\08")
  (data (memory $small) (i32.const 65528) "\aa\bb\cc\dd\ee\ff\11\22")
  (func (export "load64") (param i64) (result i64)
    (i64.load $big offset=8 (local.get 0)))
  (func (export "load8") (param i64) (result i32)
    (i32.load8_u $big (local.get 0)))
  (func (export "size") (result i64) (memory.size $big))
  (func (export "grow") (param i64) (result i64) (memory.grow $big (local.get 0)))
  ;; small[65528..65536) -> big[dst..dst+8), then read it back from big.
  (func (export "copy_in") (param i64) (result i64)
    (memory.copy $big $small (local.get 0) (i32.const 65528) (i32.const 8))
    (i64.load $big (local.get 0)))
  ;; big[src..src+8) -> small[dst..dst+8)
  (func (export "copy_out") (param i32 i64) (result i64)
    (memory.copy $small $big (local.get 0) (local.get 1) (i32.const 8))
    (i64.load $small (local.get 0)))
)
