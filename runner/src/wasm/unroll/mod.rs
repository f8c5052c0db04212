//! Fewer soft-stop checks in small loops: their bodies are repeated before compiling.
//!
//! The soft stop is wasmtime's epoch interruption, which checks the epoch at every loop
//! header. In a loop of a few instructions that check is a good part of each iteration
//! (a fifth of a tight loop's time). Here each innermost loop without parameters or
//! results and with a short body is rewritten to run its body several times per pass
//! through the header (up to [`MAX_COPIES`], within [`UNROLLED`] instructions), so a stop
//! is seen within a few iterations instead of one:
//!
//! ```text
//! loop $l                     block $exit
//!   BODY                        loop $l
//! end                             block $a  BODY (br $l -> br $a; falls out: br $exit)  end
//!                                 ...       (one such block per copy but the last)
//!                                 BODY
//!                               end
//!                             end
//! ```
//!
//! A branch to the loop from a copy goes to the start of the next copy; one that leaves
//! the loop goes as far out as before (two more labels lie in between in a copy, one in
//! the last); falling out of a copy leaves the loop, as falling out of the original does.
//! A body that ends with `br_if $l` (most loops) becomes, in a copy, "leave unless that
//! condition", so the copies run straight on. The rewritten module is compiled only if it
//! is valid; any doubt keeps the original.

use std::borrow::Cow;
use std::convert::Infallible;

use wasm_encoder::reencode::{Error, Reencode, RoundtripReencoder, utils};
use wasm_encoder::{CodeSection, Function, Instruction};
use wasmparser::{BlockType, FunctionBody, Operator};

/// The most copies of a loop's body.
const MAX_COPIES: usize = 8;

/// How many instructions the copies of a body may add up to: a body of up to 16 is
/// repeated 8 times, one of 64 twice, a longer one not at all.
const UNROLLED: usize = 128;

/// The longest body that is repeated (two copies).
const MAX_BODY: usize = UNROLLED / 2;

/// The module with its small loops unrolled, or `None` if it could not be read or has no
/// loop to unroll.
pub(super) fn unroll(module: &[u8]) -> Option<Vec<u8>> {
    unroll_with(module, MAX_COPIES)
}

/// [`unroll`] with at most `copies` copies of each body.
fn unroll_with(module: &[u8], copies: usize) -> Option<Vec<u8>> {
    let mut unroller = Unroller {
        changed: false,
        copies,
    };
    let mut out = wasm_encoder::Module::new();
    utils::parse_core_module(&mut unroller, &mut out, wasmparser::Parser::new(0), module).ok()?;
    unroller.changed.then(|| out.finish())
}

struct Unroller {
    changed: bool,
    copies: usize,
}

impl Reencode for Unroller {
    type Error = Infallible;

    fn parse_function_body(
        &mut self,
        code: &mut CodeSection,
        func: FunctionBody<'_>,
    ) -> Result<(), Error<Self::Error>> {
        let mut f = self.new_function_with_parsed_locals(&func)?;
        let mut reader = func.get_operators_reader()?;
        let mut ops = Vec::new();
        while !reader.eof() {
            ops.push(reader.read()?);
        }
        self.changed |= self.body(&mut f, &ops)?;
        code.function(&f);
        Ok(())
    }
}

