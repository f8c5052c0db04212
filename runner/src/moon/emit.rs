//! MoonScript statements to Lua source, with MoonScript's rules: an assignment to a name
//! not yet visible declares a local; `export` names globals; a function gives the value of
//! its last statement; classes are tables with a base table and a constructor, as
//! MoonScript writes them.
//!
//! Statements carry line marks (as the Fennel compiler's), so that the Lua of a line stays
//! on its line.

use std::collections::HashSet;

use super::Error;
use super::parse::{Block, Class, Clause, E, Expr, Func, Item, S, Stmt, StrPart, callable};
use crate::fennel::{MARK, MARK_END};
use crate::luasrc::{field_key, index_suffix, string_literal, valid_identifier};

type Out = Vec<String>;
type Res<T> = Result<T, Error>;

fn mark(line: u32) -> String {
    format!("{MARK}{line}{MARK_END}")
}

#[derive(Default)]
struct Scope {
    names: HashSet<String>,
}

/// Where the blocks of an `if` put their last value.
#[derive(Clone, Copy)]
enum Dest<'a> {
    Nothing,
    Return,
    Name(&'a str),
}

struct ClassCtx {
    class: String,
    method: String,
}

struct Loop {
    label: String,
    used: bool,
}

pub(super) struct Emitter {
    scopes: Vec<Scope>,
    exported: HashSet<String>,
    gensyms: u32,
    classes: Vec<ClassCtx>,
    loops: Vec<Loop>,
    /// Whether the function being written takes `...`.
    vararg: Vec<bool>,
    /// The objects of the open `with` blocks.
    withs: Vec<String>,
    depth: usize,
}

const MAX_DEPTH: usize = 400;

impl Emitter {
    pub(super) fn new() -> Emitter {
        Emitter {
            scopes: vec![Scope::default()],
            exported: HashSet::new(),
            gensyms: 0,
            classes: Vec::new(),
            loops: Vec::new(),
            vararg: vec![true],
            withs: Vec::new(),
            depth: 0,
        }
    }

    pub(super) fn program(&mut self, b: &Block) -> Res<String> {
        let mut out = Out::new();
        for s in b {
            self.stmt(s, &mut out, false)?;
        }
        Ok(out.join(";"))
    }

    fn gensym(&mut self, base: &str) -> String {
        self.gensyms += 1;
        format!("_{base}_{}", self.gensyms)
    }

    fn declared(&self, name: &str) -> bool {
        self.exported.contains(name) || self.scopes.iter().any(|s| s.names.contains(name))
    }

    fn declare(&mut self, name: &str) {
        if let Some(s) = self.scopes.last_mut() {
            s.names.insert(name.to_owned());
        }
    }

    fn scoped<T>(&mut self, f: impl FnOnce(&mut Self) -> Res<T>) -> Res<T> {
        self.scopes.push(Scope::default());
        let r = f(self);
        self.scopes.pop();
        r
    }

    fn block(&mut self, b: &Block, ret: bool) -> Res<String> {
        self.scoped(|s| {
            let mut out = Out::new();
            for (i, st) in b.iter().enumerate() {
                s.stmt(st, &mut out, ret && i + 1 == b.len())?;
            }
            Ok(out.join(";"))
        })
    }

    /// A block whose last statement's value is assigned to `target`.
    fn block_into(&mut self, b: &Block, target: &str) -> Res<String> {
        self.scoped(|s| {
            let mut out = Out::new();
            for (i, st) in b.iter().enumerate() {
                if i + 1 == b.len()
                    && let S::Expr(e) = &st.kind
                {
                    let v = s.expr(e, &mut out)?;
                    out.push(format!("{}{target} = {v}", mark(st.line)));
                } else if i + 1 == b.len() && matches!(st.kind, S::If(..)) {
                    let S::If(arms, els) = &st.kind else {
                        unreachable!()
                    };
                    s.if_stmt(arms, els.as_ref(), &mut out, st.line, Dest::Name(target))?;
                } else {
                    s.stmt(st, &mut out, false)?;
                }
            }
            Ok(out.join(";"))
        })
    }

