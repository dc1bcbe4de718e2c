//! Globs over `/`-separated relative paths: the members and `exclude` patterns of the
//! config, `inputs`, `init`'s patterns and a uv workspace's.
//!
//! The syntax and meaning are globset's with `literal_separator` (which this module
//! replaced, to keep a regex engine out of the build): `*` is any run of characters
//! within one folder level and `?` one character other than `/`; `**` as a whole path
//! component is any number of levels (`**/x` matches `x` and `a/b/x`, `x/**` what is
//! under `x` but not `x`, `a/**/b` matches `a/b` and `a/x/y/b`), and elsewhere is `*`; a
//! pattern of only `**` matches everything. `[abc]`, `[a-z]`, `[!a]` or `[^a]` is one
//! character (`/` too: a class is taken as written), `]` first in a class and `-` first
//! or last are themselves; `{a,b}` is either (nested, too; an empty alternative matches
//! nothing, so `x{,y}` is only `xy`); `\` escapes the next character where `\` is not a
//! path separator, and is `/` where it is (Windows, whose paths are matched with `/`).
//! Case counts. A character is a Unicode scalar, for `?` and classes as for literals.
//!
//! A pattern compiles to a small program (literal, class, split, jump) that is run over
//! the path with every live state at once, so matching is linear in the path's length
//! times the pattern's, with no backtracking. A [`GlobSet`] asks only the globs whose
//! literal leading folders the path is in (and those without any), so matching a path
//! against many members' globs costs its depth in lookups plus the globs that may match.

use std::collections::HashMap;
use std::fmt;

/// Why a pattern is not a glob.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    /// A `[` with no `]` closing it.
    UnclosedClass,
    /// A range in a class whose end comes before its start, as `[z-a]`.
    InvalidRange(char, char),
    /// A `}` no `{` opened.
    UnopenedAlternates,
    /// A `{` no `}` closes.
    UnclosedAlternates,
    /// A `\` ending the pattern, escaping nothing.
    DanglingEscape,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnclosedClass => f.write_str("unclosed character class; missing ']'"),
            Error::InvalidRange(start, end) => write!(f, "invalid range; '{start}' > '{end}'"),
            Error::UnopenedAlternates => {
                f.write_str("unopened alternate group; missing '{' (maybe escape '}' with '[}]'?)")
            }
            Error::UnclosedAlternates => {
                f.write_str("unclosed alternate group; missing '}' (maybe escape '{' with '[{]'?)")
            }
            Error::DanglingEscape => f.write_str("dangling '\\'"),
        }
    }
}

impl std::error::Error for Error {}

/// `\` is a separator (Windows): in patterns it is `/`, and paths are matched with `/`.
const BACKSLASH_IS_SEPARATOR: bool = cfg!(windows);

/// One compiled glob.
#[derive(Debug, Clone)]
pub struct Glob {
    pattern: String,
    program: Vec<Inst>,
    /// What every match starts and ends with (the pattern's leading and trailing literal
    /// characters), checked before the program runs.
    prefix: String,
    suffix: String,
    /// The program's first step past the prefix (each literal character is one step).
    lead: usize,
    /// The longest folder every match is below (`a/b` for `a/b/*.py` and `a/b/**`).
    folder: Option<String>,
}

impl Glob {
    /// The glob `pattern`, or why it is not one.
    pub fn new(pattern: &str) -> Result<Glob, Error> {
        let tokens = parse(pattern)?;
        let literal = |t: &Token| if let Token::Literal(c) = t { Some(*c) } else { None };
        let prefix: String = tokens.iter().map_while(literal).collect();
        let lead = prefix.chars().count();
        let suffix: String = if lead == tokens.len() {
            String::new()
        } else {
            let mut tail: Vec<char> = tokens.iter().rev().map_while(literal).collect();
            tail.reverse();
            tail.into_iter().collect()
        };
        // A `/**` or `/**/` right after the literal start is a `/` every match has there.
        let slash_follows = matches!(tokens.get(lead), Some(Token::RecursiveSuffix | Token::RecursiveZeroOrMore));
        let folder = if slash_follows { Some(prefix.as_str()) } else { prefix.rsplit_once('/').map(|(dir, _)| dir) };
        let folder = folder.filter(|f| !f.is_empty()).map(str::to_owned);
        let mut program = Vec::new();
        if let [Token::RecursivePrefix] = tokens.as_slice() {
            // `**` alone: everything, at any depth, not only what ends with `/`.
            any_run(&mut program, Inst::AnyChar);
        } else {
            compile(&tokens, &mut program);
        }
        program.push(Inst::Match);
        Ok(Glob { pattern: pattern.to_owned(), program, prefix, suffix, lead, folder })
    }

