//! MoonScript's grammar: tokens to statements and expressions.

use super::Error;
use super::lex::{Piece, Tok, Token};

pub(super) type Block = Vec<Stmt>;
/// The conditions and blocks of an `if` chain.
pub(super) type Arms = Vec<(Expr, Block)>;
/// The values and blocks of a `switch`'s `when` clauses.
pub(super) type WhenArms = Vec<(Vec<Expr>, Block)>;

#[derive(Debug, Clone)]
pub(super) struct Stmt {
    pub kind: S,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(super) enum S {
    Assign(Vec<Expr>, Vec<Expr>),
    Update(Expr, &'static str, Expr),
    Expr(Expr),
    /// `a, b, c` as a statement: the values a function gives when it is its last.
    Values(Vec<Expr>),
    Return(Vec<Expr>),
    Break,
    Continue,
    If(Vec<(Expr, Block)>, Option<Block>),
    While(Expr, Block),
    ForNum(String, Expr, Expr, Option<Expr>, Block),
    ForIn(Vec<String>, Vec<Expr>, Block),
    /// `for x in *t`
    ForEach(String, Expr, Block),
    Local(Vec<String>),
    Export(Vec<String>, Vec<Expr>),
    ExportClass(Box<Class>),
    Import(Vec<(String, bool)>, Expr),
    Class(Box<Class>),
    Switch(Expr, WhenArms, Option<Block>),
    With(Expr, Block),
    Do(Block),
}

#[derive(Debug, Clone)]
pub(super) struct Class {
    pub name: String,
    pub parent: Option<Expr>,
    /// `name: value` entries of the instances' table; `new` is the constructor.
    pub members: Vec<(String, Expr)>,
    /// `@name: value` entries, and statements, run with `self` the class.
    pub statics: Vec<Stmt>,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(super) struct Expr {
    pub kind: E,
    pub line: u32,
}

#[derive(Debug, Clone)]
pub(super) enum E {
    Nil,
    Bool(bool),
    Num(String),
    Str(Vec<StrPart>),
    Name(String),
    /// `@` alone (`None`) or `@name`.
    SelfRef(Option<String>),
    /// `@@name`
    ClassRef(String),
    Vararg,
    Field(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    Call(Box<Expr>, Vec<Expr>),
    Method(Box<Expr>, String, Vec<Expr>),
    /// `super` inside a class method, called (`super ...`) or indexed.
    Super(Option<String>, Vec<Expr>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Un(&'static str, Box<Expr>),
    Paren(Box<Expr>),
    Table(Vec<Item>),
    Func(Box<Func>),
    /// `[expr for ... when ...]`
    ListComp(Box<Expr>, Vec<Clause>),
    /// `{k, v for ...}`
    TableComp(Box<Expr>, Box<Expr>, Vec<Clause>),
    If(Vec<(Expr, Block)>, Option<Block>),
    /// `do` as a value: its block's last statement's.
    Do(Block),
    /// `switch` as a value.
    Switch(Box<Expr>, WhenArms, Option<Block>),
    /// `with` as a value: the object.
    With(Box<Expr>, Block),
    /// The object of the innermost `with` (a leading `.name` or `\name`).
    WithRef,
}

#[derive(Debug, Clone)]
pub(super) enum StrPart {
    Text(Vec<u8>),
    Code(Expr),
}

#[derive(Debug, Clone)]
pub(super) enum Item {
    Pos(Expr),
    Key(Expr, Expr),
    Named(String, Expr),
}

#[derive(Debug, Clone)]
pub(super) enum Clause {
    For(Vec<String>, Vec<Expr>),
    ForEach(String, Expr),
    ForNum(String, Expr, Expr, Option<Expr>),
    When(Expr),
}

#[derive(Debug, Clone)]
pub(super) struct Func {
    /// Names, with their default values; `@name` parameters set `self.name`.
    pub params: Vec<Param>,
    pub vararg: bool,
    pub fat: bool,
    pub body: Block,
}

#[derive(Debug, Clone)]
pub(super) struct Param {
    pub name: String,
    pub self_field: bool,
    pub default: Option<Expr>,
}

pub(super) fn parse(tokens: Vec<Token>) -> Result<Block, Error> {
    let mut p = Parser {
        t: tokens,
        i: 0,
        depth: 0,
        with_depth: 0,
    };
    let block = p.block_until_eof()?;
    Ok(block)
}

struct Parser {
    t: Vec<Token>,
    i: usize,
    depth: usize,
    /// How many `with` blocks are open.
    with_depth: usize,
}

const MAX_DEPTH: usize = 200;

fn binary_prec(op: &str) -> Option<(u8, bool)> {
    // (precedence, right associative)
    Some(match op {
        "or" => (1, false),
        "and" => (2, false),
        "<" | ">" | "<=" | ">=" | "==" | "!=" | "~=" => (3, false),
        ".." => (5, true),
        "+" | "-" => (6, false),
        "*" | "/" | "//" | "%" => (7, false),
        "^" => (9, true),
        _ => return None,
    })
}

impl Parser {
    fn peek(&self) -> &Tok {
        &self.t[self.i.min(self.t.len() - 1)].tok
    }
    fn tok(&self) -> &Token {
        &self.t[self.i.min(self.t.len() - 1)]
    }
    fn peek_at(&self, k: usize) -> &Tok {
        &self.t[(self.i + k).min(self.t.len() - 1)].tok
    }
    fn line(&self) -> u32 {
        self.tok().line
    }
    fn bump(&mut self) -> Token {
        let t = self.tok().clone();
        if self.i < self.t.len() {
            self.i += 1;
        }
        t
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(self.peek(), Tok::Op(o) if *o == op)
    }
    fn is_kw(&self, kw: &str) -> bool {
        matches!(self.peek(), Tok::Kw(k) if *k == kw)
    }
    fn eat_op(&mut self, op: &str) -> bool {
        if self.is_op(op) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, kw: &str) -> bool {
        if self.is_kw(kw) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn err(&self, message: impl Into<String>) -> Error {
        Error {
            line: self.line(),
            message: message.into(),
        }
    }
    fn unexpected(&self) -> Error {
        let what = match self.peek() {
            Tok::Name(n) => format!("'{n}'"),
            Tok::Num(n) => format!("'{n}'"),
            Tok::Str(_) => "a string".into(),
            Tok::Kw(k) => format!("'{k}'"),
            Tok::Op(o) => format!("'{o}'"),
            Tok::Newline => "the end of the line".into(),
            Tok::Indent => "an indented block".into(),
            Tok::Dedent => "the end of the block".into(),
            Tok::Eof => "the end of the code".into(),
        };
        self.err(format!("unexpected {what}"))
    }
    fn expect_op(&mut self, op: &str) -> Result<(), Error> {
        if self.eat_op(op) {
            Ok(())
        } else {
            Err(self.err(format!("expected '{op}'")).with_found(self))
        }
    }
    fn name(&mut self) -> Result<String, Error> {
        match self.peek().clone() {
            Tok::Name(n) => {
                self.bump();
                Ok(n)
            }
            _ => Err(self.err("expected a name").with_found(self)),
        }
    }
    fn enter(&mut self) -> Result<(), Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.err("the code is nested too deeply"));
        }
        Ok(())
    }

    fn skip_newlines(&mut self) {
        while matches!(self.peek(), Tok::Newline) {
            self.bump();
        }
    }

    /// Inside an indented block: past the line breaks to its next item; `false` at the
    /// block's end (its `Dedent` taken) or at the end of the code.
    fn next_in_block(&mut self) -> bool {
        self.skip_newlines();
        match self.peek() {
            Tok::Dedent => {
                self.bump();
                false
            }
            Tok::Eof => false,
            _ => true,
        }
    }

    /// After an item of an indented block: a line break or the block's end must follow.
    fn item_ends(&self) -> Result<(), Error> {
        if matches!(self.peek(), Tok::Newline | Tok::Dedent | Tok::Eof) {
            Ok(())
        } else {
            Err(self.unexpected())
        }
    }

    fn block_until_eof(&mut self) -> Result<Block, Error> {
        let mut b = Vec::new();
        loop {
            self.skip_newlines();
            if matches!(self.peek(), Tok::Eof) {
                return Ok(b);
            }
            b.push(self.statement()?);
            if !matches!(self.peek(), Tok::Newline | Tok::Eof) {
                return Err(self.unexpected());
            }
        }
    }

    /// An indented block after a line, or (with `then`/`do` or for a one-line form) the
    /// statement on the same line.
    fn body(&mut self) -> Result<Block, Error> {
        if matches!(self.peek(), Tok::Indent) {
            self.bump();
            let mut b = Vec::new();
            while self.next_in_block() {
                b.push(self.statement()?);
                self.item_ends()?;
            }
            return Ok(b);
        }
        if matches!(self.peek(), Tok::Newline | Tok::Eof | Tok::Dedent) {
            return Ok(Vec::new());
        }
        Ok(vec![self.statement()?])
    }

    fn statement(&mut self) -> Result<Stmt, Error> {
        self.enter()?;
        let r = self.statement_inner();
        self.depth -= 1;
        let stmt = r?;
        // Line decorators: `stmt if cond`, `stmt unless cond`, `stmt for x in *t`.
        let line = self.line();
        if self.is_kw("if") || self.is_kw("unless") {
            let unless = self.is_kw("unless");
            self.bump();
            let mut cond = self.expr()?;
            if unless {
                cond = un("not", cond);
            }
            return Ok(Stmt {
                kind: S::If(vec![(cond, vec![stmt])], None),
                line,
            });
        }
        if self.is_kw("for") && matches!(stmt.kind, S::Expr(_)) {
            self.bump();
            let clause = self.for_clause()?;
            let body = vec![stmt];
            let kind = match clause {
                Clause::ForEach(n, e) => S::ForEach(n, e, body),
                Clause::For(n, e) => S::ForIn(n, e, body),
                Clause::ForNum(n, a, b, c) => S::ForNum(n, a, b, c, body),
                Clause::When(_) => return Err(self.unexpected()),
            };
            return Ok(Stmt { kind, line });
        }
        Ok(stmt)
    }

    fn statement_inner(&mut self) -> Result<Stmt, Error> {
        let line = self.line();
        let kind = match self.peek().clone() {
            Tok::Kw("return") => {
                self.bump();
                let vals = if self.at_end() {
                    Vec::new()
                } else {
                    self.expr_list()?
                };
                S::Return(vals)
            }
            Tok::Kw("break") => {
                self.bump();
                S::Break
            }
            Tok::Kw("continue") => {
                self.bump();
                S::Continue
            }
            Tok::Kw("if") | Tok::Kw("unless") => {
                let (arms, els) = self.if_chain()?;
                S::If(arms, els)
            }
            Tok::Kw("while") => {
                self.bump();
                let cond = self.expr()?;
                self.eat_kw("do");
                S::While(cond, self.body()?)
            }
            Tok::Kw("for") => {
                self.bump();
                let clause = self.for_clause()?;
                self.eat_kw("do");
                let body = self.body()?;
                match clause {
                    Clause::ForEach(n, e) => S::ForEach(n, e, body),
                    Clause::For(n, e) => S::ForIn(n, e, body),
                    Clause::ForNum(n, a, b, c) => S::ForNum(n, a, b, c, body),
                    Clause::When(_) => return Err(self.unexpected()),
                }
            }
            Tok::Kw("local") => {
                self.bump();
                let mut names = vec![self.name()?];
                while self.eat_op(",") {
                    names.push(self.name()?);
                }
                if self.eat_op("=") {
                    let values = self.expr_list()?;
                    let targets = names
                        .iter()
                        .map(|n| Expr {
                            kind: E::Name(n.clone()),
                            line,
                        })
                        .collect();
                    // Declared, then assigned.
                    return Ok(Stmt {
                        kind: S::Do(vec![
                            Stmt {
                                kind: S::Local(names),
                                line,
                            },
                            Stmt {
                                kind: S::Assign(targets, values),
                                line,
                            },
                        ]),
                        line,
                    });
                }
                S::Local(names)
            }
            Tok::Kw("export") => {
                self.bump();
                if self.is_kw("class") {
                    let c = self.class()?;
                    return Ok(Stmt {
                        kind: S::ExportClass(Box::new(c)),
                        line,
                    });
                }
                if self.eat_op("*") || self.eat_op("^") {
                    return Err(self.err(
                        "export * and export ^ are not supported by Cartbox's MoonScript compiler",
                    ));
                }
                let mut names = vec![self.name()?];
                while self.eat_op(",") {
                    names.push(self.name()?);
                }
                let values = if self.eat_op("=") {
                    self.expr_list()?
                } else {
                    Vec::new()
                };
                S::Export(names, values)
            }
            Tok::Kw("import") => {
                self.bump();
                let mut names = Vec::new();
                loop {
                    let method = self.eat_op("\\");
                    names.push((self.name()?, method));
                    if !self.eat_op(",") {
                        break;
                    }
                }
                if !self.eat_kw("from") {
                    return Err(self.err("expected 'from'"));
                }
                S::Import(names, self.expr()?)
            }
            Tok::Kw("class") => S::Class(Box::new(self.class()?)),
            Tok::Kw("switch") => {
                let (subject, arms, els) = self.switch()?;
                S::Switch(subject, arms, els)
            }
            Tok::Kw("with") => {
                let (e, body) = self.with()?;
                S::With(e, body)
            }
            Tok::Kw("do") => {
                self.bump();
                S::Do(self.body()?)
            }
            _ => {
                let first = self.expr()?;
                if self.is_op(",") || self.is_op("=") {
                    let mut targets = vec![first];
                    while self.eat_op(",") {
                        targets.push(self.expr()?);
                    }
                    if !self.is_op("=") {
                        return Ok(Stmt {
                            kind: S::Values(targets),
                            line,
                        });
                    }
                    self.expect_op("=")?;
                    for t in &targets {
                        if !assignable(t) {
                            return Err(Error {
                                line: t.line,
                                message: "cannot assign to this expression".into(),
                            });
                        }
                    }
                    let values = self.expr_list()?;
                    S::Assign(targets, values)
                } else if let Tok::Op(
                    op @ ("+=" | "-=" | "*=" | "/=" | "%=" | "^=" | "..=" | "//=" | "or=" | "and="),
                ) = self.peek().clone()
                {
                    self.bump();
                    if !assignable(&first) {
                        return Err(self.err("cannot assign to this expression"));
                    }
                    let v = self.expr()?;
                    S::Update(first, op, v)
                } else {
                    S::Expr(first)
                }
            }
        };
        Ok(Stmt { kind, line })
    }

    /// `switch subject` and its `when`/`else` clauses.
    fn switch(&mut self) -> Result<(Expr, WhenArms, Option<Block>), Error> {
        self.bump();
        let subject = self.expr()?;
        if !matches!(self.peek(), Tok::Indent) {
            return Err(self.err("expected an indented block of when clauses"));
        }
        self.bump();
        let mut arms = Vec::new();
        let mut els = None;
        while self.next_in_block() {
            if self.eat_kw("when") {
                let vals = self.expr_list()?;
                self.eat_kw("then");
                arms.push((vals, self.body()?));
            } else if self.eat_kw("else") {
                els = Some(self.body()?);
            } else {
                return Err(self.unexpected());
            }
        }
        Ok((subject, arms, els))
    }

    /// `with object` and its block, where `.name` and `\name` start at the object.
    fn with(&mut self) -> Result<(Expr, Block), Error> {
        self.bump();
        let e = self.expr()?;
        self.eat_kw("do");
        self.with_depth += 1;
        let body = self.body();
        self.with_depth -= 1;
        Ok((e, body?))
    }

    fn at_end(&self) -> bool {
        matches!(
            self.peek(),
            Tok::Newline | Tok::Dedent | Tok::Eof | Tok::Op(")" | "]" | "}" | ",")
        ) || self.is_kw("if")
            || self.is_kw("unless")
            || self.is_kw("for")
    }

    fn if_chain(&mut self) -> Result<(Arms, Option<Block>), Error> {
        let unless = self.is_kw("unless");
        self.bump();
        let mut cond = self.expr()?;
        if unless {
            cond = un("not", cond);
        }
        self.eat_kw("then");
        let mut arms = vec![(cond, self.body()?)];
        let mut els = None;
        loop {
            // `elseif`/`else` on the next line at the same indentation.
            let save = self.i;
            self.skip_newlines();
            if self.eat_kw("elseif") {
                let c = self.expr()?;
                self.eat_kw("then");
                arms.push((c, self.body()?));
            } else if self.eat_kw("else") {
                els = Some(self.body()?);
                break;
            } else {
                self.i = save;
                break;
            }
        }
        Ok((arms, els))
    }

    fn for_clause(&mut self) -> Result<Clause, Error> {
        let first = self.name()?;
        if self.eat_op("=") {
            let a = self.expr()?;
            self.expect_op(",")?;
            let b = self.expr()?;
            let c = if self.eat_op(",") {
                Some(self.expr()?)
            } else {
                None
            };
            return Ok(Clause::ForNum(first, a, b, c));
        }
        let mut names = vec![first];
        while self.eat_op(",") {
            names.push(self.name()?);
        }
        if !self.eat_kw("in") {
            return Err(self.err("expected 'in' or '='").with_found(self));
        }
        if self.is_op("*") {
            self.bump();
            let e = self.expr()?;
            if names.len() != 1 {
                return Err(self.err("expected one name before 'in *'"));
            }
            return Ok(Clause::ForEach(names.remove(0), e));
        }
        Ok(Clause::For(names, self.expr_list()?))
    }

    fn class(&mut self) -> Result<Class, Error> {
        let line = self.line();
        self.bump(); // class
        let name = self.name()?;
        let parent = if self.eat_kw("extends") {
            Some(self.expr()?)
        } else {
            None
        };
        let mut members = Vec::new();
        let mut statics = Vec::new();
        if matches!(self.peek(), Tok::Indent) {
            self.bump();
            while self.next_in_block() {
                let l = self.line();
                // `name: value`, `@name: value`, or a statement.
                if let (Tok::Name(n), Tok::Op(":")) = (self.peek().clone(), self.peek_at(1).clone())
                {
                    self.bump();
                    self.bump();
                    members.push((n, self.expr()?));
                } else if let (Tok::Op("@"), Tok::Name(n), Tok::Op(":")) = (
                    self.peek().clone(),
                    self.peek_at(1).clone(),
                    self.peek_at(2).clone(),
                ) {
                    self.bump();
                    self.bump();
                    self.bump();
                    let v = self.expr()?;
                    statics.push(Stmt {
                        kind: S::Assign(
                            vec![Expr {
                                kind: E::SelfRef(Some(n)),
                                line: l,
                            }],
                            vec![v],
                        ),
                        line: l,
                    });
                } else {
                    statics.push(self.statement()?);
                }
                self.item_ends()?;
            }
        }
        Ok(Class {
            name,
            parent,
            members,
            statics,
            line,
        })
    }

    /// Whether `name:` (a key of a table written without braces) comes next.
    fn at_implicit_key(&self) -> bool {
        matches!(
            (self.peek(), self.peek_at(1)),
            (Tok::Name(_) | Tok::Kw(_), Tok::Op(":"))
        ) && self.t.get(self.i + 1).is_some_and(|t| !t.space_before)
    }

    /// A table written without braces: `a: 1, b: 2` on a line, or one `key: value` per
    /// line in an indented block.
    fn implicit_table(&mut self) -> Result<Expr, Error> {
        let line = self.line();
        let mut items = Vec::new();
        let block = matches!(self.peek(), Tok::Indent);
        if block {
            self.bump();
        }
        loop {
            if block && !self.next_in_block() {
                break;
            }
            let key = self.field_name()?;
            self.expect_op(":")?;
            let value = if matches!(self.peek(), Tok::Indent) {
                self.implicit_table()?
            } else {
                self.expr()?
            };
            items.push(Item::Named(key, value));
            if self.is_op(",") {
                self.bump();
                continue;
            }
            if !block {
                break;
            }
            self.item_ends()?;
        }
        Ok(Expr {
            kind: E::Table(items),
            line,
        })
    }

    fn expr_list(&mut self) -> Result<Vec<Expr>, Error> {
        if self.at_implicit_key()
            || (matches!(self.peek(), Tok::Indent) && {
                let save = self.i + 1;
                matches!(
                    (
                        self.t.get(save).map(|t| &t.tok),
                        self.t.get(save + 1).map(|t| &t.tok)
                    ),
                    (Some(Tok::Name(_) | Tok::Kw(_)), Some(Tok::Op(":")))
                )
            })
        {
            return Ok(vec![self.implicit_table()?]);
        }
        let mut v = vec![self.expr()?];
        while self.is_op(",") {
            self.bump();
            v.push(self.expr()?);
        }
        Ok(v)
    }

    pub(super) fn expr(&mut self) -> Result<Expr, Error> {
        self.enter()?;
        let r = self.binary(0);
        self.depth -= 1;
        r
    }

    fn binary(&mut self, min: u8) -> Result<Expr, Error> {
        let mut left = self.unary()?;
        loop {
            let op: &'static str = match self.peek() {
                Tok::Op(o) => o,
                Tok::Kw(k @ ("and" | "or")) => k,
                _ => break,
            };
            let Some((prec, right)) = binary_prec(op) else {
                break;
            };
            if prec < min {
                break;
            }
            let line = self.line();
            self.bump();
            // An operator at the end of a line continues the expression.
            self.skip_newlines();
            let next = if right { prec } else { prec + 1 };
            let rhs = self.binary(next)?;
            let op = if op == "!=" { "~=" } else { op };
            left = Expr {
                kind: E::Bin(op, Box::new(left), Box::new(rhs)),
                line,
            };
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let line = self.line();
        let op = match self.peek() {
            Tok::Kw("not") => "not",
            Tok::Op("-") => "-",
            Tok::Op("#") => "#",
            Tok::Op("~") => "~",
            _ => return self.power(),
        };
        self.bump();
        self.enter()?;
        // Unary operators bind looser than ^ and tighter than the rest.
        let e = self.binary(8);
        self.depth -= 1;
        Ok(Expr {
            kind: E::Un(op, Box::new(e?)),
            line,
        })
    }

    fn power(&mut self) -> Result<Expr, Error> {
        self.postfix()
    }

    /// Whether the next token starts an argument of a call without parentheses.
    fn starts_argument(&self) -> bool {
        let t = self.tok();
        if !t.space_before {
            return matches!(t.tok, Tok::Str(_) | Tok::Op("{"));
        }
        match &t.tok {
            Tok::Name(_) | Tok::Num(_) | Tok::Str(_) => true,
            Tok::Kw("not" | "true" | "false") => true,
            Tok::Op("{" | "@" | "@@" | "->" | "=>" | "..." | "(" | "[") => true,
            // `f -1` is a call, `f - 1` a subtraction.
            Tok::Op("-" | "#") => !t.space_after,
            _ => false,
        }
    }

    fn postfix(&mut self) -> Result<Expr, Error> {
        let mut e = self.primary()?;
        loop {
            let line = self.line();
            let t = self.tok().clone();
            match &t.tok {
                Tok::Op(".") if !t.space_before || matches!(e.kind, E::WithRef) => {
                    self.bump();
                    let n = self.field_name()?;
                    e = Expr {
                        kind: E::Field(Box::new(e), n),
                        line,
                    };
                }
                Tok::Op("[") if !t.space_before => {
                    self.bump();
                    let k = self.expr()?;
                    self.expect_op("]")?;
                    e = Expr {
                        kind: E::Index(Box::new(e), Box::new(k)),
                        line,
                    };
                }
                Tok::Op("(") if !t.space_before => {
                    self.bump();
                    let args = self.paren_args()?;
                    e = call(e, args, line);
                }
                Tok::Op("!") if !t.space_before => {
                    self.bump();
                    e = call(e, Vec::new(), line);
                }
                Tok::Op("\\") if !t.space_before || matches!(e.kind, E::WithRef) => {
                    self.bump();
                    let m = self.field_name()?;
                    let args = if self.is_op("(") && !self.tok().space_before {
                        self.bump();
                        self.paren_args()?
                    } else if self.is_op("!") && !self.tok().space_before {
                        self.bump();
                        Vec::new()
                    } else if self.starts_argument() {
                        self.implicit_args()?
                    } else {
                        return Err(self.err("expected arguments after a method name"));
                    };
                    e = Expr {
                        kind: E::Method(Box::new(e), m, args),
                        line,
                    };
                }
                _ if callable(&e) && self.starts_argument() => {
                    let args = self.implicit_args()?;
                    e = call(e, args, line);
                    break;
                }
                _ => break,
            }
        }
        Ok(e)
    }

    fn field_name(&mut self) -> Result<String, Error> {
        match self.peek().clone() {
            Tok::Name(n) => {
                self.bump();
                Ok(n)
            }
            Tok::Kw(k) => {
                self.bump();
                Ok(k.to_owned())
            }
            _ => Err(self.err("expected a name").with_found(self)),
        }
    }

    fn paren_args(&mut self) -> Result<Vec<Expr>, Error> {
        let mut args = Vec::new();
        if self.eat_op(")") {
            return Ok(args);
        }
        loop {
            args.push(self.expr()?);
            if self.eat_op(")") {
                return Ok(args);
            }
            self.expect_op(",")?;
        }
    }

    /// `f a, b`: arguments to the end of the expression list.
    fn implicit_args(&mut self) -> Result<Vec<Expr>, Error> {
        let mut args = vec![self.expr()?];
        while self.is_op(",") {
            self.bump();
            args.push(self.expr()?);
        }
        Ok(args)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let line = self.line();
        let t = self.tok().clone();
        let kind = match t.tok {
            Tok::Name(n) if n == "nil" => {
                self.bump();
                E::Nil
            }
            Tok::Name(n) if n == "super" => {
                self.bump();
                if self.is_op("\\") || self.is_op(".") {
                    self.bump();
                    let m = self.field_name()?;
                    let args = if self.is_op("(") && !self.tok().space_before {
                        self.bump();
                        self.paren_args()?
                    } else if self.eat_op("!") {
                        Vec::new()
                    } else if self.starts_argument() {
                        self.implicit_args()?
                    } else {
                        Vec::new()
                    };
                    E::Super(Some(m), args)
                } else if self.is_op("(") && !self.tok().space_before {
                    self.bump();
                    E::Super(None, self.paren_args()?)
                } else if self.eat_op("!") {
                    E::Super(None, Vec::new())
                } else if self.starts_argument() {
                    E::Super(None, self.implicit_args()?)
                } else {
                    E::Super(None, Vec::new())
                }
            }
            Tok::Name(n) => {
                self.bump();
                E::Name(n)
            }
            Tok::Num(n) => {
                self.bump();
                E::Num(n)
            }
            Tok::Str(pieces) => {
                self.bump();
                let mut parts = Vec::new();
                for p in pieces {
                    parts.push(match p {
                        Piece::Text(t) => StrPart::Text(t),
                        Piece::Code(code, l) => {
                            let toks = super::lex::lex(&code, l)?;
                            let mut sub = Parser {
                                t: toks,
                                i: 0,
                                depth: self.depth,
                                with_depth: self.with_depth,
                            };
                            let e = sub.expr()?;
                            StrPart::Code(e)
                        }
                    });
                }
                E::Str(parts)
            }
            Tok::Kw("true") => {
                self.bump();
                E::Bool(true)
            }
            Tok::Kw("false") => {
                self.bump();
                E::Bool(false)
            }
            Tok::Op("...") => {
                self.bump();
                E::Vararg
            }
            Tok::Op("@") => {
                self.bump();
                if let Tok::Name(n) = self.peek().clone()
                    && !self.tok().space_before
                {
                    self.bump();
                    E::SelfRef(Some(n))
                } else {
                    E::SelfRef(None)
                }
            }
            Tok::Op("@@") => {
                self.bump();
                E::ClassRef(self.name()?)
            }
            Tok::Op("(") => {
                // A parameter list of a function, or an expression in parentheses.
                if self.is_function_params() {
                    return self.function();
                }
                self.bump();
                let e = self.expr()?;
                self.expect_op(")")?;
                E::Paren(Box::new(e))
            }
            Tok::Op("->" | "=>") => return self.function(),
            Tok::Op("{") => {
                self.bump();
                self.table()?
            }
            Tok::Op("[") => {
                self.bump();
                let e = self.expr()?;
                let clauses = self.comp_clauses()?;
                self.expect_op("]")?;
                E::ListComp(Box::new(e), clauses)
            }
            Tok::Kw("if") | Tok::Kw("unless") => {
                let (arms, els) = self.if_chain()?;
                E::If(arms, els)
            }
            Tok::Kw("do") => {
                self.bump();
                E::Do(self.body()?)
            }
            Tok::Kw("switch") => {
                let (subject, arms, els) = self.switch()?;
                E::Switch(Box::new(subject), arms, els)
            }
            Tok::Kw("with") => {
                let (e, body) = self.with()?;
                E::With(Box::new(e), body)
            }
            Tok::Op("." | "\\") if self.with_depth > 0 => E::WithRef,
            _ => return Err(self.unexpected()),
        };
        Ok(Expr { kind, line })
    }

    fn is_function_params(&self) -> bool {
        // Find the matching ')' and look for -> or => after it.
        let mut depth = 0;
        let mut k = self.i;
        while k < self.t.len() {
            match &self.t[k].tok {
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]" | "}") => {
                    depth -= 1;
                    if depth == 0 {
                        return matches!(
                            self.t.get(k + 1).map(|t| &t.tok),
                            Some(Tok::Op("->" | "=>"))
                        );
                    }
                }
                Tok::Newline | Tok::Eof => return false,
                _ => {}
            }
            k += 1;
        }
        false
    }

    fn function(&mut self) -> Result<Expr, Error> {
        let line = self.line();
        let mut params = Vec::new();
        let mut vararg = false;
        if self.eat_op("(") && !self.eat_op(")") {
            loop {
                if self.eat_op("...") {
                    vararg = true;
                } else {
                    let self_field = self.eat_op("@");
                    let name = self.name()?;
                    let default = if self.eat_op("=") {
                        Some(self.expr()?)
                    } else {
                        None
                    };
                    params.push(Param {
                        name,
                        self_field,
                        default,
                    });
                }
                if self.eat_op(")") {
                    break;
                }
                self.expect_op(",")?;
            }
        }
        let fat = match self.bump().tok {
            Tok::Op("->") => false,
            Tok::Op("=>") => true,
            _ => return Err(self.err("expected -> or =>")),
        };
        let body = if matches!(self.peek(), Tok::Indent) {
            self.body()?
        } else if self.at_end() {
            Vec::new()
        } else {
            vec![self.statement_no_decorator()?]
        };
        Ok(Expr {
            kind: E::Func(Box::new(Func {
                params,
                vararg,
                fat,
                body,
            })),
            line,
        })
    }

    /// A one-line function body: a statement, without line decorators (they belong to
    /// the line).
    fn statement_no_decorator(&mut self) -> Result<Stmt, Error> {
        self.enter()?;
        let r = self.statement_inner();
        self.depth -= 1;
        r
    }

    fn table(&mut self) -> Result<E, Error> {
        let mut items = Vec::new();
        loop {
            while self.eat_op(",") {}
            if self.eat_op("}") {
                return Ok(E::Table(items));
            }
            let line = self.line();
            let item = if let (Tok::Name(n), Tok::Op(":")) =
                (self.peek().clone(), self.peek_at(1).clone())
            {
                self.bump();
                self.bump();
                Item::Named(n, self.expr()?)
            } else if let (Tok::Kw(k), Tok::Op(":")) =
                (self.peek().clone(), self.peek_at(1).clone())
            {
                self.bump();
                self.bump();
                Item::Named(k.to_owned(), self.expr()?)
            } else if let (Tok::Op(":"), Tok::Name(n)) =
                (self.peek().clone(), self.peek_at(1).clone())
            {
                self.bump();
                self.bump();
                Item::Named(
                    n.clone(),
                    Expr {
                        kind: E::Name(n),
                        line,
                    },
                )
            } else if self.is_op("[") {
                self.bump();
                let k = self.expr()?;
                self.expect_op("]")?;
                self.expect_op(":")?;
                Item::Key(k, self.expr()?)
            } else if let (Tok::Str(_), Tok::Op(":")) =
                (self.peek().clone(), self.peek_at(1).clone())
            {
                let k = self.primary()?;
                self.bump();
                Item::Key(k, self.expr()?)
            } else {
                let e = self.expr()?;
                if items.is_empty() && self.is_op(",") && self.comprehension_follows() {
                    self.bump();
                    let v = self.expr()?;
                    let clauses = self.comp_clauses()?;
                    self.expect_op("}")?;
                    return Ok(E::TableComp(Box::new(e), Box::new(v), clauses));
                }
                if items.is_empty() && self.is_kw("for") {
                    // `{x for ...}`: the key and value from one expression giving two.
                    let clauses = self.comp_clauses()?;
                    self.expect_op("}")?;
                    let line = e.line;
                    return Ok(E::TableComp(
                        Box::new(e),
                        Box::new(Expr { kind: E::Nil, line }),
                        clauses,
                    ));
                }
                Item::Pos(e)
            };
            items.push(item);
            if !self.is_op(",") && !self.is_op("}") {
                return Err(self.err("expected ',' or '}'").with_found(self));
            }
        }
    }

    /// After `{k,`: whether `v for` follows (a table comprehension).
    fn comprehension_follows(&self) -> bool {
        let mut depth = 0;
        let mut k = self.i + 1;
        while k < self.t.len() {
            match &self.t[k].tok {
                Tok::Op("(" | "[" | "{") => depth += 1,
                Tok::Op(")" | "]") => depth -= 1,
                Tok::Op("}") => {
                    if depth == 0 {
                        return false;
                    }
                    depth -= 1;
                }
                Tok::Op(",") if depth == 0 => return false,
                Tok::Kw("for") if depth == 0 => return true,
                Tok::Eof => return false,
                _ => {}
            }
            k += 1;
        }
        false
    }

    fn comp_clauses(&mut self) -> Result<Vec<Clause>, Error> {
        let mut clauses = Vec::new();
        loop {
            if self.eat_kw("for") {
                clauses.push(self.for_clause()?);
            } else if self.eat_kw("when") {
                clauses.push(Clause::When(self.expr()?));
            } else {
                break;
            }
        }
        if clauses.is_empty() {
            return Err(self
                .err("expected 'for' in a comprehension")
                .with_found(self));
        }
        Ok(clauses)
    }
}

impl Error {
    fn with_found(mut self, p: &Parser) -> Error {
        let u = p.unexpected();
        if let Some(rest) = u.message.strip_prefix("unexpected ") {
            self.message = format!("{}, found {rest}", self.message);
        }
        self
    }
}

fn un(op: &'static str, e: Expr) -> Expr {
    let line = e.line;
    Expr {
        kind: E::Un(op, Box::new(e)),
        line,
    }
}

fn call(f: Expr, args: Vec<Expr>, line: u32) -> Expr {
    Expr {
        kind: E::Call(Box::new(f), args),
        line,
    }
}

/// Whether `e` is a Lua prefix expression (it can be called or indexed as it is).
pub(super) fn callable(e: &Expr) -> bool {
    matches!(
        e.kind,
        E::Name(_)
            | E::WithRef
            | E::SelfRef(_)
            | E::ClassRef(_)
            | E::Field(..)
            | E::Index(..)
            | E::Call(..)
            | E::Method(..)
            | E::Paren(_)
    )
}

fn assignable(e: &Expr) -> bool {
    matches!(
        e.kind,
        E::Name(_)
            | E::SelfRef(Some(_))
            | E::ClassRef(_)
            | E::Field(..)
            | E::Index(..)
            | E::Table(_)
    )
}
