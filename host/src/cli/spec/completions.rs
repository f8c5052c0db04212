//! The completion scripts of `cartbox completions bash|zsh|fish`, made from the table of
//! commands ([`COMMANDS`]).
//!
//! Every name in the table is lower-case letters, digits and hyphens (a unit test in
//! `spec.rs` checks it), so names go into the scripts unquoted; help text is quoted for
//! each shell.

use std::fmt::Write as _;

use super::{CART_EXTENSIONS, COMMANDS, GLOBAL_OPTIONS, OptionSpec, ValueKind};

/// The shells `cartbox completions` writes scripts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// GNU Bash (`complete -F`).
    Bash,
    /// Zsh (`#compdef`, `_arguments`).
    Zsh,
    /// fish (`complete -c`).
    Fish,
}

impl Shell {
    /// Every shell, in the order the usage names them.
    pub const ALL: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

    /// The shell's name, as given to `cartbox completions`.
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    /// The shell named `name`.
    pub fn from_name(name: &str) -> Option<Shell> {
        Shell::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// The completion script for `shell`.
pub fn completions(shell: Shell) -> String {
    match shell {
        Shell::Bash => bash(),
        Shell::Zsh => zsh(),
        Shell::Fish => fish(),
    }
}

/// Every command's name, space-separated.
fn command_names() -> String {
    COMMANDS
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Every shell's name, space-separated.
fn shell_names() -> String {
    Shell::ALL.map(Shell::name).join(" ")
}

/// The options a command's script offers: its own, and `--help` (`-h`).
fn offered(c: &super::CommandSpec) -> impl Iterator<Item = &'static OptionSpec> + use<> {
    c.options()
        .chain(GLOBAL_OPTIONS.iter().filter(|o| o.long == "help"))
}

/// The options of `options` whose values `kind` accepts, as a bash `case` pattern
/// (`--gif|--wav`), or `None` if there is none.
fn bash_pattern<'a>(
    options: impl Iterator<Item = &'a OptionSpec>,
    kind: impl Fn(ValueKind) -> bool,
) -> Option<String> {
    let names: Vec<String> = options
        .filter(|o| o.value.is_some_and(|(_, k)| kind(k)))
        .map(|o| format!("--{}", o.long))
        .collect();
    (!names.is_empty()).then(|| names.join("|"))
}

/// The bash command that completes a value of `kind`.
fn bash_action(kind: ValueKind) -> String {
    match kind {
        ValueKind::Cart => "_cartbox_carts".into(),
        ValueKind::File => "_cartbox_files".into(),
        ValueKind::Dir => "_cartbox_dirs".into(),
        ValueKind::Number | ValueKind::Text => "COMPREPLY=()".into(),
        ValueKind::Shell => format!("_cartbox_words '{}'", shell_names()),
        ValueKind::Command => format!("_cartbox_words '{}'", command_names()),
    }
}

/// `cartbox completions bash`.
fn bash() -> String {
    let mut s = String::new();
    let valued = bash_pattern(COMMANDS.iter().flat_map(|c| c.options), |_| true)
        .unwrap_or_else(|| "--".into());
    let carts: Vec<String> = CART_EXTENSIONS.iter().map(|e| format!("*.{e}")).collect();
    let global: Vec<String> = GLOBAL_OPTIONS
        .iter()
        .map(|o| format!("--{}", o.long))
        .collect();
    let _ = write!(
        s,
        r#"# bash completion for cartbox, made by `cartbox completions bash`.
# Load it with: source <(cartbox completions bash)

_cartbox_words() {{
    local IFS=$' \t\n'
    COMPREPLY=($(compgen -W "$1" -- "$cur"))
}}

_cartbox_files() {{
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
}}

_cartbox_dirs() {{
    local IFS=$'\n'
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -d -- "$cur"))
}}

# Folders, and the files Cartbox plays.
_cartbox_carts() {{
    local IFS=$'\n' f
    compopt -o filenames 2>/dev/null
    COMPREPLY=()
    for f in $(compgen -f -- "$cur"); do
        if [[ -d $f ]]; then
            COMPREPLY+=("$f")
        else
            case ${{f,,}} in
                {carts}) COMPREPLY+=("$f") ;;
            esac
        fi
    done
}}

