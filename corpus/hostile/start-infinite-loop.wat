;; The start function never returns: instantiation itself must be bounded
;; (fuel or the case watchdog), not hang the harness.
(module
  (func $s (loop $l (br $l)))
  (start $s)
  (func (export "f") (result i32) (i32.const 1)))
