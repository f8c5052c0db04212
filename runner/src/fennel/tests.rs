use super::*;

/// Compiles `src` and runs it on a plain Lua state where `out` collects what is passed to
/// it; returns the collected values, one per line.
fn run(src: &str) -> String {
    let lua_code = compile(src, "t.fnl", None).unwrap_or_else(|e| panic!("{e}\n{src}"));
    crate::luasrc::run_collecting(&lua_code, "t.fnl")
}

fn compile_error(src: &str) -> Error {
    compile(src, "t.fnl", Some(["print".to_owned()].into())).expect_err("should not compile")
}

#[test]
fn literals_and_operators() {
    assert_eq!(
        run("(out 1 -2 1.5 0x10 1_000 .5 :key \"a\\nb\" nil true)"),
        "1 -2 1.5 16 1000 0.5 key a\nb nil true"
    );
    assert_eq!(
        run("(out (+ 1 2 3) (- 5) (- 10 2 3) (* 2 3) (/ 8 2) (// 7 2) (% 7 3) (^ 2 3))"),
        "6 -5 5 6 4.0 3 1 8.0"
    );
    assert_eq!(run("(out (+) (*) (.. \"a\" 1 \"b\") (..))"), "0 1 a1b ");
    assert_eq!(
        run("(out (< 1 2 3) (< 1 3 2) (= 1 1) (not= 1 2) (>= 2 2) (not true))"),
        "true false true true true false"
    );
    assert_eq!(
        run("(out (and 1 2) (or nil 3) (and) (or) (and 1 nil 2))"),
        "2 3 true false nil"
    );
    assert_eq!(
        run("(out (band 12 10) (bor 12 10) (bxor 12 10) (bnot 0) (lshift 1 4) (rshift 16 2))"),
        "8 14 6 -1 16 4"
    );
    assert_eq!(
        run("(out (length [1 2 3]) (# \"abcd\") (^ -2 2))"),
        "3 4 -4.0"
    );
}

#[test]
fn locals_vars_and_globals() {
    assert_eq!(
        run("(local x 1) (var y 2) (set y (+ x y)) (out x y)"),
        "1 3"
    );
    assert_eq!(run("(global g 5) (set h 6) (out g h _G.g)"), "5 6 5");
    assert_eq!(
        run("(local my-var 3) (local end 4) (out my-var end)"),
        "3 4"
    );
    assert_eq!(
        run("(global my-global 7) (out my-global (. _G :__fnl_global__my_2dglobal))"),
        "7 7"
    );
    assert_eq!(
        run(
            "(local t {:z {}}) (set t.x 1) (tset t :y 2) (tset t :z :w 3) (out t.x t.y (. t :z :w))"
        ),
        "1 2 3"
    );
}

#[test]
fn functions() {
    assert_eq!(run("(fn add [a b] (+ a b)) (out (add 2 3))"), "5");
    assert_eq!(run("(local f (fn [x] (* x x))) (out (f 4))"), "16");
    assert_eq!(
        run("(fn fact [n] (if (= n 0) 1 (* n (fact (- n 1))))) (out (fact 5))"),
        "120"
    );
    assert_eq!(
        run("(fn f [a & rest] (out a (length rest) (. rest 2))) (f 1 2 3)"),
        "1 2 3"
    );
    assert_eq!(run("(fn f [...] (select :# ...)) (out (f 1 2 3))"), "3");
    assert_eq!(run("(fn f [] \"doc\" (values 1 2)) (out (f))"), "1 2");
    assert_eq!(
        run(
            "(local m {}) (fn m.f [x] (* x 2)) (fn m:g [x] (+ self.k x)) (set m.k 10) (out (m.f 3) (m:g 1) (: m :g 2))"
        ),
        "6 11 12"
    );
    assert_eq!(
        run("(out (#(+ $1 $2) 3 4) (#$ 9) (length (#[$...] 1 2)))"),
        "7 9 2"
    );
}

#[test]
fn lambda_checks_its_arguments() {
    let code = compile("(local f (lambda [x ?y] x)) (f)", "t.fnl", None).unwrap();
    let lua = mlua::Lua::new();
    let e = lua.load(&code).exec().unwrap_err().to_string();
    assert!(e.contains("Missing argument x on t.fnl:1"), "{e}");
}

