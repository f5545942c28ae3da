;; memory64 whose minimum is 2^48 pages: 2^64 bytes, which overflows any
;; 64-bit byte count; must be refused under the memory budget, not wrap.
(module
  (memory i64 281474976710656)
  (func (export "f") (result i64) (memory.size)))
