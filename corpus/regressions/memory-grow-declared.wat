;; A memory that starts empty and has a declared maximum of 2 pages (default
;; limits): grow to the maximum, then bulk operations straddling the edge trap
;; without writing anything.
(module
  (memory 0 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "fill") (param i32 i32 i32)
    (memory.fill (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy") (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2)))
  (func (export "size_bytes") (result i32)
    (i32.mul (memory.size) (i32.const 65536)))
)
