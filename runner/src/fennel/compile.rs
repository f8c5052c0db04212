//! Fennel forms to Lua source.
//!
//! Every form compiles to Lua expressions, or to statements when Lua has no expression for
//! it (`let`, `if`, loops...): a form is compiled for what its place wants ([`Want`]) — its
//! values, a `return`, an assignment to given names, or nothing — and statements a value
//! needs first are written before the statement that uses it, into temporary locals, as
//! Fennel's own compiler does.
//!
//! Each statement and each compiled list carries a mark of the line its form starts on;
//! [`super::render`] turns the marks into line breaks, so the Lua code of a form sits on
//! the form's own line and Lua's error messages name the cart's lines.

use std::collections::{HashMap, HashSet};

use super::Error;
use super::read::{Form, Node};
use crate::luasrc::{LUA_KEYWORDS, field_key, index_suffix, string_literal, valid_identifier};

/// The start and end of a line mark in generated code (never inside a literal: the
/// literals written escape every control character).
pub(crate) const MARK: char = '\u{1}';
pub(crate) const MARK_END: char = '\u{2}';

#[derive(Debug, Clone)]
struct Expr {
    code: String,
    kind: Kind,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    /// `nil`, `true`, a number or a string: no effect, no name.
    Literal,
    /// A name or an indexing: a prefix expression that can be assigned to.
    Name,
    /// A call: a prefix expression, a statement, any number of values.
    Call,
    /// `...`: any number of values.
    Vararg,
    /// Anything else (operators, tables, functions).
    Other,
}

impl Expr {
    fn new(code: impl Into<String>, kind: Kind) -> Expr {
        Expr {
            code: code.into(),
            kind,
        }
    }
    fn nil() -> Expr {
        Expr::new("nil", Kind::Literal)
    }
    /// As the start of a call or indexing.
    fn prefix(&self) -> String {
        match self.kind {
            Kind::Name | Kind::Call => self.code.clone(),
            _ => format!("({})", self.code),
        }
    }
}

/// What the place of a form wants of it.
#[derive(Debug, Clone)]
enum Want {
    /// Its values: at most this many (all of them with `None`).
    Values(Option<usize>),
    /// `return` them.
    Tail,
    /// Assign them to these names.
    Assign(Vec<String>),
    /// Only its effects.
    Discard,
}

#[derive(Debug)]
struct Local {
    lua: String,
    var: bool,
}

#[derive(Debug, Default)]
struct Scope {
    names: HashMap<String, Local>,
    /// The Fennel name each Lua name declared here stands for.
    owners: HashMap<String, String>,
}

/// How a binding form binds its names.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decl {
    Local,
    Var,
    Global,
    Set,
}

/// Forms of Fennel's that Cartbox's compiler does not play: macros are code run inside the
/// compiler, and `include` reads other files.
const UNSUPPORTED: [&str; 12] = [
    "macro",
    "macros",
    "import-macros",
    "require-macros",
    "eval-compiler",
    "macrodebug",
    "include",
    "quote",
    "unquote",
    "match-try",
    "case-try",
    "with-open",
];

/// The Lua name of a global, as Fennel writes it.
fn global_name(name: &str) -> String {
    if valid_identifier(name) {
        return name.to_owned();
    }
    let mut out = String::from("__fnl_global__");
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() {
            out.push(b as char);
        } else {
            out.push_str(&format!("_{b:02x}"));
        }
    }
    out
}

