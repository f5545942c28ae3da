;; A table of 2^32-1 funcref elements (32 GiB at 8 bytes each): must be
;; refused by the memory budget, not allocated.
(module
  (table 4294967295 funcref)
  (func (export "f") (result i32) (table.size)))
