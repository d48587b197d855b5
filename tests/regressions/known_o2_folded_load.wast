;; Known limit at -O2 (src/lower/observed_loads.rs): a load whose value the
;; optimizer proves it does not need loses its out-of-bounds trap.  Here a
;; loaded byte is compared with 256, which no byte reaches, so LLVM folds the
;; compare and deletes the load.  Exact at -O0 and with --bounds-checks;
;; tests/fuzz_regressions.rs runs `known_*` scripts at -O0 only.
(module
  (memory 0 1)
  (func (export "folded_compare") (result i32)
    i32.const 40 i32.load8_u i32.const 256 i32.lt_u
    if (result i32) i32.const 1 else i32.const 2 end)
  ;; a load sunk past a later trap: the division by zero is reported first
  (func (export "sunk_past_division") (param i32) (result i32)
    (local i32)
    i32.const 48 i32.load local.set 1
    i32.const 1 local.get 0 i32.div_u
    local.get 1 i32.add)
)
(assert_trap (invoke "folded_compare") "out of bounds memory access")
(assert_trap (invoke "sunk_past_division" (i32.const 0)) "out of bounds memory access")