    fn stmt(&mut self, st: &Stmt, out: &mut Out, ret: bool) -> Res<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error {
                line: st.line,
                message: "the code is nested too deeply".into(),
            });
        }
        let r = self.stmt_inner(st, out, ret);
        self.depth -= 1;
        r
    }

    fn stmt_inner(&mut self, st: &Stmt, out: &mut Out, ret: bool) -> Res<()> {
        let m = mark(st.line);
        match &st.kind {
            S::Expr(e) => {
                let v = self.expr(e, out)?;
                if ret {
                    out.push(format!("{m}return {v}"));
                } else if matches!(e.kind, E::Call(..) | E::Method(..) | E::Super(..)) {
                    out.push(format!("{m}{v}"));
                } else {
                    out.push(format!("{m}do local _ = {v} end"));
                }
            }
            S::Values(vals) => {
                let vs = self.exprs(vals, out)?;
                if ret {
                    out.push(format!("{m}return {}", vs.join(", ")));
                } else {
                    out.push(format!("{m}do local _ = {} end", vs.join(", ")));
                }
            }
            S::Assign(targets, values) => self.assign(targets, values, out, st.line)?,
            S::Update(t, op, v) => {
                let target = self.expr(t, out)?;
                let value = self.expr(v, out)?;
                let op = op.trim_end_matches('=');
                out.push(format!("{m}{target} = {target} {op} ({value})"));
            }
            S::Return(vals) => {
                let vs = self.exprs(vals, out)?;
                out.push(format!("{m}return {}", vs.join(", ")));
            }
            S::Break => out.push(format!("{m}break")),
            S::Continue => {
                let Some(l) = self.loops.last_mut() else {
                    return Err(Error {
                        line: st.line,
                        message: "continue outside a loop".into(),
                    });
                };
                l.used = true;
                out.push(format!("{m}goto {}", l.label));
            }
            S::If(arms, els) => {
                let into = if ret { Dest::Return } else { Dest::Nothing };
                self.if_stmt(arms, els.as_ref(), out, st.line, into)?;
            }
            S::While(c, body) => {
                let mut pre = Out::new();
                let cv = self.expr(c, &mut pre)?;
                let b = self.loop_body(body)?;
                if pre.is_empty() {
                    out.push(format!("{m}while {cv} do {b} end"));
                } else {
                    out.push(format!(
                        "{m}while true do {};if not ({cv}) then break end;{b} end",
                        pre.join(";")
                    ));
                }
            }
            S::ForNum(v, a, b, c, body) => {
                let header = self.for_num_header(v, a, b, c.as_ref(), out)?;
                let var = v.clone();
                let body = self.scoped(|s| {
                    s.declare(&var);
                    s.loop_body(body)
                })?;
                out.push(format!("{m}{header} do {body} end"));
            }
            S::ForIn(names, exprs, body) => {
                let it = self.exprs(exprs, out)?;
                let names = names.clone();
                let body = self.scoped(|s| {
                    for n in &names {
                        s.declare(n);
                    }
                    s.loop_body(body)
                })?;
                out.push(format!(
                    "{m}for {} in {} do {body} end",
                    names.join(", "),
                    it.join(", ")
                ));
            }
            S::ForEach(x, e, body) => {
                let list = self.gensym("list");
                let i = self.gensym("index");
                let lv = self.expr(e, out)?;
                let x = x.clone();
                let body = self.scoped(|s| {
                    s.declare(&x);
                    s.loop_body(body)
                })?;
                out.push(format!(
                    "{m}local {list} = {lv};for {i} = 1, #{list} do local {x} = {list}[{i}];{body} end"
                ));
            }
            S::Local(names) => {
                for n in names {
                    self.declare(n);
                }
                out.push(format!("{m}local {}", names.join(", ")));
            }
            S::Export(names, values) => {
                for n in names {
                    self.exported.insert(n.clone());
                }
                if !values.is_empty() {
                    let vs = self.exprs(values, out)?;
                    out.push(format!("{m}{} = {}", names.join(", "), vs.join(", ")));
                }
            }
            S::ExportClass(c) => {
                self.exported.insert(c.name.clone());
                self.class(c, out)?;
            }
            S::Class(c) => {
                if !self.declared(&c.name) {
                    self.declare(&c.name);
                    out.push(format!("{m}local {}", c.name));
                }
                self.class(c, out)?;
            }
            S::Import(names, from) => {
                let src = self.gensym("obj");
                let fv = self.expr(from, out)?;
                out.push(format!("{m}local {src} = {fv}"));
                for (n, method) in names {
                    let v = if *method {
                        format!("function(...) return {src}:{n}(...) end")
                    } else {
                        format!("{src}{}", index_suffix(n))
                    };
                    if self.declared(n) {
                        out.push(format!("{n} = {v}"));
                    } else {
                        self.declare(n);
                        out.push(format!("local {n} = {v}"));
                    }
                }
            }
            S::Switch(subject, arms, els) => {
                let into = if ret { Dest::Return } else { Dest::Nothing };
                self.switch(subject, arms, els.as_ref(), out, st.line, into)?;
            }
            S::With(e, body) => {
                let obj = self.with(e, body, out, st.line)?;
                if ret {
                    out.push(format!("return {obj}"));
                }
            }
            S::Do(b) => {
                let b = self.block(b, ret)?;
                out.push(format!("{m}do {b} end"));
            }
        }
        Ok(())
    }

    /// A loop's body, with a `continue` label at its end when it uses one.
    fn loop_body(&mut self, body: &Block) -> Res<String> {
        let label = self.gensym("continue");
        self.loops.push(Loop {
            label: label.clone(),
            used: false,
        });
        let b = self.block(body, false);
        let l = self.loops.pop();
        let b = b?;
        Ok(if l.is_some_and(|l| l.used) {
            format!("do {b} end ::{label}::")
        } else {
            b
        })
    }

    fn for_num_header(
        &mut self,
        v: &str,
        a: &Expr,
        b: &Expr,
        c: Option<&Expr>,
        out: &mut Out,
    ) -> Res<String> {
        let av = self.expr(a, out)?;
        let bv = self.expr(b, out)?;
        Ok(match c {
            Some(c) => {
                let cv = self.expr(c, out)?;
                format!("for {v} = {av}, {bv}, {cv}")
            }
            None => format!("for {v} = {av}, {bv}"),
        })
    }

    /// `switch`: an `if` chain comparing the subject with each clause's values.
    fn switch(
        &mut self,
        subject: &Expr,
        arms: &[(Vec<Expr>, Block)],
        els: Option<&Block>,
        out: &mut Out,
        line: u32,
        into: Dest<'_>,
    ) -> Res<()> {
        let tmp = self.gensym("exp");
        let sv = self.expr(subject, out)?;
        out.push(format!("{}local {tmp} = {sv}", mark(line)));
        let mut conds = Vec::new();
        for (vals, body) in arms {
            let vs = self.exprs(vals, out)?;
            let c = vs
                .iter()
                .map(|v| format!("{tmp} == {v}"))
                .collect::<Vec<_>>()
                .join(" or ");
            conds.push((
                Expr {
                    kind: E::Name(format!("({c})")),
                    line,
                },
                body.clone(),
            ));
        }
        if !conds.is_empty() {
            return self.if_stmt(&conds, els, out, line, into);
        }
        let b = match (els, into) {
            (None, _) => return Ok(()),
            (Some(b), Dest::Nothing) => self.block(b, false)?,
            (Some(b), Dest::Return) => self.block(b, true)?,
            (Some(b), Dest::Name(t)) => self.block_into(b, t)?,
        };
        out.push(format!("do {b} end"));
        Ok(())
    }

    /// `with`: the object in a local the block's `.name` and `\name` start at; gives the
    /// local.
    fn with(&mut self, e: &Expr, body: &Block, out: &mut Out, line: u32) -> Res<String> {
        let obj = self.gensym("with");
        let v = self.expr(e, out)?;
        out.push(format!("{}local {obj} = {v}", mark(line)));
        self.withs.push(obj.clone());
        let b = self.block(body, false);
        self.withs.pop();
        out.push(format!("do {} end", b?));
        Ok(obj)
    }

    /// An `if` chain; each block's last statement is assigned to `into`, returned (with
    /// `Dest::Return`), or only run.
    fn if_stmt(
        &mut self,
        arms: &[(Expr, Block)],
        els: Option<&Block>,
        out: &mut Out,
        line: u32,
        into: Dest<'_>,
    ) -> Res<()> {
        let m = mark(line);
        let mut code = String::new();
        let mut ends = 1;
        let branch = |s: &mut Self, b: &Block| match into {
            Dest::Nothing => s.block(b, false),
            Dest::Return => s.block(b, true),
            Dest::Name(t) => s.block_into(b, t),
        };
        for (i, (c, body)) in arms.iter().enumerate() {
            let mut pre = Out::new();
            let cv = self.expr(c, &mut pre)?;
            if i == 0 {
                out.extend(pre);
                code.push_str(&format!("{m}if {cv} then "));
            } else if pre.is_empty() {
                code.push_str(&format!(" elseif {cv} then "));
            } else {
                code.push_str(&format!(" else {};if {cv} then ", pre.join(";")));
                ends += 1;
            }
            code.push_str(&branch(self, body)?);
        }
        if let Some(b) = els {
            code.push_str(" else ");
            code.push_str(&branch(self, b)?);
        }
        for _ in 0..ends {
            code.push_str(" end");
        }
        out.push(code);
        Ok(())
    }

    fn assign(&mut self, targets: &[Expr], values: &[Expr], out: &mut Out, line: u32) -> Res<()> {
        let m = mark(line);
        // `{a, b} = t`: destructuring.
        if let [
            t @ Expr {
                kind: E::Table(items),
                ..
            },
        ] = targets
        {
            let _ = t;
            let vs = self.exprs(values, out)?;
            let tmp = self.gensym("des");
            out.push(format!(
                "{m}local {tmp} = {}",
                vs.first().cloned().unwrap_or("nil".into())
            ));
            let mut index = 1;
            for item in items {
                let (target, src) = match item {
                    Item::Pos(e) => {
                        let s = format!("{tmp}[{index}]");
                        index += 1;
                        (e, s)
                    }
                    Item::Named(k, e) => (e, format!("{tmp}{}", index_suffix(k))),
                    Item::Key(k, e) => {
                        let kv = self.expr(k, out)?;
                        (e, format!("{tmp}[{kv}]"))
                    }
                };
                let src_expr = Expr {
                    kind: E::Name(src),
                    line,
                };
                self.assign(
                    std::slice::from_ref(target),
                    std::slice::from_ref(&src_expr),
                    out,
                    line,
                )?;
            }
            return Ok(());
        }
        let new: Vec<String> = targets
            .iter()
            .filter_map(|t| match &t.kind {
                E::Name(n) if !self.declared(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        // A function assigned to a new name can call itself.
        if let (
            [
                Expr {
                    kind: E::Name(n), ..
                },
            ],
            [
                Expr {
                    kind: E::Func(_), ..
                },
            ],
        ) = (targets, values)
            && !new.is_empty()
        {
            self.declare(n);
            let v = self.expr(&values[0], out)?;
            out.push(format!("{m}local {n};{n} = {v}"));
            return Ok(());
        }
        let vs = self.exprs(values, out)?;
        let mut lhs = Vec::new();
        for t in targets {
            lhs.push(match &t.kind {
                E::Name(n) => n.clone(),
                _ => self.expr(t, out)?,
            });
        }
        let all_new = new.len() == targets.len();
        for n in &new {
            self.declare(n);
        }
        if all_new {
            out.push(format!("{m}local {} = {}", lhs.join(", "), vs.join(", ")));
        } else {
            if !new.is_empty() {
                out.push(format!("{m}local {}", new.join(", ")));
            }
            out.push(format!("{m}{} = {}", lhs.join(", "), vs.join(", ")));
        }
        Ok(())
    }

    fn exprs(&mut self, es: &[Expr], out: &mut Out) -> Res<Vec<String>> {
        es.iter().map(|e| self.expr(e, out)).collect()
    }

    fn prefix(&mut self, e: &Expr, out: &mut Out) -> Res<String> {
        let v = self.expr(e, out)?;
        Ok(if callable(e) { v } else { format!("({v})") })
    }

    fn expr(&mut self, e: &Expr, out: &mut Out) -> Res<String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Error {
                line: e.line,
                message: "the code is nested too deeply".into(),
            });
        }
        let r = self.expr_inner(e, out);
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &Expr, out: &mut Out) -> Res<String> {
        let m = mark(e.line);
        Ok(match &e.kind {
            E::Nil => "nil".into(),
            E::Bool(b) => b.to_string(),
            E::Num(n) => n.clone(),
            E::Str(parts) => {
                let mut pieces = Vec::new();
                for p in parts {
                    pieces.push(match p {
                        StrPart::Text(t) => string_literal(t),
                        StrPart::Code(c) => format!("tostring({})", self.expr(c, out)?),
                    });
                }
                if pieces.len() == 1 {
                    pieces.remove(0)
                } else {
                    format!("({})", pieces.join(" .. "))
                }
            }
            E::Name(n) => n.clone(),
            E::SelfRef(None) => "self".into(),
            E::SelfRef(Some(n)) => format!("self{}", index_suffix(n)),
            E::ClassRef(n) => format!("self.__class{}", index_suffix(n)),
            E::Vararg => "...".into(),
            E::Field(o, n) => format!("{}{}", self.prefix(o, out)?, index_suffix(n)),
            E::Index(o, k) => {
                let ov = self.prefix(o, out)?;
                let kv = self.expr(k, out)?;
                format!("{ov}[{kv}]")
            }
            E::Call(f, args) => {
                let fv = self.prefix(f, out)?;
                let a = self.exprs(args, out)?;
                format!("{m}{fv}({})", a.join(", "))
            }
            E::Method(o, name, args) => {
                let ov = self.prefix(o, out)?;
                let a = self.exprs(args, out)?;
                if valid_identifier(name) {
                    format!("{m}{ov}:{name}({})", a.join(", "))
                } else {
                    let tmp = self.gensym("obj");
                    out.push(format!("local {tmp} = {ov}"));
                    let mut all = vec![tmp.clone()];
                    all.extend(a);
                    format!("{m}{tmp}{}({})", index_suffix(name), all.join(", "))
                }
            }
            E::Super(method, args) => {
                let Some(ctx) = self.classes.last() else {
                    return Err(Error {
                        line: e.line,
                        message: "super outside a class method".into(),
                    });
                };
                let class = ctx.class.clone();
                let current = ctx.method.clone();
                let a = self.exprs(args, out)?;
                let mut all = vec!["self".to_owned()];
                all.extend(a);
                let target = match method.as_deref() {
                    None if current == "new" => format!("{class}.__parent.__init"),
                    None => format!("{class}.__parent.__base{}", index_suffix(&current)),
                    Some(m) => format!("{class}.__parent.__base{}", index_suffix(m)),
                };
                format!("{m}{target}({})", all.join(", "))
            }
            E::Bin(op, a, b) => {
                let av = self.expr(a, out)?;
                let bv = self.expr(b, out)?;
                format!("({av} {op} {bv})")
            }
            E::Un(op, a) => {
                let av = self.expr(a, out)?;
                let sep = if *op == "not" { " " } else { "" };
                format!("({op}{sep}{av})")
            }
            E::Paren(inner) => format!("({})", self.expr(inner, out)?),
            E::Table(items) => {
                let mut parts = Vec::new();
                for it in items {
                    parts.push(match it {
                        Item::Pos(v) => self.expr(v, out)?,
                        Item::Named(k, v) => {
                            let vv = self.expr(v, out)?;
                            format!("{} = {vv}", field_key(k.as_bytes()))
                        }
                        Item::Key(k, v) => {
                            let kv = self.expr(k, out)?;
                            let vv = self.expr(v, out)?;
                            format!("[{kv}] = {vv}")
                        }
                    });
                }
                format!("{m}{{{}}}", parts.join(", "))
            }
            E::Func(f) => self.function(f, e.line)?,
            E::ListComp(value, clauses) => {
                let acc = self.gensym("accum");
                let len = self.gensym("len");
                out.push(format!("{m}local {acc} = {{}};local {len} = 1"));
                let v = value.clone();
                let body = self.comprehension(clauses, &mut |s, inner| {
                    let vv = s.expr(&v, inner)?;
                    inner.push(format!("{acc}[{len}] = {vv};{len} = {len} + 1"));
                    Ok(())
                })?;
                out.push(body);
                acc
            }
            E::TableComp(k, v, clauses) => {
                let tbl = self.gensym("tbl");
                out.push(format!("{m}local {tbl} = {{}}"));
                let (k, v) = (k.clone(), v.clone());
                let body = self.comprehension(clauses, &mut |s, inner| {
                    if matches!(v.kind, E::Nil) {
                        let kv = s.expr(&k, inner)?;
                        let (a, b) = (s.gensym("key"), s.gensym("val"));
                        inner.push(format!("local {a}, {b} = {kv};{tbl}[{a}] = {b}"));
                    } else {
                        let kv = s.expr(&k, inner)?;
                        let vv = s.expr(&v, inner)?;
                        inner.push(format!("{tbl}[{kv}] = {vv}"));
                    }
                    Ok(())
                })?;
                out.push(body);
                tbl
            }
            E::Do(b) => {
                let tmp = self.gensym("val");
                out.push(format!("{m}local {tmp}"));
                let inner = self.block_into(b, &tmp)?;
                out.push(format!("do {inner} end"));
                tmp
            }
            E::Switch(subject, arms, els) => {
                let tmp = self.gensym("val");
                out.push(format!("{m}local {tmp}"));
                self.switch(subject, arms, els.as_ref(), out, e.line, Dest::Name(&tmp))?;
                tmp
            }
            E::With(obj, body) => self.with(obj, body, out, e.line)?,
            E::WithRef => match self.withs.last() {
                Some(w) => w.clone(),
                None => {
                    return Err(Error {
                        line: e.line,
                        message: "a leading . or \\ outside a with block".into(),
                    });
                }
            },
            E::If(arms, els) => {
                let tmp = self.gensym("val");
                out.push(format!("{m}local {tmp}"));
                self.if_stmt(arms, els.as_ref(), out, e.line, Dest::Name(&tmp))?;
                tmp
            }
        })
    }

    /// The loops of a comprehension around what `inner` writes.
    fn comprehension(
        &mut self,
        clauses: &[Clause],
        inner: &mut dyn FnMut(&mut Self, &mut Out) -> Res<()>,
    ) -> Res<String> {
        self.scoped(|s| {
            let Some((first, rest)) = clauses.split_first() else {
                let mut o = Out::new();
                inner(s, &mut o)?;
                return Ok(o.join(";"));
            };
            let mut pre = Out::new();
            let (open, close) = match first {
                Clause::When(c) => {
                    let cv = s.expr(c, &mut pre)?;
                    (format!("if {cv} then "), " end")
                }
                Clause::For(names, exprs) => {
                    let it = s.exprs(exprs, &mut pre)?;
                    for n in names {
                        s.declare(n);
                    }
                    (
                        format!("for {} in {} do ", names.join(", "), it.join(", ")),
                        " end",
                    )
                }
                Clause::ForEach(x, e) => {
                    let list = s.gensym("list");
                    let i = s.gensym("index");
                    let lv = s.expr(e, &mut pre)?;
                    s.declare(x);
                    (
                        format!(
                            "local {list} = {lv};for {i} = 1, #{list} do local {x} = {list}[{i}];"
                        ),
                        " end",
                    )
                }
                Clause::ForNum(v, a, b, c) => {
                    let h = s.for_num_header(v, a, b, c.as_ref(), &mut pre)?;
                    s.declare(v);
                    (format!("{h} do "), " end")
                }
            };
            let body = s.comprehension(rest, inner)?;
            pre.push(format!("{open}{body}{close}"));
            Ok(pre.join(";"))
        })
    }

    fn function(&mut self, f: &Func, line: u32) -> Res<String> {
        let m = mark(line);
        self.scoped(|s| {
            let mut names = Vec::new();
            let mut prelude = Vec::new();
            if f.fat {
                names.push("self".to_owned());
                s.declare("self");
            }
            for p in &f.params {
                s.declare(&p.name);
                names.push(p.name.clone());
                if let Some(d) = &p.default {
                    let mut pre = Out::new();
                    let dv = s.expr(d, &mut pre)?;
                    pre.push(format!("{} = {dv}", p.name));
                    prelude.push(format!("if {} == nil then {} end", p.name, pre.join(";")));
                }
                if p.self_field {
                    prelude.push(format!("self{} = {}", index_suffix(&p.name), p.name));
                }
            }
            if f.vararg {
                names.push("...".into());
            }
            s.vararg.push(f.vararg);
            let saved = std::mem::take(&mut s.loops);
            let body = s.block(&f.body, true);
            s.loops = saved;
            s.vararg.pop();
            prelude.push(body?);
            Ok(format!(
                "{m}function({}) {} end",
                names.join(", "),
                prelude.join(";")
            ))
        })
    }

    fn class(&mut self, c: &Class, out: &mut Out) -> Res<()> {
        let m = mark(c.line);
        let class = self.gensym("class");
        let base = self.gensym("base");
        let parent = self.gensym("parent");
        let mut body = Out::new();
        body.push(format!("local {class}"));
        let has_parent = c.parent.is_some();
        if let Some(p) = &c.parent {
            let pv = self.expr(p, &mut body)?;
            body.push(format!("local {parent} = {pv}"));
        }
        let mut members = Vec::new();
        let mut init = None;
        for (name, value) in &c.members {
            self.classes.push(ClassCtx {
                class: class.clone(),
                method: name.clone(),
            });
            let v = self.expr(value, &mut body);
            self.classes.pop();
            let v = v?;
            if name == "new" {
                init = Some(v);
            } else {
                members.push(format!("{} = {v}", field_key(name.as_bytes())));
            }
        }
        body.push(format!("local {base} = {{{}}}", members.join(", ")));
        body.push(format!("{base}.__index = {base}"));
        if has_parent {
            body.push(format!("setmetatable({base}, {parent}.__base)"));
        }
        let init = init.unwrap_or_else(|| {
            if has_parent {
                format!("function(self, ...) return {class}.__parent.__init(self, ...) end")
            } else {
                "function() end".to_owned()
            }
        });
        let index = if has_parent {
            format!(
                "function(cls, name) local val = rawget({base}, name) if val == nil then return {parent}[name] end return val end"
            )
        } else {
            base.clone()
        };
        let parent_field = if has_parent {
            format!(", __parent = {parent}")
        } else {
            String::new()
        };
        body.push(format!(
            "{class} = setmetatable({{__init = {init}, __base = {base}, __name = {}{parent_field}}}, \
             {{__index = {index}, __call = function(cls, ...) local _self = setmetatable({{}}, {base}) \
             cls.__init(_self, ...) return _self end}})",
            string_literal(c.name.as_bytes())
        ));
        body.push(format!("{base}.__class = {class}"));
        // Class-level statements run with `self` the class.
        let statics = self.scoped(|s| {
            s.declare("self");
            let mut o = vec![format!("local self = {class}")];
            for st in &c.statics {
                s.stmt(st, &mut o, false)?;
            }
            Ok(o.join(";"))
        })?;
        body.push(statics);
        if has_parent {
            body.push(format!(
                "if {parent}.__inherited then {parent}.__inherited({parent}, {class}) end"
            ));
        }
        body.push(format!("{} = {class}", c.name));
        out.push(format!("{m}do {} end", body.join(";")));
        Ok(())
    }
}
