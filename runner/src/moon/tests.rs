use super::*;

/// Compiles `src` and runs it on a plain Lua state where `out` collects what is passed to
/// it; returns the collected values, one per line.
fn run(src: &str) -> String {
    let lua_code = compile(src).unwrap_or_else(|e| panic!("{e}\n{src}"));
    crate::luasrc::run_collecting(&lua_code, "t.moon")
}

#[test]
fn basics() {
    assert_eq!(run("x = 1\ny = x + 2\nout x, y"), "1 3");
    assert_eq!(run("f = (a, b=10) -> a + b\nout f(1), f 1, 2"), "11 3");
    assert_eq!(run("t = {1, 2, a: 3}\nout #t, t.a"), "2 3");
    assert_eq!(run("n = 5\nout \"n is #{n + 1}!\""), "n is 6!");
    assert_eq!(run("x = 0\nx += 2\nx *= 3\nout x"), "6");
    assert_eq!(
        run("if 1 > 2\n  out 'a'\nelseif 2 > 1\n  out 'b'\nelse\n  out 'c'"),
        "b"
    );
    assert_eq!(run("out 'yes' if true\nout 'no' unless true"), "yes");
    assert_eq!(run("for i = 1, 3\n  out i"), "1\n2\n3");
    assert_eq!(run("for x in *{4, 5}\n  out x"), "4\n5");
    assert_eq!(
        run("s = [x * 2 for x in *{1, 2, 3} when x != 2]\nout #s, s[2]"),
        "2 6"
    );
    assert_eq!(run("v = if false then 1 else 2\nout v"), "2");
    assert_eq!(run("f = -> 42\nout f!"), "42");
    assert_eq!(run("t = {}\nt.f = (x) => x + 1\nout t\\f 1"), "2");
}

#[test]
fn classes() {
    let src = "class A\n  @count: 0\n  new: (x) =>\n    @x = x\n    @@count += 1\n  get: => @x\n\
               class B extends A\n  get: => super! * 10\n\
               a = A 1\nb = B 2\nout a\\get!, b\\get!, A.count, B.count";
    assert_eq!(run(src), "1 20 1 2");
}
