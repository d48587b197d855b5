;; innative-fuzz diff --simd found the compiler crashing (SIGSEGV) on a scalar
;; float operation whose operand was a lane of a constant vector: LLVM folds
;; it to a constant expression, which has no value to read.  Seed 5559:
;; innative-fuzz diff seed 5559
(module binary "\00\61\73\6d\01\00\00\00\01\0d\02\60\00\05\7f\7b\7f\7d\7d\60\00\01\7c\02\01\00\03\02\01\00\06\2b\05\7b\01\fd\0c\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\00\0b\7e\01\42\00\0b\7f\01\41\00\0b\7f\01\41\00\0b\7f\01\41\e8\07\0b\07\18\05\01\24\00\00\00\03\00\05\2f\2c\77\0b\59\03\01\01\33\03\02\01\55\03\03\09\04\01\07\70\00\0a\b6\03\01\b3\03\07\01\7d\01\7d\01\7d\01\7d\01\7d\01\7d\01\7b\23\04\45\04\40\00\0b\23\04\41\01\6b\24\04\41\ff\1f\10\00\90\22\01\43\00\00\c0\7f\20\01\20\01\5b\1b\fd\0c\9f\c2\b8\87\c8\d4\c3\95\8f\50\f9\03\d6\d7\02\d6\fd\1f\03\92\22\02\43\00\00\c0\7f\20\02\20\02\5b\1b\91\22\03\43\00\00\c0\7f\20\03\20\03\5b\1b\02\01\fd\0c\17\de\fb\5f\72\27\6a\6c\ff\ac\61\bc\11\9e\ef\3c\fd\ca\01\fd\fc\01\fd\ed\01\43\00\00\20\00\bc\10\00\43\ee\ee\ee\ee\97\22\04\43\00\00\c0\7f\20\04\20\04\5b\1b\5e\77\fd\ab\01\fd\8a\01\fd\63\02\01\fc\0d\00\03\01\23\04\45\04\40\00\0b\23\04\41\01\6b\24\04\0c\00\fc\0d\00\0c\00\0c\00\20\00\10\00\90\22\05\43\00\00\c0\7f\20\05\20\05\5b\1b\5d\04\01\fd\0c\d5\1a\36\86\f1\44\7e\94\11\87\70\54\1e\16\be\08\fd\6a\22\06\fd\0c\00\00\c0\7f\00\00\c0\7f\00\00\c0\7f\00\00\c0\7f\20\06\20\06\fd\41\fd\52\fd\a8\01\23\00\fd\51\24\00\44\00\00\00\00\00\00\80\ff\05\44\ff\ff\ff\ff\ff\ff\ff\fd\0b\bd\23\01\85\24\01\23\02\73\24\02\23\00\fd\51\24\00\23\02\73\24\02\bc\23\03\73\24\03\44\01\d6\6d\89\c5\6a\9c\58\0b\0b\bd\23\01\85\24\01\23\02\73\24\02\23\02\73\24\02\23\02\73\24\02\23\00\fd\51\24\00\44\97\54\77\3a\d9\2d\04\eb\0b\bd\23\01\85\24\01\bc\23\03\73\24\03\bc\23\03\73\24\03\23\02\73\24\02\23\00\fd\51\24\00\23\02\73\24\02\fd\0c\ff\ff\ff\ff\fb\ff\ff\ff\ff\ff\03\00\00\00\00\00\41\80\80\80\01\43\08\62\6f\e2\43\d1\2f\23\db\0b")
(assert_trap (invoke "$" ) "unreachable")
(assert_trap (invoke "$" ) "unreachable")
(assert_return (get "") (v128.const i64x2 0 0))
(assert_return (get "/,w\0bY") (i64.const 0))
(assert_return (get "3") (i32.const 0))
(assert_return (get "U") (i32.const 0))

(module
  (func (export "f") (result f32)
    (f32.mul (f32x4.extract_lane 3 (v128.const i32x4 0x87b8c29f 0x95c3d4c8 0x03f9508f 0x3f800000)) (f32.const 2))))
(assert_return (invoke "f") (f32.const 2))
