;; A WASI command with two memories that exports the second as "memory":
;; WASI calls must read and write the exported memory, whatever its index.
;; Memory 0 holds a decoy iovec pointing at other text, so reading the
;; wrong memory prints the decoy (or EFAULT) instead of the greeting.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (memory $decoy 1)
  (memory $out (export "memory") 1)
  ;; memory 0: an iovec {ptr 32, len 6} and "decoy\n".
  (data (memory $decoy) (i32.const 0) "\20\00\00\00\06\00\00\00")
  (data (memory $decoy) (i32.const 32) "decoy\n")
  ;; memory 1: an iovec {ptr 64, len 15} and the greeting.
  (data (memory $out) (i32.const 0) "\40\00\00\00\0f\00\00\00")
  (data (memory $out) (i32.const 64) "hello, memory!\n")
  (func (export "_start")
    ;; fd_write's byte count lands in memory 1 at 16; argc and the
    ;; argument bytes at 20 and 24.
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 16)))
    (drop (call $args_sizes (i32.const 20) (i32.const 24))))
  (func (export "written") (result i32) (i32.load $out (i32.const 16)))
  (func (export "argc") (result i32) (i32.load $out (i32.const 20)))
  (func (export "decoy_untouched") (result i32) (i32.load $decoy (i32.const 16))))