#[test]
fn let_do_if_when() {
    assert_eq!(run("(let [x 1 y (+ x 1)] (out x y))"), "1 2");
    assert_eq!(run("(local x 5) (let [x (+ x 1)] (out x)) (out x)"), "6\n5");
    assert_eq!(
        run("(out (if true 1 2) (if false 1 2) (if false 1))"),
        "1 2 nil"
    );
    assert_eq!(
        run("(fn f [n] (if (< n 0) :neg (= n 0) :zero :pos)) (out (f -1) (f 0) (f 1))"),
        "neg zero pos"
    );
    assert_eq!(run("(out (let [a 1] (+ a 1)) (do 1 2 3))"), "2 3");
    assert_eq!(
        run("(when true (out :a) (out :b)) (when false (out :c))"),
        "a\nb"
    );
    // An elseif whose condition needs statements first.
    assert_eq!(
        run("(var n 0) (out (if (= n 1) :one (let [m (+ n 1)] (= m 1)) :next :other))"),
        "next"
    );
}

#[test]
fn loops_and_collections() {
    assert_eq!(
        run("(for [i 1 3] (out i)) (for [i 10 1 -4] (out i))"),
        "1\n2\n3\n10\n6\n2"
    );
    assert_eq!(run("(each [i v (ipairs [:a :b])] (out i v))"), "1 a\n2 b");
    assert_eq!(
        run("(var i 0) (while (< i 3) (set i (+ i 1))) (out i)"),
        "3"
    );
    assert_eq!(run("(for [i 1 10 &until (> i 2)] (out i))"), "1\n2");
    assert_eq!(
        run(
            "(out (table.concat (icollect [_ v (ipairs [1 2 3])] (if (not= v 2) (* v 10))) \",\"))"
        ),
        "10,30"
    );
    assert_eq!(
        run("(local t (collect [k v (pairs {:a 1})] (values v k))) (out (. t 1))"),
        "a"
    );
    assert_eq!(
        run("(local t (collect [k v (pairs {:a 1})] k (* v 2))) (out t.a)"),
        "2"
    );
    assert_eq!(
        run("(out (accumulate [s 0 _ v (ipairs [1 2 3])] (+ s v)))"),
        "6"
    );
    assert_eq!(
        run("(out (table.concat (fcollect [i 1 4] (* i i)) \",\"))"),
        "1,4,9,16"
    );
    assert_eq!(run("(out (faccumulate [s 1 i 1 5] (* s i)))"), "120");
    assert_eq!(
        run("(each [_ [a b] (ipairs [[1 2] [3 4]])] (out a b))"),
        "1 2\n3 4"
    );
}

#[test]
fn destructuring() {
    assert_eq!(
        run("(let [[a b & c] [1 2 3 4]] (out a b (length c)))"),
        "1 2 2"
    );
    assert_eq!(
        run("(let [{:x x :y [p q]} {:x 1 :y [2 3]}] (out x p q))"),
        "1 2 3"
    );
    assert_eq!(
        run("(let [{: x : y &as all} {:x 1 :y 2}] (out x y all.x))"),
        "1 2 1"
    );
    assert_eq!(run("(let [(a b) (values 1 2)] (out a b))"), "1 2");
    assert_eq!(
        run("(local (a [b c]) (values 1 [2 3])) (out a b c)"),
        "1 2 3"
    );
    assert_eq!(
        run("(var a 0) (var b 0) (set (a b) (values 5 6)) (set [a b] [b a]) (out a b)"),
        "6 5"
    );
    assert_eq!(run("(fn f [{: x} [y]] (+ x y)) (out (f {:x 1} [2]))"), "3");
}

#[test]
fn tables_and_indexing() {
    assert_eq!(
        run("(local t {:a 1 \"b c\" 2 3 :three}) (out t.a (. t \"b c\") (. t 3))"),
        "1 2 three"
    );
    assert_eq!(
        run("(local t [[1 2] [3 4]]) (local s {\"2\" :s}) (out (. t 2 1) s.2)"),
        "3 s"
    );
    assert_eq!(
        run("(local t {:a {:b 1}}) (out (?. t :a :b) (?. t :x :b) (?. nil :a))"),
        "1 nil nil"
    );
    assert_eq!(
        run("(out (: \"abc\" :upper) (\"x\":rep 2))"
            .replace("(\"x\":rep 2)", "(: :x :rep 2)")
            .as_str()),
        "ABC xx"
    );
    assert_eq!(run("(local s \"hi\") (out (s:upper) (s:rep 2))"), "HI hihi");
}

