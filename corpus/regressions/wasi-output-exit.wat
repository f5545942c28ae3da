;; A WASI command: prints its argument count, a virtual-clock reading and
;; random bytes in hex, answers EFAULT to a write whose iovec points past
;; memory (nothing printed), then exits 3 through proc_exit from a nested call.
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 256) "0123456789abcdef")
  ;; Writes len bytes at ptr to stdout; returns the errno.
  (func $print (param $ptr i32) (param $len i32) (result i32)
    (i32.store (i32.const 0) (local.get $ptr))
    (i32.store (i32.const 4) (local.get $len))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  ;; Prints the low n bytes at src as hex followed by a newline.
  (func $hex (param $src i32) (param $n i32) (local $i i32) (local $b i32)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $b (i32.load8_u (i32.add (local.get $src) (local.get $i))))
      (i32.store8 (i32.add (i32.const 512) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 256) (i32.shr_u (local.get $b) (i32.const 4)))))
      (i32.store8 (i32.add (i32.const 513) (i32.shl (local.get $i) (i32.const 1)))
        (i32.load8_u (i32.add (i32.const 256) (i32.and (local.get $b) (i32.const 15)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.store8 (i32.add (i32.const 512) (i32.shl (local.get $n) (i32.const 1))) (i32.const 10))
    (drop (call $print (i32.const 512) (i32.add (i32.shl (local.get $n) (i32.const 1)) (i32.const 1)))))
  (func $finish (call $exit (i32.const 3)) unreachable)
  (func (export "_start")
    (drop (call $args_sizes (i32.const 64) (i32.const 68)))
    (call $hex (i32.const 64) (i32.const 4))
    (drop (call $clock (i32.const 1) (i64.const 0) (i32.const 72)))
    (call $hex (i32.const 72) (i32.const 8))
    (drop (call $random (i32.const 80) (i32.const 4)))
    (call $hex (i32.const 80) (i32.const 4))
    ;; An iovec reaching past the end of memory: EFAULT (21), nothing written.
    (i32.store (i32.const 88) (call $print (i32.const 65530) (i32.const 100)))
    (call $hex (i32.const 88) (i32.const 1))
    (call $finish)))
