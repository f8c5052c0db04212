;; title:  Fennel language trace
;; script: fennel

;; What Fennel's forms evaluate to, traced one line each: the same cart run on TIC-80
;; (tests/golden/fennel/lang_trace.txt) and on Cartbox must trace the same lines.

(fn show [label ...]
  (let [n (select :# ...)
        parts (fcollect [i 1 n] (tostring (select i ...)))]
    (trace (.. label ": " (table.concat parts " ")))))

; literals and operators
(show :literals 1 -2 1.5 0x10 1_000 .5 :key "a\tb" "\u{48}\65" nil true false)
(show :arith (+ 1 2 3) (- 5) (- 10 2 3) (* 2 3) (/ 7 2) (// 7 2) (% -7 3) (^ 2 3) (+ 1 2.0))
(show :empty (+) (*) (..) (.. "a" 1 "b" 2.5))
(show :compare (< 1 2 3) (< 1 3 2) (<= 2 2 3) (> 3 2 1) (= 1 1) (= 1 1.0) (not= 1 2) (~= 1 1))
(show :logic (and 1 2) (or nil 3) (and) (or) (and 1 nil 2) (or false nil) (not nil) (not 0))
(show :bits (band 12 10) (bor 12 10) (bxor 12 10) (bnot 0) (lshift 1 4) (rshift 256 2) (band 7))
(show :length (length [1 2 3]) (# "abcd") (length "") (^ -2 2) (- -3))

; bindings
(local x 1)
(var y 2)
(set y (+ x y))
(global g 5)
(set h 6)
(global my-global 7)
(local my-local 8)
(local end 9)
(show :bindings x y g h _G.g my-global (. _G :my-global) my-local end)
(local t {:z {}})
(set t.x 1)
(tset t :y 2)
(tset t :z :w 3)
(set (. t :v) 4)
(show :tset t.x t.y t.z.w (. t :z :w) t.v)

; functions
(fn add [a b] (+ a b))
(fn fact [n] (if (= n 0) 1 (* n (fact (- n 1)))))
(fn rest [a & more] (values a (length more) (. more 2)))
(fn count [...] (select :# ...))
(fn doc [] "a docstring" (values 1 2))
(local obj {:k 10})
(fn obj.double [v] (* v 2))
(fn obj.plus [self v] (+ self.k v))
(show :functions (add 2 3) (fact 5) (rest 1 2 3) (count 1 nil 3) (doc) (obj.double 4) (obj:plus 1) (: obj :plus 2))
(show :nothing (select :# ((fn []))) (select :# ((fn [] (values)))) ((fn [] nil)))
(show :hashfn (#(+ $1 $2) 3 4) (#$ 9) (#(select :# $...) 1 2 3) (. (#[$1 $3] :a :b :c) 2))
(local lam (lambda [a ?b] (or ?b a)))
(show :lambda (lam 1) (lam 1 2) (let [(ok) (pcall lam)] ok))
(local counter
  (let [state {:n 0}]
    (fn [] (set state.n (+ state.n 1)) state.n)))
(counter)
(show :closure (counter) (counter))
(var closures [])
(for [i 1 3] (table.insert closures (fn [] i)))
(show :loop-closures ((. closures 1)) ((. closures 3)))

; let, if, when, do
(show :let (let [a 1 b (+ a 1)] (* a b)) (let [x (+ x 10)] x) x)
(fn sign [n] (if (< n 0) :neg (= n 0) :zero :pos))
(show :if (if true 1 2) (if false 1 2) (if false 1) (sign -1) (sign 0) (sign 1))
(show :when (when true :yes) (when false :no) (do 1 2 3))
(fn order [tag v] (trace (.. "  eval " tag)) v)
(show :order (if (order :c1 false) 1 (order :c2 true) 2 3))
(show :short (and (order :a false) (let [v (order :b true)] v)) (or (order :c 1) (do (order :d 2))))
(show :if-values (if true (values 1 2) 3))
(var n 0)
(show :elseif-let (if (= n 1) :one (let [m (+ n 1)] (= m 1)) :next :other))

; loops
(var acc [])
(for [i 1 3] (table.insert acc i))
(for [i 10 1 -4] (table.insert acc i))
(for [i 1 10 &until (> i 2)] (table.insert acc (* i 100)))
(each [_ v (ipairs [:a :b])] (table.insert acc v))
(each [k v (pairs {:only 1})] (table.insert acc k))
(var w 0)
(while (< w 3) (set w (+ w 1)))
(while (let [done (>= w 5)] (not done)) (set w (+ w 1)))
(show :loops (table.concat acc ",") w)
(show :icollect (table.concat (icollect [_ v (ipairs [1 2 3 4])] (if (not= v 2) (* v 10))) ","))
(show :into (table.concat (icollect [_ v (ipairs [2 3]) &into [1]] v) ","))
(local swapped (collect [k v (pairs {:a 1})] (values v k)))
(local doubled (collect [k v (pairs {:a 1})] k (* v 2)))
(show :collect (. swapped 1) doubled.a)
(show :accumulate (accumulate [s 0 _ v (ipairs [1 2 3])] (+ s v)) (accumulate [s "" _ c (ipairs [:x :y])] (.. s c)))
(show :fcollect (table.concat (fcollect [i 1 4] (* i i)) ",") (faccumulate [p 1 i 1 5] (* p i)))
(each [_ [a b] (ipairs [[1 2] [3 4]])] (show :each-destructure a b))

; destructuring
(let [[a b & c] [1 2 3 4]] (show :seq a b (length c)))
(let [{:x px :y [p q]} {:x 1 :y [2 3]}] (show :table px p q))
(let [{: x : y &as all} {:x 5 :y 6}] (show :shorthand x y all.x))
(let [(a b) (values 1 2)] (show :values a b))
(local (va [vb vc]) (values 1 [2 3]))
(show :local-values va vb vc)
(var sa 0)
(var sb 0)
(set (sa sb) (values 5 6))
(set [sa sb] [sb sa])
(show :set-destructure sa sb)
(fn params [{: x} [y z]] (+ x y z))
(show :params (params {:x 1} [2 3]))
(let [(ok err) (pcall error :boom 0)] (show :pcall ok err))

; tables and indexing
(local tt {:a 1 "b c" 2 3 :three :nested {:deep [7 8]}})
(show :tables tt.a (. tt "b c") (. tt 3) tt.nested.deep.2 (. tt :nested :deep 1))
(show :safe (?. tt :nested :deep 2) (?. tt :missing :deep) (?. nil :a))
(show :methods (: "abc" :upper) (: "a,b" :gsub "," ";") (let [s "hi"] (s:rep 2)))
(show :seq-multi (length [(values 1 2 3)]) (length [(values 1 2 3) 4]))

; threading, doto, partial, pick-values
(show :thread (-> 5 (+ 1) (* 2)) (->> 5 (- 10)) (-?> nil (+ 1)) (-?> 1 (+ 1)) (-?>> 2 (- 10)) (-> [1 2] (. 2)))
(local built (doto [] (table.insert :p) (table.insert :q)))
(show :doto (table.concat built))
(local add3 (partial add 3))
(show :partial (add3 4))
(show :pick-values (pick-values 2 (values 1 2 3)) (select :# (pick-values 0 (values 1 2))))

; match and case
(fn classify [v]
  (match v
    1 :one
    [a b] (.. :seq a b)
    {:k kv} (.. :tbl kv)
    (where num (> num 10)) :big
    _ :other))
(show :match (classify 1) (classify [2 3]) (classify {:k 4}) (classify 11) (classify 5))
(local pinned 2)
(show :pinned (match 3 pinned :same _ :diff) (match 2 pinned :same _ :diff) (case 3 pinned (.. :bound pinned)))
(show :multi (match (values 1 2) (1 b) b) (match nil nil :nil _ :x) (match 5 (where (or 4 5)) :four-or-five))
(show :nullable (match [1] [a ?b] (tostring ?b)) (match [1 2 3] [1 & more] (length more)))
(show :case-eq (case 4 (where (= pinned)) :pin 4 :four) (case 2 (where (= pinned)) :pin _ :no))
(show :no-match (match 9 1 :one))

(fn _G.TIC []
  (cls 0)
  (when (= 1 (time)) (trace :never)))
