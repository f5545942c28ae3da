(module
  (memory 65536) (memory 65536) (memory 65536) (memory 65536)
  (memory 65536) (memory 65536) (memory 65536) (memory 65536)
  (func (export "f") (result i32)
    (i32.store8 7 (i32.const 4294967295) (i32.const 1))
    (i32.load8_u 7 (i32.const 4294967295))))
