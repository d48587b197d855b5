;; innative-fuzz diff (seeds 58, 118, 196 and most other mismatches): a load
;; whose value is never used must still trap when out of bounds.  innative
;; once kept only a load that is directly `drop`ped; here the loaded value
;; goes through other instructions first, and the load was deleted (by LLVM's
;; instruction selection even at -O0, by its optimizer at -O2), trap and all.
;; Fixed by src/lower/observed_loads.rs.
(module
  (memory 0 1)
  (global $g (export "g") (mut i32) (i32.const 0))
  ;; the loaded value feeds an add whose result is dropped
  (func (export "via_add")
    i32.const 0 i64.load i64.const 1 i64.add drop)
  ;; the loaded value is left under a `br` out of the block
  (func (export "left_on_stack") (result i32)
    block (result i32)
      i32.const 8 i32.load i32.eqz
      i32.const 7
      br 0
    end)
  ;; a global is written after the trapping load: it must keep its value
  (func (export "then_set")
    i32.const 16 f64.load f64.neg drop
    i32.const 1 global.set $g)
  ;; the loaded value goes into a local nothing reads
  (func (export "unread_local") (local i64)
    i32.const 24 i64.load local.set 0)
  ;; ... into a local that is read, then dropped
  (func (export "read_then_dropped") (local i32)
    i32.const 32 i32.load16_s local.tee 0 local.get 0 i32.add drop)
)
(assert_trap (invoke "via_add") "out of bounds memory access")
(assert_trap (invoke "left_on_stack") "out of bounds memory access")
(assert_trap (invoke "then_set") "out of bounds memory access")
(assert_return (get "g") (i32.const 0))
(assert_trap (invoke "unread_local") "out of bounds memory access")
(assert_trap (invoke "read_then_dropped") "out of bounds memory access")
