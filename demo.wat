(module $demo
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (param i32)))
  (type (;2;) (func (param i64)))
  (type (;3;) (func))
  (type (;4;) (func (param i32) (result i64)))
  (type (;5;) (func (param i64) (result i64)))
  (import "env" "putchar" (func $putchar (;0;) (type 0) (param i32) (result i32)))
  (memory (;0;) 1)
  (export "memory" (memory 0))
  (export "_start" (func 9))
  (func $print (;1;) (type 1) (param $p i32)
    (local $c i32)
    block $done
      loop $next
        local.get $p
        i32.load8_u
        local.set $c
        local.get $c
        i32.eqz
        br_if $done
        local.get $c
        call $putchar
        drop
        local.get $p
        i32.const 1
        i32.add
        local.set $p
        br $next
      end
    end
  )
  (func $print_u64 (;2;) (type 2) (param $n i64)
    local.get $n
    i64.const 10
    i64.ge_u
    if ;; label = @1
      local.get $n
      i64.const 10
      i64.div_u
      call $print_u64
    end
    i32.const 48
    local.get $n
    i64.const 10
    i64.rem_u
    i32.wrap_i64
    i32.add
    call $putchar
    drop
  )
  (func $space (;3;) (type 3)
    i32.const 32
    call $putchar
    drop
  )
  (func $newline (;4;) (type 3)
    i32.const 10
    call $putchar
    drop
  )
  (func $fib (;5;) (type 4) (param $n i32) (result i64)
    (local $a i64) (local $b i64) (local $t i64)
    i64.const 1
    local.set $b
    block $done
      loop $step
        local.get $n
        i32.eqz
        br_if $done
        local.get $a
        local.get $b
        i64.add
        local.set $t
        local.get $b
        local.set $a
        local.get $t
        local.set $b
        local.get $n
        i32.const 1
        i32.sub
        local.set $n
        br $step
      end
    end
    local.get $a
  )
  (func $factorial (;6;) (type 5) (param $n i64) (result i64)
    local.get $n
    i64.const 1
    i64.le_u
    if (result i64) ;; label = @1
      i64.const 1
    else
      local.get $n
      local.get $n
      i64.const 1
      i64.sub
      call $factorial
      i64.mul
    end
  )
  (func $is_prime (;7;) (type 0) (param $n i32) (result i32)
    (local $d i32)
    local.get $n
    i32.const 2
    i32.lt_u
    if ;; label = @1
      i32.const 0
      return
    end
    i32.const 2
    local.set $d
    block $done
      loop $try
        local.get $d
        local.get $d
        i32.mul
        local.get $n
        i32.gt_u
        br_if $done
        local.get $n
        local.get $d
        i32.rem_u
        i32.eqz
        if ;; label = @3
          i32.const 0
          return
        end
        local.get $d
        i32.const 1
        i32.add
        local.set $d
        br $try
      end
    end
    i32.const 1
  )
  (func $sum_squares (;8;) (type 4) (param $n i32) (result i64)
    (local $i i32) (local $sum i64)
    i32.const 1
    local.set $i
    block $filled
      loop $fill
        local.get $i
        local.get $n
        i32.gt_u
        br_if $filled
        i32.const 4096
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        local.get $i
        local.get $i
        i32.mul
        i32.store
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $fill
      end
    end
    i32.const 1
    local.set $i
    block $summed
      loop $add
        local.get $i
        local.get $n
        i32.gt_u
        br_if $summed
        local.get $sum
        i32.const 4096
        local.get $i
        i32.const 2
        i32.shl
        i32.add
        i32.load
        i64.extend_i32_u
        i64.add
        local.set $sum
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $add
      end
    end
    local.get $sum
  )
  (func (;9;) (type 3)
    (local $i i32)
    i32.const 0
    call $print
    i32.const 128
    call $print
    block $done
      loop $each
        local.get $i
        i32.const 15
        i32.gt_u
        br_if $done
        call $space
        local.get $i
        call $fib
        call $print_u64
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $each
      end
    end
    call $newline
    i32.const 192
    call $print
    i64.const 10
    call $factorial
    call $print_u64
    call $newline
    i32.const 256
    call $print
    i64.const 20
    call $factorial
    call $print_u64
    call $newline
    i32.const 320
    call $print
    i32.const 0
    local.set $i
    block $done
      loop $each
        local.get $i
        i32.const 50
        i32.ge_u
        br_if $done
        local.get $i
        call $is_prime
        if ;; label = @3
          call $space
          local.get $i
          i64.extend_i32_u
          call $print_u64
        end
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $each
      end
    end
    call $newline
    i32.const 384
    call $print
    i32.const 100
    call $sum_squares
    call $print_u64
    call $newline
    i32.const 448
    call $print
    f64.const 0x1p+1 (;=2;)
    f64.sqrt
    f64.const 0x1.e848p+19 (;=1000000;)
    f64.mul
    i64.trunc_f64_u
    call $print_u64
    call $newline
  )
  (data (;0;) (i32.const 0) "innative demo: WebAssembly compiled ahead of time to native code\0a\00")
  (data (;1;) (i32.const 128) "fib(0..15):\00")
  (data (;2;) (i32.const 192) "10! = \00")
  (data (;3;) (i32.const 256) "20! = \00")
  (data (;4;) (i32.const 320) "primes below 50:\00")
  (data (;5;) (i32.const 384) "sum of squares 1..100 (via linear memory) = \00")
  (data (;6;) (i32.const 448) "floor(sqrt(2) * 1e6) = \00")
)