impl Unroller {
    /// Writes `ops` into `f`, unrolling the loops that qualify; true if one did.
    fn body(&self, f: &mut Function, ops: &[Operator<'_>]) -> Result<bool, Error<Infallible>> {
        let mut changed = false;
        let mut i = 0;
        while i < ops.len() {
            if let Operator::Loop {
                blockty: BlockType::Empty,
            } = ops[i]
                && let Some(end) = small_loop_end(ops, i)
            {
                let body = &ops[i + 1..end];
                let copies = (UNROLLED / body.len().max(1)).min(self.copies);
                f.instruction(&Instruction::Block(wasm_encoder::BlockType::Empty));
                f.instruction(&Instruction::Loop(wasm_encoder::BlockType::Empty));
                for _ in 1..copies {
                    f.instruction(&Instruction::Block(wasm_encoder::BlockType::Empty));
                    match body.split_last() {
                        // The usual shape, a body that ends with `br_if $l`: the copy leaves
                        // the loop unless that branch would be taken, and otherwise goes on
                        // into the next copy without a jump.
                        Some((Operator::BrIf { relative_depth: 0 }, rest)) => {
                            copy(f, rest, 2)?;
                            f.instruction(&Instruction::I32Eqz);
                            f.instruction(&Instruction::BrIf(2));
                        }
                        _ => {
                            copy(f, body, 2)?;
                            // Falling out of the body leaves the loop: past $a, $l to $exit.
                            f.instruction(&Instruction::Br(2));
                        }
                    }
                    f.instruction(&Instruction::End);
                }
                copy(f, body, 1)?;
                f.instruction(&Instruction::End);
                f.instruction(&Instruction::End);
                changed = true;
                i = end + 1;
                continue;
            }
            f.instruction(&RoundtripReencoder.instruction(ops[i].clone())?);
            i += 1;
        }
        Ok(changed)
    }
}

/// Writes a loop body, moving branches that leave the loop `extra` labels further out
/// (a branch to the loop itself keeps its depth: it now names the label in its place).
fn copy(f: &mut Function, body: &[Operator<'_>], extra: u32) -> Result<(), Error<Infallible>> {
    // How many blocks of the body enclose the current instruction.
    let mut depth = 0u32;
    let shift = |d: u32, depth: u32| if d > depth { d + extra } else { d };
    for op in body {
        match op {
            Operator::Block { .. } | Operator::If { .. } => depth += 1,
            Operator::End => depth = depth.saturating_sub(1),
            _ => {}
        }
        match op {
            Operator::Br { relative_depth } => {
                f.instruction(&Instruction::Br(shift(*relative_depth, depth)));
            }
            Operator::BrIf { relative_depth } => {
                f.instruction(&Instruction::BrIf(shift(*relative_depth, depth)));
            }
            Operator::BrTable { targets } => {
                let mut all = Vec::new();
                for t in targets.targets() {
                    all.push(shift(t.map_err(Error::ParseError)?, depth));
                }
                f.instruction(&Instruction::BrTable(
                    Cow::Owned(all),
                    shift(targets.default(), depth),
                ));
            }
            _ => {
                f.instruction(&RoundtripReencoder.instruction(op.clone())?);
            }
        }
    }
    Ok(())
}

/// If the loop starting at `start` is small and simple enough to unroll, the index of its
/// `end`: its body is at most [`MAX_BODY`] instructions, holds no other loop, and branches
/// only with `br`, `br_if` and `br_table` (no exception handling or typed branches, whose
/// labels this does not move).
fn small_loop_end(ops: &[Operator<'_>], start: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (n, op) in ops.iter().enumerate().skip(start + 1).take(MAX_BODY + 1) {
        match op {
            Operator::Block { .. } | Operator::If { .. } => depth += 1,
            Operator::Else
            | Operator::Br { .. }
            | Operator::BrIf { .. }
            | Operator::BrTable { .. }
            | Operator::Return
            | Operator::Unreachable => {}
            Operator::End if depth == 0 => return Some(n),
            Operator::End => depth -= 1,
            op if is_control(op) => return None,
            _ => {}
        }
    }
    None
}

/// Instructions that open a block or name a label, other than those `small_loop_end`
/// allows.
fn is_control(op: &Operator<'_>) -> bool {
    matches!(
        op,
        Operator::Loop { .. }
            | Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. }
            | Operator::Rethrow { .. }
            | Operator::Throw { .. }
            | Operator::ThrowRef
            | Operator::BrOnNull { .. }
            | Operator::BrOnNonNull { .. }
            | Operator::BrOnCast { .. }
            | Operator::BrOnCastFail { .. }
    )
}

#[cfg(test)]
mod tests;