    /// Whether the `/`-separated `path` matches, whole.
    pub fn is_match(&self, path: &str) -> bool {
        let path = normalized(path);
        let path = path.as_ref();
        if !path.starts_with(&self.prefix)
            || !path.ends_with(&self.suffix)
            || path.len() < self.prefix.len() + self.suffix.len()
        {
            return false;
        }
        if self.program.len() == self.lead + 1 {
            return path.len() == self.prefix.len(); // a literal pattern: the prefix is all of it
        }
        self.run(&path[self.prefix.len()..])
    }

    /// Runs the program from past the prefix over `rest`: every live state advanced by
    /// each character at once.
    fn run(&self, rest: &str) -> bool {
        let mut current = States::new(self.program.len());
        let mut next = States::new(self.program.len());
        current.add(&self.program, self.lead);
        for c in rest.chars() {
            next.clear();
            for &pc in &current.list {
                let takes = match &self.program[pc] {
                    Inst::Char(want) => *want == c,
                    Inst::NotSeparator => c != '/',
                    Inst::AnyChar => true,
                    Inst::Class { negated, ranges } => ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated,
                    Inst::Split(..) | Inst::Jump(_) | Inst::Match => false,
                };
                if takes {
                    next.add(&self.program, pc + 1);
                }
            }
            if next.list.is_empty() {
                return false;
            }
            std::mem::swap(&mut current, &mut next);
        }
        current.list.iter().any(|&pc| matches!(self.program[pc], Inst::Match))
    }
}

/// `path` with `/` for each `\` where that is a separator.
fn normalized(path: &str) -> std::borrow::Cow<'_, str> {
    if BACKSLASH_IS_SEPARATOR && path.contains('\\') { path.replace('\\', "/").into() } else { path.into() }
}

/// Globs matched together, each known by its index in the order given.
#[derive(Debug, Clone, Default)]
pub struct GlobSet {
    /// Each pattern once, with the indexes it was given at (many members may list the
    /// same shared folder).
    globs: Vec<(Glob, Vec<usize>)>,
    /// The globs whose matches are all below a literal folder, by that folder.
    by_folder: HashMap<String, Vec<usize>>,
    /// The others, asked of every path.
    anywhere: Vec<usize>,
}

impl GlobSet {
    pub fn new(globs: Vec<Glob>) -> GlobSet {
        let mut set = GlobSet::default();
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (ix, glob) in globs.into_iter().enumerate() {
            if let Some(&at) = seen.get(&glob.pattern) {
                set.globs[at].1.push(ix);
                continue;
            }
            let at = set.globs.len();
            match &glob.folder {
                Some(folder) => set.by_folder.entry(folder.clone()).or_default().push(at),
                None => set.anywhere.push(at),
            }
            seen.insert(glob.pattern.clone(), at);
            set.globs.push((glob, vec![ix]));
        }
        set
    }

    /// Whether any glob matches `path`.
    pub fn is_match(&self, path: &str) -> bool {
        self.candidates(path).any(|at| self.globs[at].0.is_match(path))
    }

    /// The indexes of the globs that match `path`, in order.
    pub fn matches(&self, path: &str) -> Vec<usize> {
        let mut out = Vec::new();
        for at in self.candidates(path) {
            let (glob, indexes) = &self.globs[at];
            if glob.is_match(path) {
                out.extend_from_slice(indexes);
            }
        }
        out.sort_unstable();
        out
    }

    /// The globs that may match `path`: those of each folder it is below, and those
    /// below no literal folder.
    fn candidates<'s>(&'s self, path: &'s str) -> impl Iterator<Item = usize> + 's {
        let below = path
            .char_indices()
            .filter(|&(_, c)| is_separator(c))
            .filter_map(move |(at, _)| self.by_folder.get(normalized(&path[..at]).as_ref()))
            .flatten();
        self.anywhere.iter().chain(below).copied()
    }
}

impl FromIterator<Glob> for GlobSet {
    fn from_iter<I: IntoIterator<Item = Glob>>(iter: I) -> GlobSet {
        GlobSet::new(iter.into_iter().collect())
    }
}

