//! PEP 508 environment markers (`python_full_version < '3.12' and sys_platform == 'linux'`),
//! evaluated for a venv without starting its interpreter: its Python version comes from
//! `pyvenv.cfg`, the platform from this build of the xtask (the venv is on this machine).

use crate::pep440::{Version, satisfies};

/// The values markers are evaluated against.
#[derive(Debug, Clone)]
pub struct Environment {
    /// The full interpreter version, `3.11.7`.
    pub python_full_version: String,
    /// Whether the platform variables are this machine's; when not, they are unknown (for
    /// comparing locks whatever the platform).
    pub platform_known: bool,
}

impl Environment {
    /// A venv on this machine, with this Python.
    pub fn of_venv(python_full_version: String) -> Environment {
        Environment { python_full_version, platform_known: true }
    }

    /// Only a Python version (`3.12` reads as `3.12.0`); every platform variable unknown.
    pub fn of_python(version: &str) -> Environment {
        let mut full: Vec<&str> = version.split('.').collect();
        while full.len() < 3 {
            full.push("0");
        }
        Environment { python_full_version: full.join("."), platform_known: false }
    }

    fn value(&self, variable: &str) -> Option<String> {
        let short = || self.python_full_version.split('.').take(2).collect::<Vec<_>>().join(".");
        let platform = |value: &str| self.platform_known.then(|| value.to_owned());
        match variable {
            "python_full_version" | "implementation_version" => Some(self.python_full_version.clone()),
            "python_version" => Some(short()),
            "sys_platform" => platform(if cfg!(windows) {
                "win32"
            } else if cfg!(target_os = "macos") {
                "darwin"
            } else {
                std::env::consts::OS
            }),
            "platform_system" => platform(match std::env::consts::OS {
                "linux" => "Linux",
                "macos" => "Darwin",
                "windows" => "Windows",
                other => other,
            }),
            "os_name" => platform(if cfg!(windows) { "nt" } else { "posix" }),
            "platform_machine" => platform(&platform_machine(std::env::consts::OS, std::env::consts::ARCH)),
            "implementation_name" => Some("cpython".to_owned()),
            "platform_python_implementation" => Some("CPython".to_owned()),
            "extra" => Some(String::new()),
            _ => None,
        }
    }
}

/// Python's `platform.machine()` for Rust's OS and arch names: Rust says `aarch64` where
/// Python on macOS says `arm64` and on Windows `ARM64`, and `x86_64` where Windows says `AMD64`.
fn platform_machine(os: &str, arch: &str) -> String {
    match (os, arch) {
        ("macos", "aarch64") => "arm64",
        ("windows", "x86_64") => "AMD64",
        ("windows", "aarch64") => "ARM64",
        ("windows", "x86") => "x86",
        ("linux", "x86") => "i686",
        (_, arch) => arch,
    }
    .to_owned()
}

/// Whether `marker` holds in `env`; `None` when it cannot be read or names a variable
/// this does not know (callers then treat what it guards as optional).
pub fn evaluate(marker: &str, env: &Environment) -> Option<bool> {
    let tokens = tokenize(marker)?;
    let mut parser = Parser { tokens: &tokens, pos: 0, env };
    let value = parser.or()?;
    (parser.pos == tokens.len()).then_some(value)
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    Quoted(String),
    Op(String),
    Open,
    Close,
}

fn tokenize(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    while let Some(&c) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '(' | ')' => {
                chars.next();
                tokens.push(if c == '(' { Token::Open } else { Token::Close });
            }
            '\'' | '"' => {
                chars.next();
                let value: String = chars.by_ref().take_while(|&x| x != c).collect();
                tokens.push(Token::Quoted(value));
            }
            '<' | '>' | '=' | '!' | '~' => {
                let mut op = String::new();
                while let Some(&x) = chars.peek().filter(|x| matches!(x, '<' | '>' | '=' | '!' | '~')) {
                    op.push(x);
                    chars.next();
                }
                tokens.push(Token::Op(op));
            }
            _ if c.is_ascii_alphanumeric() || c == '_' || c == '.' => {
                let mut word = String::new();
                while let Some(&x) = chars.peek().filter(|x| x.is_ascii_alphanumeric() || **x == '_' || **x == '.') {
                    word.push(x);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            _ => return None,
        }
    }
    Some(tokens)
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    env: &'a Environment,
}

