;; The fast decoder's walk (scan/_walk.ts SlotWalker.object) in WebAssembly,
;; for the read buffers of a scan, which live in this module's memory.
;;
;; decode(p, end, gen, base) walks the JSON object at p (a line, [p, end)),
;; writing the slots of the keys of the line spec (the layout set by init):
;; seen[e] = gen, vt[e], vs[e]/ve[e] (string bytes, as offsets from base),
;; num[e]. It returns the index past the object, or -1 whenever it is not
;; sure to answer what the JS walk answers: then the JS walk decides the line
;; (the caller starts a new generation first). So only the common, simple
;; shapes are handled here: keys without escapes, plain ASCII strings, whole
;; numbers written with digits only; anything else is left to JS.
;;
;; Skipped values: strings 16 bytes a step, containers 64 bytes a step
;; (backslash and quote bitmasks, simdjson's odd-backslash-run trick for the
;; escaped bytes, a prefix XOR of the unescaped quotes for the in-string
;; mask, brackets counted outside strings). Reads up to 63 bytes past end:
;; the memory must extend that far beyond any line given.
;;
;; Build: scripts/build-wasm.mjs writes the binary into _walk-wasm.ts.
(module
  (memory (export "memory") 1)

  ;; the layout (addresses of arrays in this memory), set once by init
  (global $table (mut i32) (i32.const 0)) ;; i32[mask + 1]: entry, or -1
  (global $mask (mut i32) (i32.const 0))
  (global $group (mut i32) (i32.const 0)) ;; i32[n]
  (global $klen (mut i32) (i32.const 0)) ;; i32[n]
  (global $koff (mut i32) (i32.const 0)) ;; i32[n]: address of the key's bytes
  (global $kind (mut i32) (i32.const 0)) ;; i32[n]
  (global $child (mut i32) (i32.const 0)) ;; i32[n]
  (global $maybe (mut i32) (i32.const 0)) ;; u8[64 * 256]: (length, first byte) pairs some key has
  (global $seen (mut i32) (i32.const 0)) ;; i32[n]
  (global $vt (mut i32) (i32.const 0)) ;; u8[n]
  (global $vs (mut i32) (i32.const 0)) ;; i32[n]
  (global $ve (mut i32) (i32.const 0)) ;; i32[n]
  (global $num (mut i32) (i32.const 0)) ;; f64[n]
  ;; per call
  (global $gen (mut i32) (i32.const 0))
  (global $base (mut i32) (i32.const 0))

  (func (export "init")
    (param $table i32) (param $mask i32) (param $group i32) (param $klen i32) (param $koff i32) (param $kind i32) (param $child i32)
    (param $maybe i32) (param $seen i32) (param $vt i32) (param $vs i32) (param $ve i32) (param $num i32)
    (global.set $table (local.get $table)) (global.set $mask (local.get $mask)) (global.set $group (local.get $group))
    (global.set $klen (local.get $klen)) (global.set $koff (local.get $koff)) (global.set $kind (local.get $kind))
    (global.set $child (local.get $child)) (global.set $maybe (local.get $maybe)) (global.set $seen (local.get $seen))
    (global.set $vt (local.get $vt)) (global.set $vs (local.get $vs)) (global.set $ve (local.get $ve)) (global.set $num (local.get $num)))

  (func (export "decode") (param $p i32) (param $end i32) (param $gen i32) (param $base i32) (result i32)
    (global.set $gen (local.get $gen))
    (global.set $base (local.get $base))
    (call $object (local.get $p) (local.get $end) (i32.const 0)))

  ;; the byte at p, or -1 at or past end
  (func $at (param $p i32) (param $end i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $p) (local.get $end))
      (then (i32.load8_u (local.get $p)))
      (else (i32.const -1))))

  (func $isWs (param $c i32) (result i32)
    (i32.or
      (i32.or (i32.eq (local.get $c) (i32.const 32)) (i32.eq (local.get $c) (i32.const 10)))
      (i32.or (i32.eq (local.get $c) (i32.const 13)) (i32.eq (local.get $c) (i32.const 9)))))

  (func $skipWs (param $p i32) (param $end i32) (result i32)
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $p) (local.get $end)))
        (br_if $out (i32.eqz (call $isWs (i32.load8_u (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (local.get $p))

  ;; entry of key [s, s + len) in group g, or -1 (skim's keyHash and open addressing); 0 < len < 64
  (func $lookup (param $g i32) (param $s i32) (param $len i32) (result i32)
    (local $h i32) (local $x i32) (local $i i32) (local $k i32)
    (local.set $h
      (i32.and
        (i32.xor
          (i32.xor
            (i32.mul (i32.add (i32.mul (local.get $len) (i32.const 31)) (i32.load8_u (local.get $s))) (i32.const 0x9e3779b1))
            (i32.mul (i32.add (i32.load8_u (i32.sub (i32.add (local.get $s) (local.get $len)) (i32.const 1))) (i32.const 1)) (i32.const 0x85ebca6b)))
          (i32.mul (i32.add (local.get $g) (i32.const 1)) (i32.const 0xc2b2ae35)))
        (global.get $mask)))
    (loop $probe
      (local.set $x (i32.load (i32.add (global.get $table) (i32.shl (local.get $h) (i32.const 2)))))
      (if (i32.lt_s (local.get $x) (i32.const 0)) (then (return (i32.const -1))))
      (if (i32.and
            (i32.eq (i32.load (i32.add (global.get $group) (i32.shl (local.get $x) (i32.const 2)))) (local.get $g))
            (i32.eq (i32.load (i32.add (global.get $klen) (i32.shl (local.get $x) (i32.const 2)))) (local.get $len)))
        (then
          ;; 16 bytes at a time (reading past either key is harmless: memory follows both, the extra bytes are masked off)
          (local.set $k (i32.load (i32.add (global.get $koff) (i32.shl (local.get $x) (i32.const 2)))))
          (local.set $i (i32.const 0))
          (block $differ
            (loop $cmp
              (if (i32.ge_u (i32.add (local.get $i) (i32.const 16)) (local.get $len))
                (then
                  ;; the last (up to 16) bytes
                  (br_if $differ
                    (i32.and
                      (i8x16.bitmask (i8x16.ne (v128.load (i32.add (local.get $s) (local.get $i))) (v128.load (i32.add (local.get $k) (local.get $i)))))
                      (i32.sub (i32.shl (i32.const 1) (i32.sub (local.get $len) (local.get $i))) (i32.const 1))))
                  (return (local.get $x))))
              (br_if $differ
                (i8x16.bitmask (i8x16.ne (v128.load (i32.add (local.get $s) (local.get $i))) (v128.load (i32.add (local.get $k) (local.get $i))))))
              (local.set $i (i32.add (local.get $i) (i32.const 16)))
              (br $cmp)))))
      (local.set $h (i32.and (i32.add (local.get $h) (i32.const 1)) (global.get $mask)))
      (br $probe))
    (unreachable))

  ;; p at an opening quote: the index past the closing quote, or -1
  (func $skipString (param $p i32) (param $end i32) (result i32)
    (local $q i32) (local $m i32) (local $d i32)
    (local.set $q (i32.add (local.get $p) (i32.const 1)))
    (loop $next
      (if (i32.le_u (i32.add (local.get $q) (i32.const 16)) (local.get $end))
        (then
          (local.set $m
            (i8x16.bitmask
              (v128.or
                (i8x16.eq (v128.load (local.get $q)) (i8x16.splat (i32.const 0x22)))
                (i8x16.eq (v128.load (local.get $q)) (i8x16.splat (i32.const 0x5c))))))
          (if (i32.eqz (local.get $m))
            (then
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (br $next)))
          (local.set $q (i32.add (local.get $q) (i32.ctz (local.get $m)))))
        (else
          (if (i32.ge_u (local.get $q) (local.get $end)) (then (return (i32.const -1))))))
      (local.set $d (i32.load8_u (local.get $q)))
      (if (i32.eq (local.get $d) (i32.const 0x22)) (then (return (i32.add (local.get $q) (i32.const 1)))))
      (local.set $q (i32.add (local.get $q) (select (i32.const 2) (i32.const 1) (i32.eq (local.get $d) (i32.const 0x5c)))))
      (br $next))
    (unreachable))

  ;; bitmask of the 64 bytes at $p that equal $c
  (func $eq64 (param $p i32) (param $c v128) (result i64)
    (i64.or
      (i64.or
        (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=0 (local.get $p)) (local.get $c))))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=16 (local.get $p)) (local.get $c)))) (i64.const 16)))
      (i64.or
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=32 (local.get $p)) (local.get $c)))) (i64.const 32))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.load offset=48 (local.get $p)) (local.get $c)))) (i64.const 48)))))

  ;; the same on the bytes OR 0x20, which folds '[' (0x5b) onto '{' (0x7b) and ']' (0x5d) onto '}' (0x7d)
  (func $fold64 (param $p i32) (param $c v128) (result i64)
    (local $k v128)
    (local.set $k (i8x16.splat (i32.const 0x20)))
    (i64.or
      (i64.or
        (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (v128.load offset=0 (local.get $p)) (local.get $k)) (local.get $c))))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (v128.load offset=16 (local.get $p)) (local.get $k)) (local.get $c)))) (i64.const 16)))
      (i64.or
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (v128.load offset=32 (local.get $p)) (local.get $k)) (local.get $c)))) (i64.const 32))
        (i64.shl (i64.extend_i32_u (i8x16.bitmask (i8x16.eq (v128.or (v128.load offset=48 (local.get $p)) (local.get $k)) (local.get $c)))) (i64.const 48)))))

  ;; p at '{' or '[': the index past the bracket that closes it, or -1 (none before end, or a backslash outside a string)
  (func $skipContainer (param $p i32) (param $end i32) (result i32)
    (local $pos i32) (local $depth i64) (local $valid i64)
    (local $bs i64) (local $q i64) (local $op i64) (local $cl i64)
    (local $starts i64) (local $evenStart i64) (local $evenCarries i64) (local $oddCarries i64)
    (local $prevOdd i64) (local $nextOdd i64) (local $escaped i64)
    (local $inStr i64) (local $prevIn i64) (local $bits i64) (local $i i64)
    (local.set $pos (local.get $p))
    (loop $blocks
      (if (i32.ge_u (local.get $pos) (local.get $end)) (then (return (i32.const -1))))
      ;; bytes at or past end are not looked at
      (local.set $valid (i64.const -1))
      (if (i32.lt_u (i32.sub (local.get $end) (local.get $pos)) (i32.const 64))
        (then (local.set $valid (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (i32.sub (local.get $end) (local.get $pos)))) (i64.const 1)))))
      (local.set $bs (i64.and (call $eq64 (local.get $pos) (i8x16.splat (i32.const 0x5c))) (local.get $valid)))
      (local.set $q (i64.and (call $eq64 (local.get $pos) (i8x16.splat (i32.const 0x22))) (local.get $valid)))
      (local.set $op (i64.and (call $fold64 (local.get $pos) (i8x16.splat (i32.const 0x7b))) (local.get $valid)))
      (local.set $cl (i64.and (call $fold64 (local.get $pos) (i8x16.splat (i32.const 0x7d))) (local.get $valid)))
      ;; escaped bytes: those just after a run of backslashes of odd length
      (if (i64.eqz (i64.or (local.get $bs) (local.get $prevOdd)))
        (then (local.set $escaped (i64.const 0)))
        (else
          (local.set $starts (i64.and (local.get $bs) (i64.xor (i64.shl (local.get $bs) (i64.const 1)) (i64.const -1))))
          ;; runs starting on even bits, flipped when the previous block ended inside an odd run
          (local.set $evenStart (i64.xor (i64.const 0x5555555555555555) (local.get $prevOdd)))
          (local.set $evenCarries (i64.add (local.get $bs) (i64.and (local.get $starts) (local.get $evenStart))))
          (local.set $oddCarries (i64.add (local.get $bs) (i64.and (local.get $starts) (i64.xor (local.get $evenStart) (i64.const -1)))))
          ;; the carry out of bit 63 of that add: an odd run reaches into the next block
          (local.set $nextOdd (i64.extend_i32_u (i64.lt_u (local.get $oddCarries) (local.get $bs))))
          (local.set $oddCarries (i64.or (local.get $oddCarries) (local.get $prevOdd)))
          (local.set $prevOdd (local.get $nextOdd))
          (local.set $escaped
            (i64.or
              (i64.and (i64.and (local.get $evenCarries) (i64.xor (local.get $bs) (i64.const -1))) (i64.const 0xAAAAAAAAAAAAAAAA))
              (i64.and (i64.and (local.get $oddCarries) (i64.xor (local.get $bs) (i64.const -1))) (i64.const 0x5555555555555555))))))
      (local.set $q (i64.and (local.get $q) (i64.xor (local.get $escaped) (i64.const -1))))
      ;; in a string: from an opening quote (in) to its closing quote (out), as a prefix XOR
      (local.set $inStr (local.get $q))
      (local.set $inStr (i64.xor (local.get $inStr) (i64.shl (local.get $inStr) (i64.const 1))))
      (local.set $inStr (i64.xor (local.get $inStr) (i64.shl (local.get $inStr) (i64.const 2))))
      (local.set $inStr (i64.xor (local.get $inStr) (i64.shl (local.get $inStr) (i64.const 4))))
      (local.set $inStr (i64.xor (local.get $inStr) (i64.shl (local.get $inStr) (i64.const 8))))
      (local.set $inStr (i64.xor (local.get $inStr) (i64.shl (local.get $inStr) (i64.const 16))))
      (local.set $inStr (i64.xor (local.get $inStr) (i64.shl (local.get $inStr) (i64.const 32))))
      (local.set $inStr (i64.xor (local.get $inStr) (local.get $prevIn)))
      (local.set $prevIn (i64.shr_s (local.get $inStr) (i64.const 63)))
      ;; a backslash outside a string: not JSON, and the JS walk reads it otherwise
      (if (i64.ne (i64.and (local.get $bs) (i64.xor (local.get $inStr) (i64.const -1))) (i64.const 0))
        (then (return (i32.const -1))))
      (local.set $op (i64.and (local.get $op) (i64.xor (local.get $inStr) (i64.const -1))))
      (local.set $cl (i64.and (local.get $cl) (i64.xor (local.get $inStr) (i64.const -1))))
      (if (i64.gt_s (local.get $depth) (i64.popcnt (local.get $cl)))
        ;; too few closers to reach zero here
        (then (local.set $depth (i64.add (local.get $depth) (i64.sub (i64.popcnt (local.get $op)) (i64.popcnt (local.get $cl))))))
        (else
          (local.set $bits (i64.or (local.get $op) (local.get $cl)))
          (block $scanned
            (loop $each
              (br_if $scanned (i64.eqz (local.get $bits)))
              (local.set $i (i64.ctz (local.get $bits)))
              (if (i64.ne (i64.and (local.get $op) (i64.shl (i64.const 1) (local.get $i))) (i64.const 0))
                (then (local.set $depth (i64.add (local.get $depth) (i64.const 1))))
                (else
                  (local.set $depth (i64.sub (local.get $depth) (i64.const 1)))
                  (if (i64.eqz (local.get $depth))
                    (then (return (i32.add (i32.add (local.get $pos) (i32.wrap_i64 (local.get $i))) (i32.const 1)))))))
              (local.set $bits (i64.and (local.get $bits) (i64.sub (local.get $bits) (i64.const 1))))
              (br $each)))))
      (local.set $pos (i32.add (local.get $pos) (i32.const 64)))
      (br $blocks))
    (unreachable))

  ;; skim's skipValue: any JSON value at p; the index past it, or -1
  (func $skipValue (param $p i32) (param $end i32) (result i32)
    (local $c i32) (local $i i32) (local $d i32)
    (local.set $c (call $at (local.get $p) (local.get $end)))
    (if (i32.eq (local.get $c) (i32.const 0x22)) (then (return (call $skipString (local.get $p) (local.get $end)))))
    (if (i32.or (i32.eq (local.get $c) (i32.const 0x7b)) (i32.eq (local.get $c) (i32.const 0x5b)))
      (then (return (call $skipContainer (local.get $p) (local.get $end)))))
    ;; number, true, false, null: runs until a delimiter
    (local.set $i (local.get $p))
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $d (i32.load8_u (local.get $i)))
        (br_if $out (i32.or (i32.or (i32.eq (local.get $d) (i32.const 0x2c)) (i32.eq (local.get $d) (i32.const 0x7d))) (i32.or (i32.eq (local.get $d) (i32.const 0x5d)) (call $isWs (local.get $d)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.eq (local.get $i) (local.get $p)) (then (return (i32.const -1))))
    (local.get $i))

  ;; SlotWalker.scalar: the value at p into slot e; the index past it, or -1
  (func $scalar (param $p i32) (param $end i32) (param $e i32) (result i32)
    (local $c i32) (local $q i32) (local $d i32) (local $i i32) (local $n f64) (local $simple i32) (local $m i32)
    (local.set $c (call $at (local.get $p) (local.get $end)))
    (if (i32.eq (local.get $c) (i32.const 0x22))
      (then
        ;; a number written as a string, or a string that is not plain ASCII without escapes: JS
        (if (i32.eq (i32.load (i32.add (global.get $kind) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 1)) (then (return (i32.const -1))))
        (local.set $q (i32.add (local.get $p) (i32.const 1)))
        (loop $next
          (if (i32.le_u (i32.add (local.get $q) (i32.const 16)) (local.get $end))
            (then
              ;; a quote, a backslash or a byte >= 0x80 among the next 16
              (local.set $m
                (i8x16.bitmask
                  (v128.or
                    (v128.or
                      (i8x16.eq (v128.load (local.get $q)) (i8x16.splat (i32.const 0x22)))
                      (i8x16.eq (v128.load (local.get $q)) (i8x16.splat (i32.const 0x5c))))
                    (v128.load (local.get $q)))))
              (if (i32.eqz (local.get $m))
                (then
                  (local.set $q (i32.add (local.get $q) (i32.const 16)))
                  (br $next)))
              (local.set $q (i32.add (local.get $q) (i32.ctz (local.get $m)))))
            (else
              (if (i32.ge_u (local.get $q) (local.get $end)) (then (return (i32.const -1))))))
          (local.set $d (i32.load8_u (local.get $q)))
          (if (i32.ne (local.get $d) (i32.const 0x22))
            (then
              (if (i32.or (i32.eq (local.get $d) (i32.const 0x5c)) (i32.ge_u (local.get $d) (i32.const 0x80))) (then (return (i32.const -1))))
              (local.set $q (i32.add (local.get $q) (i32.const 1)))
              (br $next))))
        (i32.store8 (i32.add (global.get $vt) (local.get $e)) (i32.const 1)) ;; V_STR
        (i32.store (i32.add (global.get $vs) (i32.shl (local.get $e) (i32.const 2))) (i32.sub (i32.add (local.get $p) (i32.const 1)) (global.get $base)))
        (i32.store (i32.add (global.get $ve) (i32.shl (local.get $e) (i32.const 2))) (i32.sub (local.get $q) (global.get $base)))
        (return (i32.add (local.get $q) (i32.const 1)))))
    (if (i32.or (i32.eq (local.get $c) (i32.const 0x7b)) (i32.eq (local.get $c) (i32.const 0x5b)))
      (then
        (i32.store8 (i32.add (global.get $vt) (local.get $e)) (i32.const 0)) ;; V_NONE
        (return (call $skipValue (local.get $p) (local.get $end)))))
    (if (i32.eq (local.get $c) (i32.const 0x6e)) ;; n
      (then
        (i32.store8 (i32.add (global.get $vt) (local.get $e)) (i32.const 6)) ;; V_NULL
        (return (call $skipValue (local.get $p) (local.get $end)))))
    (if (i32.or (i32.eq (local.get $c) (i32.const 0x74)) (i32.eq (local.get $c) (i32.const 0x66))) ;; t f
      (then
        (i32.store8 (i32.add (global.get $vt) (local.get $e)) (select (i32.const 4) (i32.const 5) (i32.eq (local.get $c) (i32.const 0x74)))) ;; V_TRUE / V_FALSE
        (return (call $skipValue (local.get $p) (local.get $end)))))
    ;; a number: digits only here (anything else is Number()'s business, in JS)
    (local.set $i (local.get $p))
    (local.set $simple (i32.const 1))
    (block $out
      (loop $next
        (br_if $out (i32.ge_u (local.get $i) (local.get $end)))
        (local.set $d (i32.load8_u (local.get $i)))
        (if (i32.lt_u (i32.sub (local.get $d) (i32.const 48)) (i32.const 10))
          (then (local.set $n (f64.add (f64.mul (local.get $n) (f64.const 10)) (f64.convert_i32_u (i32.sub (local.get $d) (i32.const 48))))))
          (else
            (br_if $out (i32.or (i32.or (i32.eq (local.get $d) (i32.const 0x2c)) (i32.eq (local.get $d) (i32.const 0x7d))) (i32.or (i32.eq (local.get $d) (i32.const 0x5d)) (call $isWs (local.get $d)))))
            (local.set $simple (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (if (i32.or (i32.eq (local.get $i) (local.get $p)) (i32.eqz (local.get $simple))) (then (return (i32.const -1))))
    (i32.store8 (i32.add (global.get $vt) (local.get $e)) (i32.const 3)) ;; V_NUM
    (f64.store (i32.add (global.get $num) (i32.shl (local.get $e) (i32.const 3))) (local.get $n))
    (local.get $i))

  ;; SlotWalker.object: p at '{' of an object of group g; the index past it, or -1
  ;; (whitespace is looked for only where a byte <= 32 stands: JSON written by Claude Code has none)
  (func $object (param $p i32) (param $end i32) (param $g i32) (result i32)
    (local $k i32) (local $c i32) (local $len i32) (local $e i32) (local $m i32)
    (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
    (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x7b)) (then (return (i32.const -1))))
    (local.set $p (i32.add (local.get $p) (i32.const 1)))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32)) (then (local.set $p (call $skipWs (local.get $p) (local.get $end)))))))
    (if (i32.lt_u (local.get $p) (local.get $end))
      (then (if (i32.eq (i32.load8_u (local.get $p)) (i32.const 0x7d)) (then (return (i32.add (local.get $p) (i32.const 1)))))))
    (loop $member
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
      (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x22)) (then (return (i32.const -1))))
      ;; the key: plain bytes up to its quote, 16 at a time (a backslash in a key: JS)
      (local.set $k (i32.add (local.get $p) (i32.const 1)))
      (block $keyEnd
        (loop $keyScan
          (if (i32.le_u (i32.add (local.get $k) (i32.const 16)) (local.get $end))
            (then
              (local.set $m
                (i8x16.bitmask
                  (v128.or
                    (i8x16.eq (v128.load (local.get $k)) (i8x16.splat (i32.const 0x22)))
                    (i8x16.eq (v128.load (local.get $k)) (i8x16.splat (i32.const 0x5c))))))
              (if (i32.eqz (local.get $m))
                (then
                  (local.set $k (i32.add (local.get $k) (i32.const 16)))
                  (br $keyScan)))
              (local.set $k (i32.add (local.get $k) (i32.ctz (local.get $m))))
              (br $keyEnd)))
          (br_if $keyEnd (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $c (i32.load8_u (local.get $k)))
          (br_if $keyEnd (i32.or (i32.eq (local.get $c) (i32.const 0x22)) (i32.eq (local.get $c) (i32.const 0x5c))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br $keyScan)))
      (if (i32.ge_u (local.get $k) (local.get $end)) (then (return (i32.const -1))))
      (if (i32.ne (i32.load8_u (local.get $k)) (i32.const 0x22)) (then (return (i32.const -1))))
      (local.set $len (i32.sub (i32.sub (local.get $k) (local.get $p)) (i32.const 1)))
      (local.set $e (i32.const -1))
      (if (i32.and (i32.gt_s (local.get $len) (i32.const 0)) (i32.lt_s (local.get $len) (i32.const 64)))
        (then
          (if (i32.load8_u (i32.add (global.get $maybe) (i32.add (i32.shl (local.get $len) (i32.const 8)) (i32.load8_u (i32.add (local.get $p) (i32.const 1))))))
            (then (local.set $e (call $lookup (local.get $g) (i32.add (local.get $p) (i32.const 1)) (local.get $len)))))))
      (local.set $p (i32.add (local.get $k) (i32.const 1)))
      ;; the colon
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
      (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x3a))
        (then
          (local.set $p (call $skipWs (local.get $p) (local.get $end)))
          (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
          (if (i32.ne (i32.load8_u (local.get $p)) (i32.const 0x3a)) (then (return (i32.const -1))))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (if (i32.lt_u (local.get $p) (local.get $end))
        (then (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32)) (then (local.set $p (call $skipWs (local.get $p) (local.get $end)))))))
      (if (i32.lt_s (local.get $e) (i32.const 0))
        (then (local.set $p (call $skipValue (local.get $p) (local.get $end))))
        (else
          ;; a key given twice: JSON.parse's last-one-wins is the generic decoder's business (so JS's too)
          (if (i32.eq (i32.load (i32.add (global.get $seen) (i32.shl (local.get $e) (i32.const 2)))) (global.get $gen)) (then (return (i32.const -1))))
          (i32.store (i32.add (global.get $seen) (i32.shl (local.get $e) (i32.const 2))) (global.get $gen))
          (if (i32.eq (i32.load (i32.add (global.get $kind) (i32.shl (local.get $e) (i32.const 2)))) (i32.const 3)) ;; K_OBJ
            (then
              (if (i32.eq (call $at (local.get $p) (local.get $end)) (i32.const 0x7b))
                (then
                  (i32.store8 (i32.add (global.get $vt) (local.get $e)) (i32.const 7)) ;; V_OBJ
                  (local.set $p (call $object (local.get $p) (local.get $end) (i32.load (i32.add (global.get $child) (i32.shl (local.get $e) (i32.const 2)))))))
                (else
                  (i32.store8 (i32.add (global.get $vt) (local.get $e)) (i32.const 0)) ;; V_NONE
                  (local.set $p (call $skipValue (local.get $p) (local.get $end))))))
            (else (local.set $p (call $scalar (local.get $p) (local.get $end) (local.get $e)))))))
      (if (i32.lt_s (local.get $p) (i32.const 0)) (then (return (i32.const -1))))
      (if (i32.ge_u (local.get $p) (local.get $end)) (then (return (i32.const -1))))
      (local.set $c (i32.load8_u (local.get $p)))
      (if (i32.le_u (local.get $c) (i32.const 32))
        (then
          (local.set $p (call $skipWs (local.get $p) (local.get $end)))
          (local.set $c (call $at (local.get $p) (local.get $end)))))
      (if (i32.eq (local.get $c) (i32.const 0x2c))
        (then
          (local.set $p (i32.add (local.get $p) (i32.const 1)))
          (if (i32.lt_u (local.get $p) (local.get $end))
            (then (if (i32.le_u (i32.load8_u (local.get $p)) (i32.const 32)) (then (local.set $p (call $skipWs (local.get $p) (local.get $end)))))))
          (br $member)))
      (if (i32.eq (local.get $c) (i32.const 0x7d)) (then (return (i32.add (local.get $p) (i32.const 1)))))
      (return (i32.const -1)))
    (unreachable))
)