/// A pattern's parts, as parsed.
#[derive(Debug, Clone, PartialEq)]
enum Token {
    Literal(char),
    /// `?`: one character other than `/`.
    Any,
    /// `*`: any run of characters other than `/`.
    Star,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// `**/` at the start: nothing, or anything ending in `/`.
    RecursivePrefix,
    /// `/**` at the end: `/` and anything.
    RecursiveSuffix,
    /// `/**/`: `/`, or `/` anything `/`.
    RecursiveZeroOrMore,
    /// `{a,b}`: one of the alternatives.
    Alternates(Vec<Vec<Token>>),
}

fn is_separator(c: char) -> bool {
    c == '/' || (BACKSLASH_IS_SEPARATOR && c == '\\')
}

/// `pattern`'s tokens. `branches` holds the sequence being read (the last one) and those
/// of the groups open around it; `groups`, where each open group's alternatives start.
fn parse(pattern: &str) -> Result<Vec<Token>, Error> {
    let mut chars = pattern.chars().peekable();
    let mut branches: Vec<Vec<Token>> = vec![Vec::new()];
    let mut groups: Vec<usize> = Vec::new();
    while let Some(c) = chars.next() {
        let token = match c {
            '?' => Token::Any,
            '*' if chars.peek() != Some(&'*') => Token::Star,
            '*' => {
                chars.next();
                let in_group = !groups.is_empty();
                let branch = branches.last_mut().expect("one branch at least");
                let after_separator = matches!(
                    branch.last(),
                    Some(Token::Literal('/') | Token::RecursivePrefix | Token::RecursiveZeroOrMore)
                );
                let next = chars.peek().copied();
                if branch.is_empty() {
                    // At the start of the pattern or of an alternative.
                    if next.is_some_and(|c| !is_separator(c)) {
                        Token::Star
                    } else {
                        chars.next();
                        Token::RecursivePrefix
                    }
                } else if !after_separator {
                    Token::Star
                } else {
                    let at_end = match next {
                        None => true,
                        Some(',' | '}') if in_group => true,
                        Some(c) if is_separator(c) => {
                            chars.next();
                            false
                        }
                        Some(_) => {
                            branch.push(Token::Star);
                            continue;
                        }
                    };
                    // It takes the place of the `/` before it (or of an `x/**/` before it).
                    match branch.pop() {
                        Some(Token::RecursivePrefix) => Token::RecursivePrefix,
                        _ if at_end => Token::RecursiveSuffix,
                        _ => Token::RecursiveZeroOrMore,
                    }
                }
            }
            '[' => parse_class(&mut chars)?,
            '{' => {
                groups.push(branches.len());
                branches.push(Vec::new());
                continue;
            }
            '}' => {
                let start = groups.pop().ok_or(Error::UnopenedAlternates)?;
                Token::Alternates(branches.drain(start..).collect())
            }
            ',' if !groups.is_empty() => {
                branches.push(Vec::new());
                continue;
            }
            '\\' if BACKSLASH_IS_SEPARATOR => Token::Literal('/'),
            '\\' => Token::Literal(chars.next().ok_or(Error::DanglingEscape)?),
            c => Token::Literal(c),
        };
        branches.last_mut().expect("one branch at least").push(token);
    }
    if !groups.is_empty() {
        return Err(Error::UnclosedAlternates);
    }
    Ok(branches.pop().expect("one branch at least"))
}

/// The class after a `[`, up to its `]`.
fn parse_class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Token, Error> {
    let negated = chars.next_if(|&c| c == '!' || c == '^').is_some();
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut first = true;
    let mut in_range = false;
    loop {
        let c = chars.next().ok_or(Error::UnclosedClass)?;
        match c {
            ']' if !first => break,
            '-' if first => ranges.push(('-', '-')),
            '-' if !in_range => in_range = true,
            c => {
                if in_range {
                    let last = ranges.last_mut().expect("a range starts after a character");
                    if c < last.0 {
                        return Err(Error::InvalidRange(last.0, c));
                    }
                    last.1 = c;
                    in_range = false;
                } else {
                    ranges.push((c, c));
                }
            }
        }
        first = false;
    }
    if in_range {
        ranges.push(('-', '-'));
    }
    Ok(Token::Class { negated, ranges })
}

/// One step of a compiled glob. `Split` goes on at both places; `Jump` at its one.
#[derive(Debug, Clone, PartialEq)]
enum Inst {
    Char(char),
    NotSeparator,
    AnyChar,
    Class { negated: bool, ranges: Vec<(char, char)> },
    Split(usize, usize),
    Jump(usize),
    Match,
}