impl Parser<'_> {
    fn peek_word(&self, word: &str) -> bool {
        matches!(self.tokens.get(self.pos), Some(Token::Word(w)) if w == word)
    }

    fn or(&mut self) -> Option<bool> {
        let mut value = self.and()?;
        while self.peek_word("or") {
            self.pos += 1;
            let rhs = self.and()?;
            value = value || rhs;
        }
        Some(value)
    }

    fn and(&mut self) -> Option<bool> {
        let mut value = self.atom()?;
        while self.peek_word("and") {
            self.pos += 1;
            let rhs = self.atom()?;
            value = value && rhs;
        }
        Some(value)
    }

    fn atom(&mut self) -> Option<bool> {
        if self.tokens.get(self.pos) == Some(&Token::Open) {
            self.pos += 1;
            let value = self.or()?;
            (self.tokens.get(self.pos) == Some(&Token::Close)).then_some(())?;
            self.pos += 1;
            return Some(value);
        }
        let (lhs, lhs_var) = self.operand()?;
        let op = match self.tokens.get(self.pos)? {
            Token::Op(op) => op.clone(),
            Token::Word(w) if w == "in" => "in".to_owned(),
            Token::Word(w) if w == "not" && self.tokens.get(self.pos + 1) == Some(&Token::Word("in".into())) => {
                self.pos += 1;
                "not in".to_owned()
            }
            _ => return None,
        };
        self.pos += 1;
        let (rhs, rhs_var) = self.operand()?;
        let is_version = |v: &Option<String>| v.as_deref().is_some_and(|v| v.contains("version"));
        match op.as_str() {
            "in" => Some(rhs.contains(&lhs)),
            "not in" => Some(!rhs.contains(&lhs)),
            _ if is_version(&lhs_var) => satisfies(&Version::parse(&lhs)?, &format!("{op}{rhs}")),
            _ if is_version(&rhs_var) => {
                let flipped = match op.as_str() {
                    "<" => ">",
                    "<=" => ">=",
                    ">" => "<",
                    ">=" => "<=",
                    other => other,
                };
                satisfies(&Version::parse(&rhs)?, &format!("{flipped}{lhs}"))
            }
            "==" => Some(lhs == rhs),
            "!=" => Some(lhs != rhs),
            _ => None,
        }
    }

    /// A value, and the variable it came from (if it is one).
    fn operand(&mut self) -> Option<(String, Option<String>)> {
        let token = self.tokens.get(self.pos)?.clone();
        self.pos += 1;
        match token {
            Token::Quoted(value) => Some((value, None)),
            Token::Word(variable) => Some((self.env.value(&variable)?, Some(variable))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(marker: &str) -> Option<bool> {
        evaluate(marker, &Environment::of_venv("3.11.7".into()))
    }

    #[test]
    fn evaluates_python_version_markers() {
        assert_eq!(eval("python_full_version < '3.12'"), Some(true));
        assert_eq!(eval("python_full_version >= '3.12'"), Some(false));
        assert_eq!(eval("python_version == '3.11'"), Some(true));
        assert_eq!(eval("'3.12' <= python_version"), Some(false));
    }

    #[test]
    fn evaluates_platform_markers_and_boolean_logic() {
        assert_eq!(eval("sys_platform == 'win32'"), Some(cfg!(windows)));
        assert_eq!(eval("sys_platform == 'emscripten' or python_full_version < '3.12'"), Some(true));
        assert_eq!(eval("python_full_version >= '3.12' and sys_platform == 'emscripten'"), Some(false));
        assert_eq!(eval("(os_name == 'nt' or os_name == 'posix') and extra == ''"), Some(true));
        assert_eq!(eval("platform_system not in 'Windows Darwin'"), Some(cfg!(target_os = "linux")));
    }

    #[test]
    fn machine_names_are_pythons() {
        assert_eq!(platform_machine("macos", "aarch64"), "arm64");
        assert_eq!(platform_machine("linux", "aarch64"), "aarch64");
        assert_eq!(platform_machine("windows", "x86_64"), "AMD64");
        assert_eq!(platform_machine("linux", "x86_64"), "x86_64");
    }

    #[test]
    fn without_a_platform_only_python_markers_are_known() {
        let env = Environment::of_python("3.12");
        assert_eq!(evaluate("python_full_version < '3.12'", &env), Some(false));
        assert_eq!(evaluate("python_version >= '3.12'", &env), Some(true));
        assert_eq!(evaluate("sys_platform == 'win32'", &env), None);
    }

    #[test]
    fn unknown_or_malformed_markers_are_unknown() {
        assert_eq!(eval("platform_release >= '5'"), None);
        assert_eq!(eval("python_version <"), None);
        assert_eq!(eval("python_version == '3.11' garbage"), None);
    }
}
