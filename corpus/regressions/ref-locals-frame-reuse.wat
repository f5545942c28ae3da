;; Unset reference locals must be null even when the frame reuses stack slots a
;; previous call filled with live references (tiers that keep frames in one
;; value stack and do not clear reference locals read stale values).
(module
  (elem declare func $fill)
  (global $last (export "last") (mut externref) (ref.null extern))

  ;; Fills its locals with the argument.
  (func $fill (param $x externref) (result externref)
    (local $a externref) (local $b externref) (local $c funcref)
    (local.set $a (local.get $x))
    (local.set $b (local.get $x))
    (local.set $c (ref.func $fill))
    (local.get $b))

  ;; Same frame shape, never sets its locals: returns 1 per null local (0..3).
  (func $probe (param $x externref) (result i32)
    (local $a externref) (local $b externref) (local $c funcref)
    (i32.add
      (i32.add (ref.is_null (local.get $a)) (ref.is_null (local.get $b)))
      (ref.is_null (local.get $c))))

  (func (export "fill_then_probe") (param $x externref) (result i32)
    (drop (call $fill (local.get $x)))
    (call $probe (local.get $x)))

  ;; n rounds of fill + probe; sums the probe results (3 per round when correct).
  (func (export "rounds") (param $x externref) (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $again
        (br_if $done (i32.eqz (local.get $n)))
        (global.set $last (call $fill (local.get $x)))
        (local.set $sum (i32.add (local.get $sum) (call $probe (local.get $x))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $again)))
    (local.get $sum))

  ;; Recursion: each level keeps an unset local and a set one; returns the number
  ;; of levels whose unset local was null.
  (func $rec (param $x externref) (param $n i32) (result i32)
    (local $set externref) (local $unset externref)
    (local.set $set (local.get $x))
    (if (result i32) (i32.eqz (local.get $n))
      (then (ref.is_null (local.get $unset)))
      (else
        (i32.add
          (call $rec (local.get $set) (i32.sub (local.get $n) (i32.const 1)))
          (ref.is_null (local.get $unset))))))

  (func (export "rec") (param externref i32) (result i32)
    (call $rec (local.get 0) (local.get 1)))
)
