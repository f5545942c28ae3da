;; A 1 GiB memory (the whole default budget) filled and copied end to end:
;; every engine commits it, so time and resident size are the attack.
(module (memory (export "m") 16384)
  (func (export "f") (result i32)
    (memory.fill (i32.const 0) (i32.const 0xA5) (i32.const 1073741824))
    (memory.copy (i32.const 1) (i32.const 0) (i32.const 1073741823))
    (i32.add (i32.load8_u (i32.const 0)) (i32.load8_u (i32.const 1073741823)))))