fn compile(tokens: &[Token], program: &mut Vec<Inst>) {
    for token in tokens {
        match token {
            Token::Literal(c) => program.push(Inst::Char(*c)),
            Token::Any => program.push(Inst::NotSeparator),
            Token::Star => any_run(program, Inst::NotSeparator),
            Token::Class { negated, ranges } => program.push(Inst::Class { negated: *negated, ranges: ranges.clone() }),
            Token::RecursivePrefix => folders(program),
            Token::RecursiveSuffix => {
                program.push(Inst::Char('/'));
                any_run(program, Inst::AnyChar);
            }
            Token::RecursiveZeroOrMore => {
                program.push(Inst::Char('/'));
                folders(program);
            }
            Token::Alternates(branches) => {
                // An alternative that matches only the empty string is dropped, as globset
                // did: `x{,y}` is `xy`, and `x{}` is `x`.
                let live: Vec<&Vec<Token>> = branches.iter().filter(|b| !matches_only_empty(b)).collect();
                let Some((last, others)) = live.split_last() else { continue };
                let mut jumps = Vec::new();
                for branch in others {
                    let split = program.len();
                    program.push(Inst::Split(split + 1, 0));
                    compile(branch, program);
                    jumps.push(program.len());
                    program.push(Inst::Jump(0));
                    program[split] = Inst::Split(split + 1, program.len());
                }
                compile(last, program);
                let end = program.len();
                for jump in jumps {
                    program[jump] = Inst::Jump(end);
                }
            }
        }
    }
}

/// Whether `tokens` compile to nothing: only groups of such alternatives.
fn matches_only_empty(tokens: &[Token]) -> bool {
    tokens.iter().all(|t| matches!(t, Token::Alternates(bs) if bs.iter().all(|b| matches_only_empty(b))))
}

/// Any number of `step`s.
fn any_run(program: &mut Vec<Inst>, step: Inst) {
    let at = program.len();
    program.extend([Inst::Split(at + 1, at + 3), step, Inst::Jump(at)]);
}

/// Nothing, or anything ending in `/`: any number of folder levels before what follows.
fn folders(program: &mut Vec<Inst>) {
    let at = program.len();
    program.push(Inst::Split(at + 1, at + 5));
    any_run(program, Inst::AnyChar);
    program.push(Inst::Char('/'));
}

/// The live states of a run, each once: those that read a character or match (a split or
/// jump is followed when added). A state is marked with the step that added it.
struct States {
    list: Vec<usize>,
    marked: Vec<usize>,
    step: usize,
    stack: Vec<usize>,
}

impl States {
    fn new(len: usize) -> States {
        States { list: Vec::with_capacity(len), marked: vec![usize::MAX; len], step: 0, stack: Vec::new() }
    }

    fn clear(&mut self) {
        self.list.clear();
        self.step += 1;
    }

