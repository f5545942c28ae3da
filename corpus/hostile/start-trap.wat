;; The start function traps after writing memory: instantiation fails with
;; the same trap in every engine.
(module (memory 1)
  (func $s (i32.store (i32.const 0) (i32.const 1)) (unreachable))
  (start $s)
  (func (export "f") (result i32) (i32.load (i32.const 0))))