_cartbox() {{
    local cur=${{COMP_WORDS[COMP_CWORD]}} prev=${{COMP_WORDS[COMP_CWORD-1]}}
    local command= operand=0 value= i word
    # The command, how many operands come before the word being completed, and whether
    # that word is an option's value.
    for ((i = 1; i < COMP_CWORD; i++)); do
        word=${{COMP_WORDS[i]}}
        if [[ -n $value ]]; then
            value=
        elif [[ -z $command ]]; then
            [[ $word == -* ]] || command=$word
        else
            case $word in
                {valued}) value=1 ;;
                -*) ;;
                *) operand=$((operand + 1)) ;;
            esac
        fi
    done
    case $command in
        '')
            _cartbox_words '{names} {global}'
            ;;
"#,
        carts = carts.join("|"),
        names = command_names(),
        global = global.join(" "),
    );
    for c in COMMANDS {
        let _ = writeln!(s, "        {})", c.name);
        let mut values = Vec::new();
        for kind in [ValueKind::File, ValueKind::Dir] {
            if let Some(p) = bash_pattern(c.options(), |k| k == kind) {
                values.push((p, bash_action(kind)));
            }
        }
        if let Some(p) = bash_pattern(c.options(), |k| {
            !matches!(k, ValueKind::File | ValueKind::Dir)
        }) {
            values.push((p, "COMPREPLY=()".into()));
        }
        if !values.is_empty() {
            s.push_str("            if [[ -n $value ]]; then\n");
            s.push_str("                case $prev in\n");
            for (pattern, action) in values {
                let _ = writeln!(s, "                    {pattern}) {action} ;;");
            }
            s.push_str("                esac\n");
            s.push_str("                return\n");
            s.push_str("            fi\n");
        }
        let options: Vec<String> = offered(c).map(|o| format!("--{}", o.long)).collect();
        s.push_str("            if [[ $cur == -* ]]; then\n");
        let _ = writeln!(s, "                _cartbox_words '{}'", options.join(" "));
        if !c.operands.is_empty() {
            s.push_str("            else\n");
            s.push_str("                case $operand in\n");
            for (i, o) in c.operands.iter().enumerate() {
                let _ = writeln!(s, "                    {i}) {} ;;", bash_action(o.kind));
            }
            s.push_str("                esac\n");
        }
        s.push_str("            fi\n");
        s.push_str("            ;;\n");
    }
    s.push_str("    esac\n}\n\ncomplete -F _cartbox cartbox\n");
    s
}

/// `text` inside single quotes in a zsh `_arguments` spec, between brackets.
fn zsh_quote(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars() {
        match ch {
            '\'' => out.push_str("'\\''"),
            '[' | ']' | ':' | '\\' => {
                out.push('\\');
                out.push(ch);
            }
            _ => out.push(ch),
        }
    }
    out
}

/// The zsh completion action for a value of `kind`.
fn zsh_action(kind: ValueKind) -> String {
    match kind {
        ValueKind::Cart => format!("_files -g \"*.({})\"", CART_EXTENSIONS.join("|")),
        ValueKind::File => "_files".into(),
        ValueKind::Dir => "_files -/".into(),
        // A single space: a value is needed, but there is nothing to offer.
        ValueKind::Number | ValueKind::Text => " ".into(),
        ValueKind::Shell => format!("({})", shell_names()),
        ValueKind::Command => format!("({})", command_names()),
    }
}

/// One option as `_arguments` specs (one per name).
fn zsh_option(o: &OptionSpec) -> Vec<String> {
    let mut names = vec![format!("--{}", o.long)];
    if let Some(short) = o.short {
        names.push(format!("-{short}"));
    }
    names
        .into_iter()
        .map(|name| match o.value {
            // `=`: the value is the next word or follows an `=` (lexopt takes both).
            Some((value, kind)) => format!(
                "'{name}=[{}]:{value}:{}'",
                zsh_quote(o.help),
                zsh_action(kind)
            ),
            None => format!("'{name}[{}]'", zsh_quote(o.help)),
        })
        .collect()
}

