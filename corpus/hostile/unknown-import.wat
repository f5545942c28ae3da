;; Imports a function no engine provides: every engine refuses it at link
;; time, a one-line bad-input error.
(module
  (import "nowhere" "nothing" (func $n (param i32) (result i32)))
  (func (export "f") (result i32) (call $n (i32.const 1))))
