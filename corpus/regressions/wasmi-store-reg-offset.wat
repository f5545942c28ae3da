;; An integer store whose address and value are both reads of one local that
;; the translator still holds in its register (the local was just set or teed
;; from a computed value), with a static offset of 65536 or more. Spec: an
;; ordinary store of the local's value at local + offset, trapping when the
;; accessed bytes do not fit in the memory. wasmi 2.0.0 panics
;; ("internal error: entered unreachable code") while translating such a
;; store, which with lazy translation happens on the function's first call,
;; whether or not the store would run (see corpus/README.md, "Known
;; reference-engine bugs"), so the case skips the reference engine.
(module
  (memory 1 2)

  ;; The minimal form. With 1 page, memory.size is 1 and the store touches
  ;; bytes 65537..65540: out of bounds. After growing to 2 pages it stores 2
  ;; at 65538.
  (func (export "min") (local i32)
    memory.size
    local.tee 0
    local.get 0
    i32.store offset=65536)

  (func (export "grow") (result i32)
    i32.const 1
    memory.grow)

  (func (export "load") (param $a i32) (result i32)
    local.get $a
    i32.load)

  ;; local.set form with i32.store8 (the fuzz finding's shape): p becomes
  ;; p + 1, and its low byte is stored at p + 1 + 65536.
  (func (export "set8") (param $p i32)
    local.get $p
    i32.const 1
    i32.add
    local.set $p
    local.get $p
    local.get $p
    i32.store8 offset=65536)

  ;; local.tee form with i32.store: stores p + 1 at p + 1 + 65536.
  (func (export "tee") (param $p i32)
    local.get $p
    i32.const 1
    i32.add
    local.tee $p
    local.get $p
    i32.store offset=65536)

  ;; The store on a path that does not run for p = -1 (p + 1 is 0): the call
  ;; just returns 7.
  (func (export "dead") (param $p i32) (result i32)
    local.get $p
    i32.const 1
    i32.add
    local.tee $p
    if
      local.get $p
      local.get $p
      i32.store16 offset=65536
    end
    i32.const 7)
)