#[test]
fn threading_doto_partial_pick_values() {
    assert_eq!(
        run("(out (-> 5 (+ 1) (* 2)) (->> 5 (- 10)) (-?> nil (+ 1)) (-?> 1 (+ 1)))"),
        "12 5 nil 2"
    );
    assert_eq!(
        run("(local t (doto [] (table.insert 1) (table.insert 2))) (out (length t))"),
        "2"
    );
    assert_eq!(
        run("(local add3 (partial + 3)) (out (add3 4))"
            .replace("(partial + 3)", "(partial (fn [a b] (+ a b)) 3)")
            .as_str()),
        "7"
    );
    assert_eq!(
        run("(fn f [] (values 1 2 3)) (out (pick-values 2 (f)))"),
        "1 2"
    );
    assert_eq!(run("(out (select :# (pick-values 0 (out :x))))"), "x\n0");
}

#[test]
fn match_and_case() {
    let src = "(fn f [x] (match x 1 :one [a b] (.. :seq a b) {:k v} (.. :tbl v) \
               (where n (> n 10)) :big _ :other)) (out (f 1) (f [2 3]) (f {:k 4}) (f 11) (f 5))";
    assert_eq!(run(src), "one seq23 tbl4 big other");
    // A bound name is compared with in match, bound anew in case.
    assert_eq!(
        run("(local y 2) (out (match 3 y :same _ :diff) (case 3 y (.. :bound y)))"),
        "diff bound3"
    );
    assert_eq!(run("(out (match (values 1 2) (1 b) b))"), "2");
    assert_eq!(
        run("(out (match nil nil :nil _ :x) (match 5 (where (or 4 5)) :four-or-five))"),
        "nil four-or-five"
    );
    assert_eq!(run("(out (match [1] [a ?b] (tostring ?b)))"), "nil");
}

#[test]
fn compiled_lines_follow_the_source() {
    let code = compile(
        "(local x 1)\n\n(fn f []\n  (out\n    (+ x nil)))\n(f)",
        "t.fnl",
        None,
    )
    .unwrap();
    let lua = mlua::Lua::new();
    lua.globals()
        .set("out", lua.create_function(|_, ()| Ok(())).unwrap())
        .unwrap();
    let e = lua
        .load(&code)
        .set_name("@t.fnl")
        .exec()
        .unwrap_err()
        .to_string();
    assert!(e.contains("t.fnl:5:"), "{e}\n{code}");
}

#[test]
fn strict_globals() {
    assert_eq!(
        compile_error("(print zz)").message,
        "unknown identifier: zz"
    );
    assert_eq!(compile_error("(print\n  zz)").line, 2);
    assert_eq!(compile_error("(set zz 1)").message, "expected local zz");
    assert!(
        compile(
            "(global zz 1) (print zz)",
            "t.fnl",
            Some(["print".to_owned()].into())
        )
        .is_ok()
    );
    assert_eq!(
        compile_error("(local x 1) (set x 2)").message,
        "expected var x"
    );
    assert!(is_strict(";; title: x\n;; strict: true\n"));
    assert!(!is_strict(";; strict: true\n"));
    assert!(!is_strict(";; title: x\n;;strict: true\n"));
}

#[test]
fn errors_name_the_place() {
    let e = compile("(fn f []\n  (+ 1 2)", "t.fnl", None).unwrap_err();
    assert_eq!((e.line, e.message.as_str()), (1, "unclosed ("));
    let e = compile("(print 1))", "t.fnl", None).unwrap_err();
    assert_eq!(e.message, "unexpected closing delimiter )");
    let e = compile("\n(macro m [] 1)", "t.fnl", None).unwrap_err();
    assert_eq!(
        (e.line, e.message.as_str()),
        (2, "macro is not supported by Cartbox's Fennel compiler")
    );
    let e = compile("(local \"s\\q\" 1)", "t.fnl", None).unwrap_err();
    assert_eq!(e.message, "invalid escape sequence in a string");
    let e = compile("()", "t.fnl", None).unwrap_err();
    assert_eq!(e.message, "expected a function, macro, or special to call");
    let deep = "(".repeat(5000) + &")".repeat(5000);
    assert_eq!(
        compile(&deep, "t.fnl", None).unwrap_err().message,
        "forms nested too deeply"
    );
}
