;; A dropped SIMD load (extending, splat, lane and zero forms, whose load sits
;; behind vector operations) still traps when out of bounds, at every -O.
(module (memory 1)
  (func (export "a") (drop (v128.load (i32.const 65530))))
  (func (export "b") (drop (v128.load8x8_s (i32.const 65530))))
  (func (export "c") (drop (v128.load32_splat (i32.const 65534))))
  (func (export "d") (drop (v128.load16_lane 1 (i32.const 65535) (v128.const i64x2 0 0))))
  (func (export "e") (drop (v128.load64_zero (i32.const 65530)))))
(assert_trap (invoke "a") "out of bounds memory access")
(assert_trap (invoke "b") "out of bounds memory access")
(assert_trap (invoke "c") "out of bounds memory access")
(assert_trap (invoke "d") "out of bounds memory access")
(assert_trap (invoke "e") "out of bounds memory access")
