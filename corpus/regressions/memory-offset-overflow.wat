;; Effective addresses are address + offset computed without 32-bit
;; wrap-around: address 1 with offset 0xffffffff is 2^32, not 0.
(module
  (memory 1)
  (data (i32.const 0) "\de\ad\be\ef\01\02\03\04")

  (func (export "load_off_max") (param i32) (result i32)
    (i32.load8_u offset=4294967295 (local.get 0)))
  (func (export "load64_off") (param i32) (result i64)
    (i64.load offset=4294967288 (local.get 0)))
  (func (export "load_off_1") (param i32) (result i32)
    (i32.load offset=1 (local.get 0)))
  (func (export "store_off_page") (param i32) (result i32)
    (i32.store offset=65536 (local.get 0) (i32.const -1))
    (i32.load (i32.const 0)))
  (func (export "load_off_edge") (param i32) (result i32)
    (i32.load16_u offset=65534 (local.get 0)))
)