/// A Lua name for a local, as Fennel writes it (before making it unique).
fn local_name(name: &str) -> String {
    let raw = if LUA_KEYWORDS.contains(&name) {
        format!("_{name}")
    } else {
        name.to_owned()
    };
    let mut out = String::new();
    for b in raw.bytes() {
        match b {
            b'-' => out.push('_'),
            b if b.is_ascii_alphanumeric() || b == b'_' => out.push(b as char),
            b => out.push_str(&format!("_{b:02x}")),
        }
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

fn mark(line: u32) -> String {
    format!("{MARK}{line}{MARK_END}")
}

fn sym_node(name: &str, at: &Node) -> Node {
    Node {
        form: Form::Sym(name.into()),
        line: at.line,
        col: at.col,
    }
}

fn list_node(items: Vec<Node>, at: &Node) -> Node {
    Node {
        form: Form::List(items),
        line: at.line,
        col: at.col,
    }
}

fn err(n: &Node, message: impl Into<String>) -> Error {
    Error {
        line: n.line,
        col: n.col,
        message: message.into(),
    }
}

pub(super) struct Compiler {
    scopes: Vec<Scope>,
    gensyms: u32,
    /// Strict mode: the globals code may name (the environment's, and those `global`
    /// declares); `None` allows any.
    allowed: Option<HashSet<String>>,
    /// The cart's file name, for `lambda`'s messages.
    file: String,
    depth: usize,
    /// Per function being compiled (the chunk first): whether it takes `...`.
    vararg: Vec<bool>,
}

/// Recursion limit of the compiler (the reader bounds nesting too; macros like `->` nest
/// what they rewrite).
const MAX_DEPTH: usize = 400;

type Out = Vec<String>;
type Res<T> = Result<T, Error>;

impl Compiler {
    pub(super) fn new(file: &str, allowed: Option<HashSet<String>>) -> Compiler {
        Compiler {
            scopes: vec![Scope::default()],
            gensyms: 0,
            allowed,
            file: file.to_owned(),
            depth: 0,
            vararg: vec![true],
        }
    }

    /// The Lua statements of a whole program.
    pub(super) fn program(&mut self, forms: &[Node]) -> Res<String> {
        let mut out = Out::new();
        for f in forms {
            self.compile(f, &mut out, Want::Discard)?;
        }
        Ok(out.join(";"))
    }

    fn gensym(&mut self) -> String {
        self.gensyms += 1;
        format!("_{}_", self.gensyms)
    }

    fn lookup(&self, name: &str) -> Option<&Local> {
        self.scopes.iter().rev().find_map(|s| s.names.get(name))
    }

    /// Declares `name` in the innermost scope and gives its Lua name.
    fn declare(&mut self, name: &str, var: bool) -> String {
        let base = local_name(name);
        let mut lua = base.clone();
        let mut n = 1;
        // Another name visible under the same Lua name would be shadowed by this one.
        while self
            .scopes
            .iter()
            .any(|s| s.owners.get(&lua).is_some_and(|owner| owner != name))
        {
            n += 1;
            lua = format!("{base}_{n}");
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.owners.insert(lua.clone(), name.to_owned());
            scope.names.insert(
                name.to_owned(),
                Local {
                    lua: lua.clone(),
                    var,
                },
            );
        }
        lua
    }

    fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    fn pop_scope(&mut self) {
        self.scopes.pop();
    }

    fn compile(&mut self, n: &Node, out: &mut Out, want: Want) -> Res<Vec<Expr>> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(n, "forms nested too deeply"));
        }
        let r = self.compile_inner(n, out, want);
        self.depth -= 1;
        r
    }

    fn compile_inner(&mut self, n: &Node, out: &mut Out, want: Want) -> Res<Vec<Expr>> {
        let e = match &n.form {
            Form::Nil => Expr::nil(),
            Form::Bool(b) => Expr::new(if *b { "true" } else { "false" }, Kind::Literal),
            Form::Num(s) => Expr::new(s.clone(), Kind::Literal),
            Form::Str(b) => Expr::new(string_literal(b), Kind::Literal),
            Form::Sym(s) => self.symbol(n, s)?,
            Form::Seq(items) => {
                let m = mark(n.line);
                let args = self.args(items, out)?;
                Expr::new(format!("{m}{{{args}}}"), Kind::Other)
            }
            Form::Table(items) => self.table(n, items, out)?,
            Form::List(items) => return self.list(n, items, out, want),
        };
        self.finish(vec![e], out, want, n)
    }

    /// Gives `exprs` to the place as it wants them.
    fn finish(
        &mut self,
        mut exprs: Vec<Expr>,
        out: &mut Out,
        want: Want,
        n: &Node,
    ) -> Res<Vec<Expr>> {
        let m = mark(n.line);
        match want {
            Want::Values(None) => Ok(exprs),
            Want::Values(Some(k)) => {
                if exprs.len() > k {
                    // The values not wanted are still evaluated.
                    for e in exprs.drain(k..).collect::<Vec<_>>() {
                        self.discard(e, out);
                    }
                }
                Ok(exprs)
            }
            Want::Tail => {
                out.push(format!("{m}return {}", join(&exprs)));
                Ok(Vec::new())
            }
            Want::Assign(targets) => {
                let rhs = if exprs.is_empty() {
                    "nil".to_owned()
                } else {
                    join(&exprs)
                };
                out.push(format!("{m}{} = {rhs}", targets.join(", ")));
                Ok(Vec::new())
            }
            Want::Discard => {
                for e in exprs {
                    self.discard(e, out);
                }
                Ok(Vec::new())
            }
        }
    }

    fn discard(&mut self, e: Expr, out: &mut Out) {
        match e.kind {
            Kind::Call => out.push(e.code),
            Kind::Other => out.push(format!("do local _ = {} end", e.code)),
            Kind::Literal | Kind::Name | Kind::Vararg => {}
        }
    }

    /// One value of `n` (`nil` when it has none).
    fn one(&mut self, n: &Node, out: &mut Out) -> Res<Expr> {
        let mut v = self.compile(n, out, Want::Values(Some(1)))?;
        Ok(if v.is_empty() {
            Expr::nil()
        } else {
            v.swap_remove(0)
        })
    }

    /// An argument list: one value of each, every value of the last.
    fn args(&mut self, items: &[Node], out: &mut Out) -> Res<String> {
        let mut parts = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if i + 1 == items.len() {
                let v = self.compile(item, out, Want::Values(None))?;
                if !v.is_empty() {
                    parts.push(join(&v));
                }
            } else {
                parts.push(self.one(item, out)?.code);
            }
        }
        Ok(parts.join(", "))
    }

    /// Runs a form that compiles to statements: for a place that wants values, into fresh
    /// locals it then gives.
    fn statements(
        &mut self,
        out: &mut Out,
        want: Want,
        body: impl FnOnce(&mut Self, &mut Out, Want) -> Res<()>,
    ) -> Res<Vec<Expr>> {
        match want {
            Want::Values(None) => {
                // Every value is wanted (the last argument of a call...): as Fennel does,
                // a local function whose tail gives them all.
                let f = self.gensym();
                let va = self.vararg.last().copied().unwrap_or(false);
                let dots = if va { "..." } else { "" };
                self.vararg.push(va);
                let mut inner = Out::new();
                let r = body(self, &mut inner, Want::Tail);
                self.vararg.pop();
                r?;
                out.push(format!(
                    "local function {f}({dots}) {} end",
                    inner.join(";")
                ));
                Ok(vec![Expr::new(format!("{f}({dots})"), Kind::Call)])
            }
            Want::Values(k) => {
                let count = k.unwrap_or(1).max(1);
                let temps: Vec<String> = (0..count).map(|_| self.gensym()).collect();
                out.push(format!("local {}", temps.join(", ")));
                body(self, out, Want::Assign(temps.clone()))?;
                Ok(temps
                    .into_iter()
                    .map(|t| Expr::new(t, Kind::Name))
                    .collect())
            }
            w => {
                body(self, out, w)?;
                Ok(Vec::new())
            }
        }
    }

    fn symbol(&mut self, n: &Node, s: &str) -> Res<Expr> {
        if s == "..." {
            return Ok(Expr::new("...", Kind::Vararg));
        }
        if let Some(l) = self.lookup(s) {
            let kind = if l.lua == "..." {
                Kind::Vararg
            } else {
                Kind::Name
            };
            return Ok(Expr::new(l.lua.clone(), kind));
        }
        if s.contains(':') && s.len() > 1 {
            return Err(err(
                n,
                format!("method call {s} used as a value: call it, as ({s} ...)"),
            ));
        }
        if let Some((first, rest)) = multi_sym(s) {
            let base = self.symbol(n, first)?;
            let mut code = base.prefix();
            for part in rest {
                code.push_str(&index_suffix(part));
            }
            return Ok(Expr::new(code, Kind::Name));
        }
        self.check_global(n, s)?;
        Ok(Expr::new(global_name(s), Kind::Name))
    }

    fn check_global(&self, n: &Node, s: &str) -> Res<()> {
        match &self.allowed {
            Some(allowed) if !allowed.contains(s) => {
                Err(err(n, format!("unknown identifier: {s}")))
            }
            _ => Ok(()),
        }
    }

    fn table(&mut self, n: &Node, items: &[Node], out: &mut Out) -> Res<Expr> {
        let m = mark(n.line);
        let mut parts = Vec::new();
        let mut i = 0;
        while i < items.len() {
            let k = &items[i];
            let Some(v) = items.get(i + 1) else {
                return Err(err(k, "expected even number of values in table literal"));
            };
            i += 2;
            if k.sym() == Some(":") {
                // `{: x}` is `{:x x}`.
                let Some(name) = v.sym() else {
                    return Err(err(v, "expected a symbol after : in a table"));
                };
                let val = self.symbol(v, name)?;
                parts.push(format!("{} = {}", field_key(name.as_bytes()), val.code));
                continue;
            }
            let key = match &k.form {
                Form::Str(b) => field_key(b),
                _ => format!("[{}]", self.one(k, out)?.code),
            };
            let val = self.one(v, out)?;
            parts.push(format!("{key} = {}", val.code));
        }
        Ok(Expr::new(
            format!("{m}{{{}}}", parts.join(", ")),
            Kind::Other,
        ))
    }

    fn list(&mut self, n: &Node, items: &[Node], out: &mut Out, want: Want) -> Res<Vec<Expr>> {
        let Some(head) = items.first() else {
            return Err(err(n, "expected a function, macro, or special to call"));
        };
        let args = &items[1..];
        if let Some(name) = head.sym()
            && self.lookup(name).is_none()
        {
            if UNSUPPORTED.contains(&name) {
                return Err(err(
                    head,
                    format!("{name} is not supported by Cartbox's Fennel compiler"),
                ));
            }
            if let Some(r) = self.special(n, name, args, out, want.clone())? {
                return Ok(r);
            }
        }
        let m = mark(n.line);
        let f = match head.sym() {
            Some(name) if name.len() > 1 && name.contains(':') && self.lookup(name).is_none() => {
                let (obj, method) = name.rsplit_once(':').unwrap_or((name, ""));
                if obj.is_empty() || !valid_identifier(method) {
                    return Err(err(head, format!("bad method call: {name}")));
                }
                let obj = self.symbol(head, obj)?;
                format!("{}:{method}", obj.prefix())
            }
            _ => self.one(head, out)?.prefix(),
        };
        let args = self.args(args, out)?;
        let call = Expr::new(format!("{m}{f}({args})"), Kind::Call);
        self.finish(vec![call], out, want, n)
    }

    /// A special form or one of Fennel's built-in macros; `None` when `name` is neither.
    fn special(
        &mut self,
        n: &Node,
        name: &str,
        args: &[Node],
        out: &mut Out,
        want: Want,
    ) -> Res<Option<Vec<Expr>>> {
        let m = mark(n.line);
        let r = match name {
            "fn" | "lambda" | "λ" => {
                let e = self.function(n, args, out, name != "fn")?;
                self.finish(vec![e], out, want, n)?
            }
            "hashfn" => {
                let e = self.hashfn(n, args)?;
                self.finish(vec![e], out, want, n)?
            }
            "local" | "var" | "global" | "set" => {
                let [pat, value] = args else {
                    return Err(err(n, format!("expected name and value in {name}")));
                };
                let decl = match name {
                    "local" => Decl::Local,
                    "var" => Decl::Var,
                    "global" => Decl::Global,
                    _ => Decl::Set,
                };
                self.bind(pat, value, out, decl)?;
                self.finish(Vec::new(), out, want, n)?
            }
            "tset" => {
                if args.len() < 3 {
                    return Err(err(n, "expected table, key and value in tset"));
                }
                let t = self.one(&args[0], out)?;
                let mut lhs = t.prefix();
                for k in &args[1..args.len() - 1] {
                    lhs.push_str(&self.key(k, out)?);
                }
                let v = self.one(&args[args.len() - 1], out)?;
                out.push(format!("{m}{lhs} = {}", v.code));
                self.finish(Vec::new(), out, want, n)?
            }
            "let" => {
                let Some(Node {
                    form: Form::Seq(bindings),
                    ..
                }) = args.first()
                else {
                    return Err(err(n, "expected binding sequence in let"));
                };
                if bindings.len() % 2 != 0 {
                    return Err(err(&args[0], "expected even number of name/value bindings"));
                }
                let body = &args[1..];
                self.statements(out, want, |s, out, w| {
                    let mut inner = Out::new();
                    s.push_scope();
                    for pair in bindings.chunks(2) {
                        s.bind(&pair[0], &pair[1], &mut inner, Decl::Local)?;
                    }
                    s.body(body, &mut inner, w, n)?;
                    s.pop_scope();
                    out.push(format!("{m}do {} end", inner.join(";")));
                    Ok(())
                })?
            }
            "do" => self.do_form(n, args, out, want)?,
            "if" => self.if_form(n, args, out, want)?,
            "when" => {
                let Some(cond) = args.first() else {
                    return Err(err(n, "expected condition in when"));
                };
                let mut body = vec![sym_node("do", n)];
                body.extend_from_slice(&args[1..]);
                let form = list_node(vec![sym_node("if", n), cond.clone(), list_node(body, n)], n);
                self.compile(&form, out, want)?
            }
            "while" => {
                let Some(cond) = args.first() else {
                    return Err(err(n, "expected condition in while"));
                };
                let mut pre = Out::new();
                let c = self.one(cond, &mut pre)?;
                let mut inner = Out::new();
                self.push_scope();
                self.body(&args[1..], &mut inner, Want::Discard, n)?;
                self.pop_scope();
                if pre.is_empty() {
                    out.push(format!("{m}while {} do {} end", c.code, inner.join(";")));
                } else {
                    pre.push(format!("if not {} then break end", paren(&c)));
                    pre.extend(inner);
                    out.push(format!("{m}while true do {} end", pre.join(";")));
                }
                self.finish(Vec::new(), out, want, n)?
            }
            "for" => {
                self.numeric_loop(n, args.first(), out, |s, inner| {
                    s.body(&args[1..], inner, Want::Discard, n)
                })?;
                self.finish(Vec::new(), out, want, n)?
            }
            "each" => {
                let mut loop_out = Out::new();
                self.each_loop(n, args.first(), &mut loop_out, |s, inner| {
                    s.body(&args[1..], inner, Want::Discard, n)
                })?;
                out.extend(loop_out);
                self.finish(Vec::new(), out, want, n)?
            }
            "icollect" | "collect" | "fcollect" => self.collect(n, name, args, out, want)?,
            "accumulate" | "faccumulate" => self.accumulate(n, name, args, out, want)?,
            "values" => {
                let mut exprs = Vec::new();
                for (i, a) in args.iter().enumerate() {
                    if i + 1 == args.len() {
                        exprs.extend(self.compile(a, out, Want::Values(None))?);
                    } else {
                        exprs.push(self.one(a, out)?);
                    }
                }
                self.finish(exprs, out, want, n)?
            }
            "." => {
                let Some(t) = args.first() else {
                    return Err(err(n, "expected table argument in ."));
                };
                let t = self.one(t, out)?;
                let mut code = t.prefix();
                for k in &args[1..] {
                    code.push_str(&self.key(k, out)?);
                }
                let kind = if args.len() > 1 { Kind::Name } else { t.kind };
                self.finish(vec![Expr::new(code, kind)], out, want, n)?
            }
            "?." => {
                let Some(t) = args.first() else {
                    return Err(err(n, "expected table argument in ?."));
                };
                let t = self.one(t, out)?;
                let tmp = self.gensym();
                out.push(format!("{m}local {tmp} = {}", t.code));
                for k in &args[1..] {
                    let mut pre = Out::new();
                    let key = self.key(k, &mut pre)?;
                    pre.push(format!("{tmp} = {tmp}{key}"));
                    out.push(format!("if {tmp} ~= nil then {} end", pre.join(";")));
                }
                self.finish(vec![Expr::new(tmp, Kind::Name)], out, want, n)?
            }
            ":" => {
                let [obj, method, rest @ ..] = args else {
                    return Err(err(n, "expected object and method in :"));
                };
                let o = self.one(obj, out)?;
                let call = match &method.form {
                    Form::Str(b) if valid_identifier(&String::from_utf8_lossy(b)) => {
                        let a = self.args(rest, out)?;
                        format!("{m}{}:{}({a})", o.prefix(), String::from_utf8_lossy(b))
                    }
                    _ => {
                        let tmp = self.gensym();
                        out.push(format!("local {tmp} = {}", o.code));
                        let key = self.key(method, out)?;
                        let a = self.args(rest, out)?;
                        let sep = if a.is_empty() { "" } else { ", " };
                        format!("{m}{tmp}{key}({tmp}{sep}{a})")
                    }
                };
                self.finish(vec![Expr::new(call, Kind::Call)], out, want, n)?
            }
            "->" | "->>" | "-?>" | "-?>>" => {
                let form = thread(n, name, args, &mut || self.gensym())?;
                self.compile(&form, out, want)?
            }
            "doto" => {
                let Some(first) = args.first() else {
                    return Err(err(n, "expected a value in doto"));
                };
                let tmp = format!("\u{0}{}", self.gensym());
                let t = sym_node(&tmp, n);
                let mut body = Vec::new();
                for f in &args[1..] {
                    body.push(match &f.form {
                        Form::List(items) if !items.is_empty() => {
                            let mut v = vec![items[0].clone(), t.clone()];
                            v.extend_from_slice(&items[1..]);
                            list_node(v, f)
                        }
                        _ => list_node(vec![f.clone(), t.clone()], f),
                    });
                }
                body.push(t.clone());
                let mut form = vec![
                    sym_node("let", n),
                    Node {
                        form: Form::Seq(vec![t, first.clone()]),
                        line: n.line,
                        col: n.col,
                    },
                ];
                form.extend(body);
                self.compile(&list_node(form, n), out, want)?
            }
            "partial" => {
                if args.is_empty() {
                    return Err(err(n, "expected a function in partial"));
                }
                let mut bound = Vec::new();
                for a in args {
                    let e = self.one(a, out)?;
                    if e.kind == Kind::Literal {
                        bound.push(e.code);
                    } else {
                        let tmp = self.gensym();
                        out.push(format!("local {tmp} = {}", e.code));
                        bound.push(tmp);
                    }
                }
                let head = bound.remove(0);
                bound.push("...".into());
                let e = Expr::new(
                    format!("{m}function(...) return {head}({}) end", bound.join(", ")),
                    Kind::Other,
                );
                self.finish(vec![e], out, want, n)?
            }
            "pick-values" => {
                let [count, rest @ ..] = args else {
                    return Err(err(n, "expected a count in pick-values"));
                };
                let k = match &count.form {
                    Form::Num(s) => s.parse::<usize>().ok(),
                    _ => None,
                }
                .filter(|k| *k <= 200)
                .ok_or_else(|| err(count, "expected a literal count in pick-values"))?;
                let values = match rest {
                    [] => Vec::new(),
                    [v] => self.compile(v, out, Want::Values(None))?,
                    _ => return Err(err(n, "expected one form in pick-values")),
                };
                let exprs = if k == 0 {
                    for e in values {
                        self.discard(e, out);
                    }
                    Vec::new()
                } else {
                    let temps: Vec<String> = (0..k).map(|_| self.gensym()).collect();
                    let rhs = if values.is_empty() {
                        "nil".into()
                    } else {
                        join(&values)
                    };
                    out.push(format!("{m}local {} = {rhs}", temps.join(", ")));
                    temps
                        .into_iter()
                        .map(|t| Expr::new(t, Kind::Name))
                        .collect()
                };
                self.finish(exprs, out, want, n)?
            }
            "lua" => {
                // As Fennel: the first string is a Lua statement, the second a Lua
                // expression, the value of the form.
                let raw = |node: Option<&Node>| match node.map(|n| &n.form) {
                    Some(Form::Str(code)) => Ok(Some(String::from_utf8_lossy(code).into_owned())),
                    None | Some(Form::Nil) => Ok(None),
                    Some(_) => Err(err(n, "expected strings of Lua code in lua")),
                };
                if let Some(code) = raw(args.first())? {
                    out.push(format!("{m}{code}"));
                }
                let value = match raw(args.get(1))? {
                    Some(code) => vec![Expr::new(format!("({code})"), Kind::Other)],
                    None => Vec::new(),
                };
                self.finish(value, out, want, n)?
            }
            "comment" => self.finish(Vec::new(), out, want, n)?,
            "not" => {
                let [x] = args else {
                    return Err(err(n, "expected one argument in not"));
                };
                let x = self.one(x, out)?;
                self.finish(
                    vec![Expr::new(format!("{m}(not {})", x.code), Kind::Other)],
                    out,
                    want,
                    n,
                )?
            }
            "length" | "#" => {
                let [x] = args else {
                    return Err(err(n, format!("expected one argument in {name}")));
                };
                let x = self.one(x, out)?;
                self.finish(
                    vec![Expr::new(format!("{m}#{}", paren(&x)), Kind::Other)],
                    out,
                    want,
                    n,
                )?
            }
            "bnot" => {
                let [x] = args else {
                    return Err(err(n, "expected one argument in bnot"));
                };
                let x = self.one(x, out)?;
                self.finish(
                    vec![Expr::new(format!("{m}(~{})", paren(&x)), Kind::Other)],
                    out,
                    want,
                    n,
                )?
            }
            "and" | "or" => self.logic(n, name, args, out, want)?,
            "+" | "-" | "*" | "/" | "//" | "%" | "^" | ".." | "band" | "bor" | "bxor"
            | "lshift" | "rshift" => {
                let e = self.arithmetic(n, name, args, out)?;
                self.finish(vec![e], out, want, n)?
            }
            "<" | ">" | "<=" | ">=" | "=" | "not=" | "~=" => {
                let e = self.comparison(n, name, args, out)?;
                self.finish(vec![e], out, want, n)?
            }
            "match" | "case" => self.match_form(n, name == "case", args, out, want)?,
            _ => return Ok(None),
        };
        Ok(Some(r))
    }

    /// The forms of a body: the last one's values go where `want` says.
    fn body(&mut self, forms: &[Node], out: &mut Out, want: Want, n: &Node) -> Res<()> {
        match forms.split_last() {
            None => {
                self.finish(Vec::new(), out, want, n)?;
            }
            Some((last, rest)) => {
                for f in rest {
                    self.compile(f, out, Want::Discard)?;
                }
                // Never called with Values: statements() gives an Assign.
                self.compile(last, out, want)?;
            }
        }
        Ok(())
    }

    fn do_form(&mut self, n: &Node, args: &[Node], out: &mut Out, want: Want) -> Res<Vec<Expr>> {
        let m = mark(n.line);
        if let ([only], Want::Values(_)) = (args, &want) {
            return self.compile(only, out, want);
        }
        self.statements(out, want, |s, out, w| {
            let mut inner = Out::new();
            s.push_scope();
            s.body(args, &mut inner, w, n)?;
            s.pop_scope();
            out.push(format!("{m}do {} end", inner.join(";")));
            Ok(())
        })
    }

    fn if_form(&mut self, n: &Node, args: &[Node], out: &mut Out, want: Want) -> Res<Vec<Expr>> {
        if args.is_empty() {
            return Err(err(n, "expected condition and body in if"));
        }
        let m = mark(n.line);
        self.statements(out, want, |s, out, w| {
            let mut code = String::new();
            let mut ends = 1;
            let mut i = 0;
            let mut has_else = false;
            while i < args.len() {
                if i + 1 == args.len() {
                    // The else branch.
                    code.push_str(" else ");
                    code.push_str(&s.branch(&args[i], w.clone())?);
                    has_else = true;
                    break;
                }
                let mut pre = Out::new();
                let c = s.one(&args[i], &mut pre)?;
                if i == 0 {
                    out.extend(pre);
                    code.push_str(&format!("{m}if {} then ", c.code));
                } else if pre.is_empty() {
                    code.push_str(&format!(" elseif {} then ", c.code));
                } else {
                    code.push_str(&format!(" else {};if {} then ", pre.join(";"), c.code));
                    ends += 1;
                }
                code.push_str(&s.branch(&args[i + 1], w.clone())?);
                i += 2;
            }
            if !has_else && !matches!(w, Want::Discard) {
                // No branch taken gives one nil, as in Fennel.
                let mut none = Out::new();
                s.finish(vec![Expr::nil()], &mut none, w, n)?;
                code.push_str(&format!(" else {}", none.join(";")));
            }
            for _ in 0..ends {
                code.push_str(" end");
            }
            out.push(code);
            Ok(())
        })
    }

    /// One branch of an `if`, in its own scope, as statements.
    fn branch(&mut self, n: &Node, want: Want) -> Res<String> {
        let mut inner = Out::new();
        self.push_scope();
        self.compile(n, &mut inner, want)?;
        self.pop_scope();
        Ok(inner.join(";"))
    }

    fn logic(
        &mut self,
        n: &Node,
        name: &str,
        args: &[Node],
        out: &mut Out,
        want: Want,
    ) -> Res<Vec<Expr>> {
        let m = mark(n.line);
        let op = if name == "and" { "and" } else { "or" };
        if args.is_empty() {
            let v = if name == "and" { "true" } else { "false" };
            return self.finish(vec![Expr::new(v, Kind::Literal)], out, want, n);
        }
        let mut parts = Vec::new();
        let mut simple = true;
        let mut blocks = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let mut pre = Out::new();
            let e = self.one(a, &mut pre)?;
            if i > 0 && !pre.is_empty() {
                simple = false;
            }
            parts.push(e);
            blocks.push(pre);
        }
        if simple {
            out.extend(blocks.remove(0));
            if parts.len() == 1 {
                return self.finish(parts, out, want, n);
            }
            let code = parts
                .iter()
                .map(paren)
                .collect::<Vec<_>>()
                .join(&format!(" {op} "));
            return self.finish(
                vec![Expr::new(format!("{m}({code})"), Kind::Other)],
                out,
                want,
                n,
            );
        }
        // An operand needs statements: evaluate them only when they are reached.
        let tmp = self.gensym();
        out.extend(blocks.remove(0));
        out.push(format!("{m}local {tmp} = {}", parts[0].code));
        let test = if name == "and" {
            tmp.clone()
        } else {
            format!("not {tmp}")
        };
        let mut code = String::new();
        let mut ends = 0;
        for (e, pre) in parts.iter().skip(1).zip(blocks) {
            code.push_str(&format!("if {test} then {}", pre.join(";")));
            if !pre.is_empty() {
                code.push(';');
            }
            code.push_str(&format!("{tmp} = {};", e.code));
            ends += 1;
        }
        for _ in 0..ends {
            code.push_str(" end");
        }
        out.push(code);
        self.finish(vec![Expr::new(tmp, Kind::Name)], out, want, n)
    }

    fn arithmetic(&mut self, n: &Node, name: &str, args: &[Node], out: &mut Out) -> Res<Expr> {
        let m = mark(n.line);
        let op = match name {
            "band" => "&",
            "bor" => "|",
            "bxor" => "~",
            "lshift" => "<<",
            "rshift" => ">>",
            other => other,
        };
        let mut vals = Vec::with_capacity(args.len());
        for a in args {
            vals.push(self.one(a, out)?);
        }
        let code = match vals.len() {
            0 => match name {
                "+" | "-" | "bor" | "bxor" => "0".to_owned(),
                "*" | "/" | "^" => "1".to_owned(),
                ".." => "\"\"".to_owned(),
                "band" => "-1".to_owned(),
                _ => return Err(err(n, format!("expected at least one argument in {name}"))),
            },
            1 => match name {
                "-" => format!("(- {})", paren(&vals[0])),
                "/" => format!("(1 / {})", paren(&vals[0])),
                "//" => format!("(1 // {})", paren(&vals[0])),
                "lshift" | "rshift" | "%" => {
                    return Err(err(n, format!("expected at least two arguments in {name}")));
                }
                _ => paren(&vals[0]),
            },
            _ => format!(
                "({})",
                vals.iter()
                    .map(paren)
                    .collect::<Vec<_>>()
                    .join(&format!(" {op} "))
            ),
        };
        Ok(Expr::new(format!("{m}{code}"), Kind::Other))
    }

    fn comparison(&mut self, n: &Node, name: &str, args: &[Node], out: &mut Out) -> Res<Expr> {
        let m = mark(n.line);
        let op = match name {
            "=" => "==",
            "not=" | "~=" => "~=",
            other => other,
        };
        if args.len() < 2 {
            return Err(err(n, format!("expected at least two arguments in {name}")));
        }
        let mut vals = Vec::with_capacity(args.len());
        for (i, a) in args.iter().enumerate() {
            let v = self.one(a, out)?;
            // A middle operand is used twice: evaluate it once.
            if i > 0 && i + 1 < args.len() && !matches!(v.kind, Kind::Literal | Kind::Name) {
                let tmp = self.gensym();
                out.push(format!("local {tmp} = {}", v.code));
                vals.push(Expr::new(tmp, Kind::Name));
            } else {
                vals.push(v);
            }
        }
        let parts: Vec<String> = vals
            .windows(2)
            .map(|w| format!("({} {op} {})", paren(&w[0]), paren(&w[1])))
            .collect();
        let joiner = if name == "not=" || name == "~=" {
            " or "
        } else {
            " and "
        };
        let code = if parts.len() == 1 {
            parts[0].clone()
        } else {
            format!("({})", parts.join(joiner))
        };
        Ok(Expr::new(format!("{m}{code}"), Kind::Other))
    }

    /// `.k` or `[k]` for a key form.
    fn key(&mut self, k: &Node, out: &mut Out) -> Res<String> {
        Ok(match &k.form {
            Form::Str(b) => match std::str::from_utf8(b) {
                Ok(s) => index_suffix(s),
                Err(_) => format!("[{}]", string_literal(b)),
            },
            _ => format!("[{}]", self.one(k, out)?.code),
        })
    }

    fn function(&mut self, n: &Node, args: &[Node], out: &mut Out, lambda: bool) -> Res<Expr> {
        let m = mark(n.line);
        let (name, rest) = match args.first().map(|a| &a.form) {
            Some(Form::Sym(s)) => (Some((s.as_str(), &args[0])), &args[1..]),
            _ => (None, args),
        };
        let Some(Node {
            form: Form::Seq(params),
            ..
        }) = rest.first()
        else {
            return Err(err(n, "expected parameters table"));
        };
        let mut body = &rest[1..];
        if body.len() > 1 && matches!(body[0].form, Form::Str(_)) {
            body = &body[1..]; // a docstring
        }
        let method = name.and_then(|(s, _)| s.rsplit_once(':'));
        let local = match name {
            Some((s, _)) if !s.contains(['.', ':']) => Some(self.declare(s, false)),
            _ => None,
        };
        let code = self.function_body(n, params, body, lambda, method.is_some())?;
        match (name, local) {
            (None, _) => Ok(Expr::new(format!("{m}function{code}"), Kind::Other)),
            (Some(_), Some(lua)) => {
                out.push(format!("{m}local function {lua}{code}"));
                Ok(Expr::new(lua, Kind::Name))
            }
            (Some((s, at)), None) => {
                let target = match method {
                    Some((obj, meth)) => {
                        let o = self.symbol(at, obj)?;
                        format!("{}{}", o.prefix(), index_suffix(meth))
                    }
                    None => self.symbol(at, s)?.code,
                };
                out.push(format!("{m}{target} = function{code}"));
                Ok(Expr::new(target, Kind::Name))
            }
        }
    }

    /// `(params) body end` of a function.
    fn function_body(
        &mut self,
        n: &Node,
        params: &[Node],
        body: &[Node],
        lambda: bool,
        method: bool,
    ) -> Res<String> {
        self.push_scope();
        let mut names = Vec::new();
        if method {
            names.push(self.declare("self", false));
        }
        let mut prelude = Out::new();
        let mut later = Vec::new();
        let mut i = 0;
        while i < params.len() {
            let p = &params[i];
            match &p.form {
                Form::Sym(s) if s == "&" => {
                    let Some(rest) = params.get(i + 1) else {
                        return Err(err(p, "expected rest argument after &"));
                    };
                    names.push("...".into());
                    later.push((rest.clone(), Expr::new("{...}", Kind::Other)));
                    i += 2;
                    continue;
                }
                Form::Sym(s) if s == "..." => names.push("...".into()),
                Form::Sym(s) => {
                    let lua = self.declare(s, false);
                    if lambda && !s.starts_with(['?', '_']) {
                        prelude.push(format!(
                            "if {lua} == nil then error({}, 2) end",
                            string_literal(
                                format!("Missing argument {s} on {}:{}", self.file, p.line)
                                    .as_bytes()
                            )
                        ));
                    }
                    names.push(lua);
                }
                Form::Seq(_) | Form::Table(_) => {
                    let tmp = self.gensym();
                    names.push(tmp.clone());
                    later.push((p.clone(), Expr::new(tmp, Kind::Name)));
                }
                _ => {
                    return Err(err(
                        p,
                        "expected a symbol or a destructuring pattern as parameter",
                    ));
                }
            }
            i += 1;
        }
        for (pat, e) in later {
            self.bind_values(&pat, vec![e], &mut prelude, Decl::Local)?;
        }
        self.vararg.push(names.last().is_some_and(|p| p == "..."));
        let r = self.body(body, &mut prelude, Want::Tail, n);
        self.vararg.pop();
        r?;
        self.pop_scope();
        Ok(format!("({}) {} end", names.join(", "), prelude.join(";")))
    }

    /// `#(...)`: a function of `$1`..`$9` (`$` is `$1`) and `$...`.
    fn hashfn(&mut self, n: &Node, args: &[Node]) -> Res<Expr> {
        let [body] = args else {
            return Err(err(n, "expected one form in hashfn"));
        };
        let mut max = 0;
        let mut vararg = false;
        scan_dollars(body, &mut max, &mut vararg);
        self.push_scope();
        let mut names = Vec::new();
        for i in 1..=max {
            let lua = self.declare(&format!("${i}"), false);
            if i == 1
                && let Some(scope) = self.scopes.last_mut()
            {
                scope.names.insert(
                    "$".into(),
                    Local {
                        lua: lua.clone(),
                        var: false,
                    },
                );
            }
            names.push(lua);
        }
        if vararg {
            names.push("...".into());
            if let Some(scope) = self.scopes.last_mut() {
                scope.names.insert(
                    "$...".into(),
                    Local {
                        lua: "...".into(),
                        var: false,
                    },
                );
            }
        }
        let mut inner = Out::new();
        self.vararg.push(vararg);
        let r = self.compile(body, &mut inner, Want::Tail);
        self.vararg.pop();
        r?;
        self.pop_scope();
        Ok(Expr::new(
            format!(
                "{}function({}) {} end",
                mark(n.line),
                names.join(", "),
                inner.join(";")
            ),
            Kind::Other,
        ))
    }

    /// Binds the pattern `pat` to the values of `value`.
    fn bind(&mut self, pat: &Node, value: &Node, out: &mut Out, decl: Decl) -> Res<()> {
        if let (Decl::Set, Form::List(items)) = (decl, &pat.form)
            && items.first().and_then(Node::sym) == Some(".")
        {
            // `(set (. t k) v)`
            let target = self.one(pat, out)?;
            let v = self.one(value, out)?;
            out.push(format!("{}{} = {}", mark(pat.line), target.code, v.code));
            return Ok(());
        }
        let count = match &pat.form {
            Form::List(items) => Some(items.len()),
            _ => Some(1),
        };
        let values = self.compile(value, out, Want::Values(count))?;
        self.bind_values(pat, values, out, decl)
    }

    fn bind_values(&mut self, pat: &Node, values: Vec<Expr>, out: &mut Out, decl: Decl) -> Res<()> {
        let m = mark(pat.line);
        let rhs = if values.is_empty() {
            "nil".to_owned()
        } else {
            join(&values)
        };
        match &pat.form {
            Form::Sym(s) => {
                let target = self.target(pat, s, decl)?;
                let local = if matches!(decl, Decl::Local | Decl::Var) {
                    "local "
                } else {
                    ""
                };
                out.push(format!("{m}{local}{target} = {rhs}"));
                Ok(())
            }
            Form::List(items) => {
                if items.is_empty() {
                    return Err(err(pat, "expected names in a values pattern"));
                }
                // Plain names bind at once; patterns get a temporary each, bound after.
                let declares = matches!(decl, Decl::Local | Decl::Var);
                let mut temps = Vec::new();
                let mut nested = Vec::new();
                let mut slots = Vec::new();
                for item in items {
                    if item.sym().is_some() {
                        slots.push(None);
                    } else {
                        let tmp = self.gensym();
                        temps.push(tmp.clone());
                        slots.push(Some(tmp.clone()));
                        nested.push((item, tmp));
                    }
                }
                if !temps.is_empty() {
                    out.push(format!("local {}", temps.join(", ")));
                }
                // Names are declared after their values are computed.
                let mut lhs = Vec::new();
                let mut plain = Vec::new();
                for (item, slot) in items.iter().zip(slots) {
                    match slot {
                        Some(tmp) => lhs.push(tmp),
                        None => {
                            let t = self.target(item, item.sym().unwrap_or_default(), decl)?;
                            plain.push(t.clone());
                            lhs.push(t);
                        }
                    }
                }
                if declares && temps.is_empty() {
                    out.push(format!("{m}local {} = {rhs}", lhs.join(", ")));
                } else {
                    if declares && !plain.is_empty() {
                        out.push(format!("local {}", plain.join(", ")));
                    }
                    out.push(format!("{m}{} = {rhs}", lhs.join(", ")));
                }
                for (item, tmp) in nested {
                    self.bind_values(item, vec![Expr::new(tmp, Kind::Name)], out, decl)?;
                }
                Ok(())
            }
            Form::Seq(items) => {
                let tmp = self.gensym();
                out.push(format!("{m}local {tmp} = {rhs}"));
                let mut i = 0;
                let mut index = 1;
                while i < items.len() {
                    let item = &items[i];
                    match item.sym() {
                        Some("&") => {
                            let Some(rest) = items.get(i + 1) else {
                                return Err(err(item, "expected rest argument after &"));
                            };
                            let e =
                                Expr::new(format!("{{table.unpack({tmp}, {index})}}"), Kind::Other);
                            self.bind_values(rest, vec![e], out, decl)?;
                            i += 2;
                        }
                        Some("&as") => {
                            let Some(whole) = items.get(i + 1) else {
                                return Err(err(item, "expected a name after &as"));
                            };
                            self.bind_values(
                                whole,
                                vec![Expr::new(tmp.clone(), Kind::Name)],
                                out,
                                decl,
                            )?;
                            i += 2;
                        }
                        _ => {
                            let e = Expr::new(format!("{tmp}[{index}]"), Kind::Name);
                            self.bind_values(item, vec![e], out, decl)?;
                            index += 1;
                            i += 1;
                        }
                    }
                }
                Ok(())
            }
            Form::Table(items) => {
                let tmp = self.gensym();
                out.push(format!("{m}local {tmp} = {rhs}"));
                let mut i = 0;
                while i + 1 < items.len() {
                    let (k, v) = (&items[i], &items[i + 1]);
                    i += 2;
                    match k.sym() {
                        Some("&as") => {
                            self.bind_values(
                                v,
                                vec![Expr::new(tmp.clone(), Kind::Name)],
                                out,
                                decl,
                            )?;
                        }
                        Some(":") => {
                            let Some(name) = v.sym() else {
                                return Err(err(v, "expected a symbol after :"));
                            };
                            let e = Expr::new(format!("{tmp}{}", index_suffix(name)), Kind::Name);
                            self.bind_values(v, vec![e], out, decl)?;
                        }
                        _ => {
                            let key = self.key(k, out)?;
                            let e = Expr::new(format!("{tmp}{key}"), Kind::Name);
                            self.bind_values(v, vec![e], out, decl)?;
                        }
                    }
                }
                Ok(())
            }
            _ => Err(err(pat, "expected a symbol or a destructuring pattern")),
        }
    }

    /// The Lua target a binding form assigns for the symbol `s`.
    fn target(&mut self, n: &Node, s: &str, decl: Decl) -> Res<String> {
        match decl {
            Decl::Local | Decl::Var => {
                if s.contains(['.', ':']) && s.len() > 1 && s != "..." {
                    return Err(err(
                        n,
                        format!("can't introduce local {s}: use a plain name"),
                    ));
                }
                Ok(self.declare(s, decl == Decl::Var))
            }
            Decl::Global => {
                if let Some(a) = &mut self.allowed {
                    a.insert(s.to_owned());
                }
                Ok(global_name(s))
            }
            Decl::Set => {
                if let Some(l) = self.lookup(s) {
                    if !l.var {
                        return Err(err(n, format!("expected var {s}")));
                    }
                    return Ok(l.lua.clone());
                }
                if multi_sym(s).is_some() {
                    return Ok(self.symbol(n, s)?.code);
                }
                if let Some(a) = &self.allowed
                    && !a.contains(s)
                {
                    return Err(err(n, format!("expected local {s}")));
                }
                Ok(global_name(s))
            }
        }
    }

    /// The items of a loop's binding table before `&until` and `&into`, and the form
    /// after `&until`.
    fn loop_bindings<'a>(
        n: &Node,
        bindings: Option<&'a Node>,
    ) -> Res<(&'a [Node], Option<&'a Node>)> {
        let Some(Node {
            form: Form::Seq(items),
            ..
        }) = bindings
        else {
            return Err(err(n, "expected binding table"));
        };
        let (items, until) = split_until(items, "&until");
        let (items, _) = split_until(items, "&into");
        Ok((items, until))
    }

    /// `if <until> then break end` at the start of a loop's body.
    fn until_break(&mut self, until: Option<&Node>, inner: &mut Out) -> Res<()> {
        if let Some(u) = until {
            let c = self.one(u, inner)?;
            inner.push(format!("if {} then break end", c.code));
        }
        Ok(())
    }

    /// `for var = start, stop, step do <body> end` from `[var start stop step?]`, for
    /// `for`, `fcollect` and `faccumulate`.
    fn numeric_loop(
        &mut self,
        n: &Node,
        bindings: Option<&Node>,
        out: &mut Out,
        body: impl FnOnce(&mut Self, &mut Out) -> Res<()>,
    ) -> Res<()> {
        let m = mark(n.line);
        let (items, until) = Self::loop_bindings(n, bindings)?;
        let [var, range @ ..] = items else {
            return Err(err(n, "expected a name, a start and a stop"));
        };
        let Some(var) = var.sym() else {
            return Err(err(var, "expected a name in the loop binding"));
        };
        if !(2..=3).contains(&range.len()) {
            return Err(err(n, "expected a start, a stop and an optional step"));
        }
        let mut parts = Vec::new();
        for r in range {
            parts.push(self.one(r, out)?.code);
        }
        let mut inner = Out::new();
        self.push_scope();
        let var = self.declare(var, false);
        self.until_break(until, &mut inner)?;
        body(self, &mut inner)?;
        self.pop_scope();
        out.push(format!(
            "{m}for {var} = {} do {} end",
            parts.join(", "),
            inner.join(";")
        ));
        Ok(())
    }

    /// `for ... in iterator do <body> end`, for `each` and the collecting forms.
    fn each_loop(
        &mut self,
        n: &Node,
        bindings: Option<&Node>,
        out: &mut Out,
        body: impl FnOnce(&mut Self, &mut Out) -> Res<()>,
    ) -> Res<()> {
        let m = mark(n.line);
        let (items, until) = Self::loop_bindings(n, bindings)?;
        let Some((iter, pats)) = items.split_last() else {
            return Err(err(n, "expected an iterator in the loop binding"));
        };
        if pats.is_empty() {
            return Err(err(
                n,
                "expected a name and an iterator in the loop binding",
            ));
        }
        let it = self.compile(iter, out, Want::Values(None))?;
        let it = if it.is_empty() {
            "nil".to_owned()
        } else {
            join(&it)
        };
        self.push_scope();
        let mut names = Vec::new();
        let mut later = Vec::new();
        for p in pats {
            match &p.form {
                Form::Sym(s) => names.push(self.declare(s, false)),
                _ => {
                    let tmp = self.gensym();
                    names.push(tmp.clone());
                    later.push((p, tmp));
                }
            }
        }
        let mut inner = Out::new();
        for (p, tmp) in later {
            self.bind_values(p, vec![Expr::new(tmp, Kind::Name)], &mut inner, Decl::Local)?;
        }
        self.until_break(until, &mut inner)?;
        body(self, &mut inner)?;
        self.pop_scope();
        out.push(format!(
            "{m}for {} in {it} do {} end",
            names.join(", "),
            inner.join(";")
        ));
        Ok(())
    }

    fn collect(
        &mut self,
        n: &Node,
        name: &str,
        args: &[Node],
        out: &mut Out,
        want: Want,
    ) -> Res<Vec<Expr>> {
        let m = mark(n.line);
        let Some(Node {
            form: Form::Seq(bindings),
            ..
        }) = args.first()
        else {
            return Err(err(n, format!("expected binding table in {name}")));
        };
        let body = &args[1..];
        let into = bindings
            .iter()
            .position(|b| b.sym() == Some("&into"))
            .and_then(|i| bindings.get(i + 1));
        let tbl = self.gensym();
        let init = match into {
            Some(i) => self.one(i, out)?.code,
            None => "{}".into(),
        };
        out.push(format!("{m}local {tbl} = {init}"));
        let idx = self.gensym();
        if name != "collect" {
            out.push(format!("local {idx} = #{tbl}"));
        }
        let store = |s: &mut Self, inner: &mut Out| -> Res<()> {
            if name == "collect" {
                let (k, v) = (s.gensym(), s.gensym());
                if body.len() == 2 {
                    let mut pre = Out::new();
                    let ke = s.one(&body[0], &mut pre)?;
                    let ve = s.one(&body[1], &mut pre)?;
                    inner.extend(pre);
                    inner.push(format!("local {k}, {v} = {}, {}", ke.code, ve.code));
                } else {
                    inner.push(format!("local {k}, {v}"));
                    s.push_scope();
                    s.body(body, inner, Want::Assign(vec![k.clone(), v.clone()]), n)?;
                    s.pop_scope();
                }
                inner.push(format!(
                    "if {k} ~= nil and {v} ~= nil then {tbl}[{k}] = {v} end"
                ));
            } else {
                let v = s.gensym();
                inner.push(format!("local {v}"));
                s.push_scope();
                s.body(body, inner, Want::Assign(vec![v.clone()]), n)?;
                s.pop_scope();
                inner.push(format!(
                    "if {v} ~= nil then {idx} = {idx} + 1;{tbl}[{idx}] = {v} end"
                ));
            }
            Ok(())
        };
        if name == "fcollect" {
            self.numeric_loop(n, args.first(), out, store)?;
        } else {
            self.each_loop(n, args.first(), out, store)?;
        }
        self.finish(vec![Expr::new(tbl, Kind::Name)], out, want, n)
    }

    fn accumulate(
        &mut self,
        n: &Node,
        name: &str,
        args: &[Node],
        out: &mut Out,
        want: Want,
    ) -> Res<Vec<Expr>> {
        let m = mark(n.line);
        let Some(
            b @ Node {
                form: Form::Seq(bindings),
                ..
            },
        ) = args.first()
        else {
            return Err(err(n, format!("expected binding table in {name}")));
        };
        let [acc, init, rest @ ..] = bindings.as_slice() else {
            return Err(err(
                n,
                format!("expected an accumulator and its start in {name}"),
            ));
        };
        let Some(acc_name) = acc.sym() else {
            return Err(err(acc, "expected a name for the accumulator"));
        };
        let init = self.one(init, out)?;
        let result = self.gensym();
        out.push(format!("{m}local {result} = {}", init.code));
        let mut block = Out::new();
        self.push_scope();
        let lua = self.declare(acc_name, true);
        block.push(format!("local {lua} = {result}"));
        let rest_node = Node {
            form: Form::Seq(rest.to_vec()),
            line: b.line,
            col: b.col,
        };
        let body = &args[1..];
        let step = |s: &mut Self, inner: &mut Out| -> Res<()> {
            s.push_scope();
            s.body(body, inner, Want::Assign(vec![lua.clone()]), n)?;
            s.pop_scope();
            Ok(())
        };
        if name == "faccumulate" {
            self.numeric_loop(n, Some(&rest_node), &mut block, step)?;
        } else {
            self.each_loop(n, Some(&rest_node), &mut block, step)?;
        }
        block.push(format!(
            "{result} = {}",
            self.lookup(acc_name)
                .map(|l| l.lua.clone())
                .unwrap_or_default()
        ));
        self.pop_scope();
        out.push(format!("do {} end", block.join(";")));
        self.finish(vec![Expr::new(result, Kind::Name)], out, want, n)
    }

    /// `match` and `case`: the first clause whose pattern fits the value gives the result.
    /// In `match`, a name already bound is compared with (pinned); in `case` only `(= name)`
    /// compares.
    fn match_form(
        &mut self,
        n: &Node,
        case: bool,
        args: &[Node],
        out: &mut Out,
        want: Want,
    ) -> Res<Vec<Expr>> {
        let m = mark(n.line);
        let Some((value, clauses)) = args.split_first() else {
            return Err(err(n, "expected a value to match"));
        };
        if clauses.len() % 2 != 0 {
            return Err(err(n, "expected pattern/body pairs in match"));
        }
        let vals = self.compile(value, out, Want::Values(None))?;
        // Up to as many values as the widest `(values ...)`-style pattern takes.
        let width = clauses
            .chunks(2)
            .map(|c| match &c[0].form {
                Form::List(items)
                    if items
                        .first()
                        .and_then(Node::sym)
                        .is_none_or(|h| !matches!(h, "where" | "or" | "=")) =>
                {
                    items.len()
                }
                Form::List(items) if items.first().and_then(Node::sym) == Some("where") => {
                    match items.get(1).map(|p| &p.form) {
                        Some(Form::List(inner))
                            if inner.first().and_then(Node::sym).is_none_or(|h| h != "or") =>
                        {
                            inner.len()
                        }
                        _ => 1,
                    }
                }
                _ => 1,
            })
            .max()
            .unwrap_or(1)
            .max(1);
        let subjects: Vec<String> = (0..width).map(|_| self.gensym()).collect();
        let rhs = if vals.is_empty() {
            "nil".into()
        } else {
            join(&vals)
        };
        out.push(format!("{m}local {} = {rhs}", subjects.join(", ")));
        self.statements(out, want, |s, out, w| {
            let mut code = String::new();
            let mut ends = 0;
            for c in clauses.chunks(2) {
                let (pat, body) = (&c[0], &c[1]);
                let mut clause = Out::new();
                s.push_scope();
                let ok = s.gensym();
                clause.push(format!("local {ok} = false"));
                let mut binds = Out::new();
                let test = s.clause_test(pat, &subjects, case, &mut binds)?;
                clause.push(format!(
                    "do {} ;if {test} then {ok} = true end end",
                    binds.join(";")
                ));
                // The bindings again, now visible to the body (the test above ran in a block).
                let mut body_out = Out::new();
                body_out.extend(binds);
                s.compile(body, &mut body_out, w.clone())?;
                s.pop_scope();
                code.push_str(&format!(
                    "{};if {ok} then {} else ",
                    clause.join(";"),
                    body_out.join(";")
                ));
                ends += 1;
            }
            let mut none = Out::new();
            if !matches!(w, Want::Discard) {
                s.finish(vec![Expr::nil()], &mut none, w, n)?;
            }
            code.push_str(&none.join(";"));
            for _ in 0..ends {
                code.push_str(" end");
            }
            out.push(code);
            Ok(())
        })
    }

    /// The condition that `pat` fits the subjects, with the statements binding its names
    /// (written into `binds`, which the condition follows).
    fn clause_test(
        &mut self,
        pat: &Node,
        subjects: &[String],
        case: bool,
        binds: &mut Out,
    ) -> Res<String> {
        match &pat.form {
            Form::List(items) => match items.first().and_then(Node::sym) {
                Some("where") => {
                    let [_, p, guards @ ..] = items.as_slice() else {
                        return Err(err(pat, "expected a pattern in where"));
                    };
                    let mut test = self.clause_test(p, subjects, case, binds)?;
                    for g in guards {
                        let mut pre = Out::new();
                        let e = self.one(g, &mut pre)?;
                        if !pre.is_empty() {
                            return Err(err(g, "a guard of where must be an expression"));
                        }
                        test = format!("{test} and {}", paren(&e));
                    }
                    Ok(test)
                }
                Some("or") => {
                    let mut tests = Vec::new();
                    for p in &items[1..] {
                        let mut b = Out::new();
                        let t = self.clause_test(p, subjects, case, &mut b)?;
                        if b.iter().any(|s| s.contains("local ")) {
                            return Err(err(
                                p,
                                "patterns in or may not bind names in Cartbox's Fennel",
                            ));
                        }
                        binds.extend(b);
                        tests.push(format!("({t})"));
                    }
                    Ok(format!("({})", tests.join(" or ")))
                }
                Some("=") => {
                    let [_, v] = items.as_slice() else {
                        return Err(err(pat, "expected one name in (= name)"));
                    };
                    let e = self.one(v, binds)?;
                    Ok(format!("({} == {})", subjects[0], paren(&e)))
                }
                _ => {
                    let mut tests = Vec::new();
                    for (i, p) in items.iter().enumerate() {
                        let subj = subjects.get(i).cloned().unwrap_or_else(|| "nil".into());
                        tests.push(self.pattern(p, &subj, case, binds)?);
                    }
                    Ok(join_tests(tests))
                }
            },
            _ => self.pattern(pat, &subjects[0], case, binds),
        }
    }

    /// The condition that `pat` fits the value named `subj`.
    fn pattern(&mut self, pat: &Node, subj: &str, case: bool, binds: &mut Out) -> Res<String> {
        match &pat.form {
            Form::Sym(s) if s == "_" => Ok("true".into()),
            Form::Sym(s) if s.starts_with('_') => {
                let lua = self.declare(s, false);
                binds.push(format!("local {lua} = {subj}"));
                Ok("true".into())
            }
            Form::Sym(s) => {
                let nullable = s.starts_with('?');
                if !case && !nullable && self.lookup(s).is_some() {
                    // A name already bound is compared with.
                    let e = self.symbol(pat, s)?;
                    return Ok(format!("({subj} == {})", e.code));
                }
                if s.contains('.') && !nullable {
                    let e = self.symbol(pat, s)?;
                    return Ok(format!("({subj} == {})", e.code));
                }
                let lua = self.declare(s, false);
                binds.push(format!("local {lua} = {subj}"));
                Ok(if nullable {
                    "true".into()
                } else {
                    format!("({subj} ~= nil)")
                })
            }
            Form::Nil => Ok(format!("({subj} == nil)")),
            Form::Bool(_) | Form::Num(_) | Form::Str(_) => {
                let mut pre = Out::new();
                let e = self.one(pat, &mut pre)?;
                Ok(format!("({subj} == {})", e.code))
            }
            Form::Seq(items) => {
                let mut tests = vec![format!("(type({subj}) == \"table\")")];
                let mut index = 1;
                let mut i = 0;
                while i < items.len() {
                    let item = &items[i];
                    match item.sym() {
                        Some("&") => {
                            if let Some(rest) = items.get(i + 1) {
                                let tmp = self.gensym();
                                binds.push(format!(
                                    "local {tmp} = type({subj}) == \"table\" and {{table.unpack({subj}, {index})}} or nil"
                                ));
                                tests.push(self.pattern(rest, &tmp, case, binds)?);
                            }
                            i += 2;
                        }
                        Some("&as") => {
                            if let Some(whole) = items.get(i + 1) {
                                tests.push(self.pattern(whole, subj, case, binds)?);
                            }
                            i += 2;
                        }
                        _ => {
                            let tmp = self.gensym();
                            binds.push(format!(
                                "local {tmp} = type({subj}) == \"table\" and {subj}[{index}] or nil"
                            ));
                            tests.push(self.pattern(item, &tmp, case, binds)?);
                            index += 1;
                            i += 1;
                        }
                    }
                }
                Ok(join_tests(tests))
            }
            Form::Table(items) => {
                let mut tests = vec![format!("(type({subj}) == \"table\")")];
                let mut i = 0;
                while i + 1 < items.len() {
                    let (k, v) = (&items[i], &items[i + 1]);
                    i += 2;
                    let key = match k.sym() {
                        Some("&as") => {
                            tests.push(self.pattern(v, subj, case, binds)?);
                            continue;
                        }
                        Some(":") => index_suffix(v.sym().unwrap_or("_")),
                        _ => self.key(k, binds)?,
                    };
                    let tmp = self.gensym();
                    binds.push(format!(
                        "local {tmp} = type({subj}) == \"table\" and {subj}{key} or nil"
                    ));
                    tests.push(self.pattern(v, &tmp, case, binds)?);
                }
                Ok(join_tests(tests))
            }
            Form::List(_) => {
                let mut b = Out::new();
                let t = self.clause_test(pat, &[subj.to_owned()], case, &mut b)?;
                binds.extend(b);
                Ok(t)
            }
        }
    }
}

