;; call_indirect with two tables of different sizes: the bounds and null checks
;; use the table named by the instruction, and table.copy / table.init move
;; functions (and nulls) between them.
(module
  (type $ret (func (result i32)))
  (table $small 2 funcref)
  (table $big 10 funcref)
  (elem (table $small) (i32.const 0) func $a)
  (elem (table $big) (i32.const 5) func $b $c)
  (elem $passive func $c $a)

  (func $a (type $ret) (i32.const 1))
  (func $b (type $ret) (i32.const 2))
  (func $c (type $ret) (i32.const 3))

  (func (export "small") (param i32) (result i32) (call_indirect $small (type $ret) (local.get 0)))
  (func (export "big") (param i32) (result i32) (call_indirect $big (type $ret) (local.get 0)))

  ;; Copy big[5..7) over small[0..2): small becomes [$b, $c].
  (func (export "copy_big_to_small") (table.copy $small $big (i32.const 0) (i32.const 5) (i32.const 2)))
  ;; Copy small[0..2) to big[8..10), fine; to big[9..11) traps with nothing written.
  (func (export "copy_small_to_big") (param i32) (table.copy $big $small (local.get 0) (i32.const 0) (i32.const 2)))
  ;; table.init from the passive segment [$c, $a] into big.
  (func (export "init_big") (param i32) (table.init $big $passive (local.get 0) (i32.const 0) (i32.const 2)))
  (func (export "drop_passive") (elem.drop $passive))
)
