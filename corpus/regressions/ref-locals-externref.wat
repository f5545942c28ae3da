;; Reference-typed locals that are never set must read as null (the seed bug:
;; a runtime started externref locals as 0, a "real" looking id, instead of null).
(module
  (table $t (export "tab") 4 externref)
  (global $g_unset (export "g_unset") (mut externref) (ref.null extern))
  (global $g_host (export "g_host") (mut externref) (ref.null extern))
  (global $g_cleared (export "g_cleared") (mut externref) (ref.null extern))

  ;; An unset local, returned as is.
  (func (export "unset") (result externref)
    (local $r externref)
    local.get $r)

  ;; An unset local behind several numeric locals, tested with ref.is_null.
  (func (export "unset_is_null") (result i32)
    (local i32 i64 f32 f64 i32 externref)
    local.get 5
    ref.is_null)

  ;; Host reference in, same host reference out; a second unset local stays null.
  (func (export "pass") (param $x externref) (result externref externref)
    (local $u externref)
    local.get $x
    local.get $u)

  (func (export "param_is_null") (param externref) (result i32)
    local.get 0
    ref.is_null)

  ;; Store an unset local to a table slot that previously held a host reference,
  ;; then read both slots back.
  (func (export "store_host_then_unset") (param $x externref) (result i32)
    (local $u externref)
    (table.set $t (i32.const 1) (local.get $x))
    (table.set $t (i32.const 2) (local.get $x))
    (table.set $t (i32.const 2) (local.get $u))
    (i32.add
      (i32.shl (ref.is_null (table.get $t (i32.const 1))) (i32.const 1))
      (ref.is_null (table.get $t (i32.const 2)))))

  (func (export "get") (param i32) (result externref)
    (table.get $t (local.get 0)))

  ;; Globals: one set from an unset local, one from a host reference, one set to a
  ;; host reference and then overwritten from an unset local.
  (func (export "set_globals") (param $x externref)
    (local $u externref)
    (global.set $g_unset (local.get $u))
    (global.set $g_host (local.get $x))
    (global.set $g_cleared (local.get $x))
    (global.set $g_cleared (local.get $u)))

  ;; table.grow with an unset local as the fill value: new slots must be null.
  (func (export "grow_with_unset") (result i32)
    (local $u externref)
    (drop (table.grow $t (local.get $u) (i32.const 2)))
    (ref.is_null (table.get $t (i32.const 5))))
)