/// `t.x` / `t:x` names: the base and the parts after it; `None` for a plain name.
fn multi_sym(s: &str) -> Option<(&str, Vec<&str>)> {
    if s == "..." || s == ".." || s == "." || s == "?." || !s.contains('.') {
        return None;
    }
    let mut parts = s.split('.');
    let first = parts.next()?;
    let rest: Vec<&str> = parts.collect();
    if first.is_empty() || rest.iter().any(|p| p.is_empty()) {
        return None;
    }
    Some((first, rest))
}

fn paren(e: &Expr) -> String {
    match e.kind {
        Kind::Literal | Kind::Name | Kind::Call => e.code.clone(),
        Kind::Vararg => "(...)".into(),
        Kind::Other => e.code.clone(),
    }
}

fn join(exprs: &[Expr]) -> String {
    exprs
        .iter()
        .map(|e| e.code.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn join_tests(tests: Vec<String>) -> String {
    let tests: Vec<String> = tests.into_iter().filter(|t| t != "true").collect();
    if tests.is_empty() {
        "true".into()
    } else {
        tests.join(" and ")
    }
}

/// The items before `marker` and the form after it.
fn split_until<'a>(items: &'a [Node], marker: &str) -> (&'a [Node], Option<&'a Node>) {
    match items.iter().position(|i| i.sym() == Some(marker)) {
        Some(p) => (&items[..p], items.get(p + 1)),
        None => (items, None),
    }
}

/// `$`, `$N` and `$...` in a `#(...)` body (not inside a nested one).
fn scan_dollars(n: &Node, max: &mut usize, vararg: &mut bool) {
    match &n.form {
        Form::Sym(s) if s == "$" => *max = (*max).max(1),
        Form::Sym(s) if s == "$..." => *vararg = true,
        Form::Sym(s) => {
            let head = s.split(['.', ':']).next().unwrap_or(s);
            if let Some(d) = head.strip_prefix('$')
                && let Ok(k) = d.parse::<usize>()
                && (1..=9).contains(&k)
            {
                *max = (*max).max(k);
            }
        }
        Form::List(items) if items.first().and_then(Node::sym) == Some("hashfn") => {}
        Form::List(items) | Form::Seq(items) | Form::Table(items) => {
            for i in items {
                scan_dollars(i, max, vararg);
            }
        }
        _ => {}
    }
}

/// `->` and its kin, rewritten into nested calls.
fn thread(n: &Node, name: &str, args: &[Node], gensym: &mut dyn FnMut() -> String) -> Res<Node> {
    let Some((first, forms)) = args.split_first() else {
        return Err(err(n, format!("expected a value in {name}")));
    };
    let last = name.ends_with(">>");
    let safe = name.starts_with("-?");
    if forms.len() > MAX_DEPTH / 4 {
        // Each form nests the next one level deeper.
        return Err(err(n, format!("too many forms in {name}")));
    }
    let insert = |form: &Node, acc: Node| -> Node {
        match &form.form {
            Form::List(items) if !items.is_empty() => {
                let mut v = items.clone();
                if last {
                    v.push(acc);
                } else {
                    v.insert(1, acc);
                }
                list_node(v, form)
            }
            _ => list_node(vec![form.clone(), acc], form),
        }
    };
    if !safe {
        let mut acc = first.clone();
        for f in forms {
            acc = insert(f, acc);
        }
        return Ok(acc);
    }
    // (-?> x f g) is (let [t x] (if (not= t nil) (-?> (f t) g) nil)).
    let Some((f, rest)) = forms.split_first() else {
        return Ok(first.clone());
    };
    let tmp = format!("\u{0}{}", gensym());
    let t = sym_node(&tmp, n);
    let mut inner_args = vec![insert(f, t.clone())];
    inner_args.extend_from_slice(rest);
    let inner = thread(n, name, &inner_args, gensym)?;
    Ok(list_node(
        vec![
            sym_node("let", n),
            Node {
                form: Form::Seq(vec![t.clone(), first.clone()]),
                line: n.line,
                col: n.col,
            },
            list_node(
                vec![
                    sym_node("if", n),
                    list_node(
                        vec![
                            sym_node("not=", n),
                            t,
                            Node {
                                form: Form::Nil,
                                line: n.line,
                                col: n.col,
                            },
                        ],
                        n,
                    ),
                    inner,
                ],
                n,
            ),
        ],
        n,
    ))
}