    fn add(&mut self, program: &[Inst], pc: usize) {
        self.stack.push(pc);
        while let Some(pc) = self.stack.pop() {
            if std::mem::replace(&mut self.marked[pc], self.step) == self.step {
                continue;
            }
            match program[pc] {
                Inst::Split(a, b) => self.stack.extend([b, a]),
                Inst::Jump(to) => self.stack.push(to),
                _ => self.list.push(pc),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_match(pattern: &str, path: &str) -> bool {
        Glob::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}")).is_match(path)
    }

    #[test]
    fn patterns_match_as_globset_with_a_literal_separator_did() {
        #[rustfmt::skip]
        let table: &[(&str, &str, bool)] = &[
            // Literals, whole paths only, case counting.
            ("projects/app", "projects/app", true),
            ("projects/app", "projects/app/x", false),
            ("projects/app", "projects/ap", false),
            ("projects/app", "Projects/app", false),
            ("", "", true),
            ("", "a", false),
            // `*`: within one level.
            ("projects/*", "projects/app", true),
            ("projects/*", "projects/", true),
            ("projects/*", "projects/app/sub", false),
            ("projects/*", "projects", false),
            ("*.py", "a.py", true),
            ("*.py", ".py", true),
            ("*.py", "a/b.py", false),
            ("*", ".hidden", true),
            ("*", "a/b", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "abc", true),
            ("a*b*c", "ab/c", false),
            ("*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false),
            // `?`: one character, never `/`.
            ("data/?.csv", "data/a.csv", true),
            ("data/?.csv", "data/ab.csv", false),
            ("data/?.csv", "data/.csv", false),
            ("a?b", "a/b", false),
            ("?", "é", true),
            // `**` as a whole component.
            ("**", "", true),
            ("**", "a", true),
            ("**", "a/b/c", true),
            ("**/x", "x", true),
            ("**/x", "a/x", true),
            ("**/x", "a/b/x", true),
            ("**/x", "ax", false),
            ("**/x", "x/a", false),
            ("**/*.py", "a/b/c.py", true),
            ("**/*.py", "c.py", true),
            ("**/*.py", "a/b/c.pyc", false),
            ("x/**", "x/a", true),
            ("x/**", "x/a/b", true),
            ("x/**", "x/", true),
            ("x/**", "x", false),
            ("x/**", "xa/b", false),
            ("a/**/b", "a/b", true),
            ("a/**/b", "a/x/b", true),
            ("a/**/b", "a/x/y/b", true),
            ("a/**/b", "a/xb", false),
            ("a/**/b", "ab", false),
            ("a/**/b", "a/x/y/bc", false),
            ("a/**/**/b", "a/b", true),
            ("a/**/**/b", "a/x/y/b", true),
            ("**/**/x", "x", true),
            ("**/**", "a/b", true),
            ("**/a/**", "a/b", true),
            ("**/a/**", "x/y/a/b/c", true),
            ("**/a/**", "a", false),
            ("fixtures/**/*.json", "fixtures/a.json", true),
            ("fixtures/**/*.json", "fixtures/x/y/a.json", true),
            ("fixtures/**/*.json", "fixtures/x/a.jsonl", false),
            // `**` elsewhere is `*`.
            ("a**", "abc", true),
            ("a**", "a/bc", false),
            ("**a", "xa", true),
            ("**a", "x/a", false),
            ("a/**b", "a/xb", true),
            ("a/**b", "a/x/b", false),
            ("a/b**/c", "a/bx/c", true),
            ("a/b**/c", "a/bx/y/c", false),
            // Classes.
            ("[abc]", "b", true),
            ("[abc]", "d", false),
            ("[a-c]x", "bx", true),
            ("[a-c]x", "dx", false),
            ("[!a]", "b", true),
            ("[!a]", "a", false),
            ("[^a]", "b", true),
            ("[^a]", "a", false),
            ("[!a-c]", "d", true),
            ("[!a-c]", "b", false),
            ("[]]", "]", true),
            ("[!]]", "]", false),
            ("[!]]", "a", true),
            ("[-a]", "-", true),
            ("[a-]", "-", true),
            ("[a-]", "a", true),
            ("[a-]", "b", false),
            ("[*?]", "*", true),
            ("[*?]", "a", false),
            ("[{]", "{", true),
            ("[}]", "}", true),
            ("[,]", ",", true),
            ("a[/]b", "a/b", true),
            ("a[!x]b", "a/b", true),
            ("[é]", "é", true),
            ("[[]", "[", true),
            ("[\\]", "\\", true),
            // Alternatives.
            ("{a,b}", "a", true),
            ("{a,b}", "b", true),
            ("{a,b}", "c", false),
            ("{a,b}", "ab", false),
            ("x/{a,b}/y", "x/b/y", true),
            ("*.{py,pyi}", "m.pyi", true),
            ("*.{py,pyi}", "m.pyc", false),
            ("{a,b}{c,d}", "bc", true),
            ("{a,b}{c,d}", "ba", false),
            ("{a,{b,c}d}", "cd", true),
            ("{a,{b,c}d}", "c", false),
            ("{a/**,b}", "a/x/y", true),
            ("{a/**,b}", "a", false),
            ("{**/x,y}", "a/x", true),
            ("{**/x,y}", "y", true),
            ("x/{**/a,b}", "x/y/a", true),
            ("x/{**/a,b}", "x/a", true),
            ("{*,x}/c", "ab/c", true),
            ("{*,x}/c", "a/b/c", false),
            ("{**,x}", "a/b", false),
            ("{**,x}", "ab", true),
            ("x{,y}", "xy", true),
            ("x{,y}", "x", false),
            ("x{}", "x", true),
            ("x{,}", "x", true),
            ("a,b", "a,b", true),
            ("{a,}", "a", true),
            ("{a,}", "", false),
            // Escapes.
            ("\\*", "*", true),
            ("\\*", "a", false),
            ("a\\?", "a?", true),
            ("a\\?", "ab", false),
            ("\\[x]", "[x]", true),
            ("\\{a,b\\}", "{a,b}", true),
            ("{a\\,b,c}", "a,b", true),
            ("{a\\,b,c}", "c", true),
            ("\\\\", "\\", true),
            ("a\\/**", "a/b/c", true),
            // Unicode is by character.
            ("dé/*", "dé/x", true),
            ("d?/x", "dé/x", true),
        ];
        for &(pattern, path, expected) in table {
            if BACKSLASH_IS_SEPARATOR && pattern.contains('\\') {
                continue;
            }
            assert_eq!(is_match(pattern, path), expected, "`{pattern}` against `{path}`");
        }
    }

    #[test]
    fn invalid_patterns_say_why() {
        let table: &[(&str, Error)] = &[
            ("[", Error::UnclosedClass),
            ("[]", Error::UnclosedClass),
            ("[!", Error::UnclosedClass),
            ("[!]", Error::UnclosedClass),
            ("fixtures/[x", Error::UnclosedClass),
            ("[z-a]", Error::InvalidRange('z', 'a')),
            ("[z--]", Error::InvalidRange('z', '-')),
            ("{a,b", Error::UnclosedAlternates),
            ("{a,{b,c}", Error::UnclosedAlternates),
            ("projects/{old", Error::UnclosedAlternates),
            ("a,b}", Error::UnopenedAlternates),
            ("{a,b}}", Error::UnopenedAlternates),
        ];
        for (pattern, error) in table {
            assert_eq!(Glob::new(pattern).unwrap_err(), *error, "{pattern}");
        }
        if !BACKSLASH_IS_SEPARATOR {
            assert_eq!(Glob::new("a\\").unwrap_err(), Error::DanglingEscape);
        }
        assert_eq!(Error::UnclosedClass.to_string(), "unclosed character class; missing ']'");
        assert!(Error::UnclosedAlternates.to_string().starts_with("unclosed alternate group"));
        assert_eq!(Error::InvalidRange('z', 'a').to_string(), "invalid range; 'z' > 'a'");
    }

    #[test]
    fn a_set_gives_the_globs_that_match_in_their_order() {
        let patterns = ["projects/*", "**/fixtures", "projects/app/**", "libs/*", "projects/{app,lib}", "*"];
        let set: GlobSet = patterns.iter().map(|p| Glob::new(p).unwrap()).collect();
        assert_eq!(set.matches("projects/app"), [0, 4]);
        assert_eq!(set.matches("projects/app/fixtures"), [1, 2]);
        assert_eq!(set.matches("libs/x"), [3]);
        assert_eq!(set.matches("fixtures"), [1, 5]);
        assert_eq!(set.matches("other/x"), Vec::<usize>::new());
        assert!(set.is_match("projects/lib") && !set.is_match("libs/x/y"));
        let shared: GlobSet = ["data/**", "x", "data/**"].iter().map(|p| Glob::new(p).unwrap()).collect();
        assert_eq!(shared.matches("data/a.csv"), [0, 2]);
        assert!(GlobSet::default().matches("a").is_empty() && !GlobSet::default().is_match(""));
    }

    #[test]
    fn the_folder_a_glob_is_indexed_by_is_one_every_match_is_below() {
        let folder = |p: &str| Glob::new(p).unwrap().folder;
        assert_eq!(folder("projects/app/*.py").as_deref(), Some("projects/app"));
        assert_eq!(folder("projects/app/**").as_deref(), Some("projects/app"));
        assert_eq!(folder("projects/**/x").as_deref(), Some("projects"));
        assert_eq!(folder("projects/a*"), Some("projects".to_owned()));
        assert_eq!(folder("projects/app"), Some("projects".to_owned()));
        assert_eq!(folder("projects"), None);
        assert_eq!(folder("projects*/x"), None);
        assert_eq!(folder("**/x"), None);
        assert_eq!(folder("{a,b}/x"), None);
        assert_eq!(folder("*/x/*"), None);
    }

    #[test]
    fn matching_is_linear_in_the_path() {
        // A backtracking matcher takes exponential time here; this one a few steps a character.
        let glob = Glob::new("**/a*a*a*a*a*a*a*a*a*a*b/**/c").unwrap();
        let path = format!("{}{}/c", "a/".repeat(2000), "a".repeat(5000));
        let start = std::time::Instant::now();
        assert!(!glob.is_match(&path));
        assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
    }
}
