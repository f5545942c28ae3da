(module
  (type (;0;) (func (param i64) (result i64)))
  (type (;1;) (func))
  (table (;0;) 0 151 funcref)
  (memory (;0;) 0 7)
  (memory (;1;) 0 4)
  (global (;0;) (mut i32) i32.const -224840360)
  (global (;1;) (mut i64) i64.const 8366836779511390273)
  (global (;2;) (mut i32) i32.const 685)
  (export "w\u{3ec}" (func 0))
  (func (;0;) (type 0) (param i64) (result i64)
    (local i32)
    global.get 0
    local.tee 1
    local.get 1
    i32.store 1 align=2
    unreachable
  )
)