/// `cartbox completions zsh`.
fn zsh() -> String {
    let mut s = String::from(
        "#compdef cartbox\n\
         # zsh completion for cartbox, made by `cartbox completions zsh`.\n\
         # Save it as _cartbox in a folder of $fpath.\n\n\
         _cartbox() {\n  \
           local curcontext=$curcontext state line ret=1\n  \
           _arguments -C \\\n",
    );
    for o in GLOBAL_OPTIONS {
        for spec in zsh_option(o) {
            // `(- *)`: nothing else is completed after it.
            let _ = writeln!(s, "    '(- *)'{spec} \\");
        }
    }
    s.push_str(
        "    '1: :->command' \\\n    \
         '*:: :->argument' && ret=0\n  \
         case $state in\n    \
         command)\n      \
         local -a commands\n      \
         commands=(\n",
    );
    for c in COMMANDS {
        let _ = writeln!(s, "        '{}:{}'", c.name, zsh_quote(c.summary));
    }
    s.push_str(
        "      )\n      \
         _describe -t commands 'cartbox command' commands && ret=0\n      \
         ;;\n    \
         argument)\n      \
         curcontext=${curcontext%:*:*}:cartbox-$words[1]:\n      \
         case $words[1] in\n",
    );
    for c in COMMANDS {
        let _ = writeln!(s, "        {})\n          _arguments \\", c.name);
        for o in offered(c) {
            for spec in zsh_option(o) {
                let _ = writeln!(s, "            {spec} \\");
            }
        }
        for o in c.operands {
            let colon = if o.optional { "::" } else { ":" };
            let _ = writeln!(
                s,
                "            '{colon}{}:{}' \\",
                o.name,
                zsh_action(o.kind)
            );
        }
        s.push_str("            && ret=0\n          ;;\n");
    }
    s.push_str("      esac\n      ;;\n  esac\n  return ret\n}\n\n_cartbox \"$@\"\n");
    s
}

/// `text` inside single quotes in fish.
fn fish_quote(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// `cartbox completions fish`.
fn fish() -> String {
    let mut s = String::from(
        "# fish completion for cartbox, made by `cartbox completions fish`.\n\
         # Save it as ~/.config/fish/completions/cartbox.fish.\n\n\
         # No files unless an operand or an option's value is one.\n\
         complete -c cartbox -f\n",
    );
    let top = "complete -c cartbox -n __fish_use_subcommand";
    let option = |s: &mut String, condition: &str, o: &OptionSpec| {
        let _ = write!(s, "{condition} -l {}", o.long);
        if let Some(short) = o.short {
            let _ = write!(s, " -s {short}");
        }
        match o.value {
            None => {}
            Some((_, ValueKind::File)) => s.push_str(" -r -F"),
            Some((_, ValueKind::Dir)) => s.push_str(" -x -a '(__fish_complete_directories)'"),
            Some(_) => s.push_str(" -x"),
        }
        let _ = writeln!(s, " -d {}", fish_quote(o.help));
    };
    for o in GLOBAL_OPTIONS {
        option(&mut s, top, o);
    }
    for c in COMMANDS {
        let _ = writeln!(s, "{top} -a {} -d {}", c.name, fish_quote(c.summary));
    }
    for c in COMMANDS {
        let condition = format!(
            "complete -c cartbox -n '__fish_seen_subcommand_from {}'",
            c.name
        );
        let _ = writeln!(s, "\n# {}", c.name);
        for o in offered(c) {
            option(&mut s, &condition, o);
        }
        let mut kinds: Vec<ValueKind> = c.operands.iter().map(|o| o.kind).collect();
        kinds.dedup();
        for kind in kinds {
            match kind {
                ValueKind::Cart => {
                    for e in CART_EXTENSIONS {
                        let _ = writeln!(s, "{condition} -a '(__fish_complete_suffix .{e})'");
                    }
                }
                ValueKind::File => {
                    let _ = writeln!(s, "{condition} -F");
                }
                ValueKind::Dir => {
                    let _ = writeln!(s, "{condition} -a '(__fish_complete_directories)'");
                }
                ValueKind::Number | ValueKind::Text => {}
                ValueKind::Shell => {
                    let _ = writeln!(s, "{condition} -x -a '{}'", shell_names());
                }
                ValueKind::Command => {
                    let _ = writeln!(s, "{condition} -x -a '{}'", command_names());
                }
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_in_help_stay_inside_the_scripts_quotes() {
        assert_eq!(zsh_quote("cart's [x]: y"), "cart'\\''s \\[x\\]\\: y");
        assert_eq!(fish_quote("cart's \\"), "'cart\\'s \\\\'");
    }
}
