//! Reading pytest's JUnit XML per suite, and writing the merged report (`--junit FILE`).
//!
//! Per-test results come from pytest's own report (written to a private file per run), not
//! from its terminal output. What pytest 9.2 writes in the xunit1 family, case by case:
//!
//! | case | `<testcase>` |
//! |---|---|
//! | pass, non-strict xpass | no child (JUnit cannot tell an xpass: pytest's summary line can) |
//! | failure, strict xpass | `<failure message=...>traceback</failure>` (`[XPASS(strict)] reason`) |
//! | error in setup | `<error message="failed on setup with ...">` |
//! | error in teardown after a pass | that one entry, with `<error message="failed on teardown with ...">` |
//! | error in teardown after a failure | two entries of the same name: `<failure>`, then `<error>` |
//! | collection error | `classname=""`, `name` the dotted module, `<error message="collection failure">` |
//! | skip, skipif | `<skipped type="pytest.skip" message=reason>` |
//! | xfail | `<skipped type="pytest.xfail" message=reason>` |
//!
//! pytest's summary line counts a teardown error after a pass as 1 passed and 1 error; here it
//! is one test, an error.
//!
//! One `<testcase>` may hold several results (a skip then a teardown error, or two errors):
//! the worst one is the test's outcome.

use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use camino::{Utf8Path, Utf8PathBuf};
use quick_xml::events::{BytesStart, Event};

/// pytest's arguments to write its JUnit XML to `path`, in the xunit1 family (which records
/// each test's `file` and `line`).
///
/// The captured output (stdout, stderr, log records) of tests that did not pass is recorded
/// too (`junit_logging=all` without passing tests), so a failure shows its own output.
pub fn pytest_args(path: &Utf8Path) -> Vec<String> {
    let options = ["junit_family=xunit1", "junit_logging=all", "junit_log_passing_tests=false"];
    let mut args = vec![format!("--junitxml={path}")];
    for option in options {
        args.extend(["-o".to_owned(), option.to_owned()]);
    }
    args
}

/// A test's result, in pytest's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    /// A `<failure>`: an assertion or exception in the test, or a strict xpass.
    Failed,
    /// An `<error>`: in a fixture's setup or teardown, or collecting the module.
    Error,
    Skipped,
    XFailed,
    /// Not from pytest 9.2's XML, which shows a non-strict xpass as a pass and a strict one
    /// as a failure; only from `<skipped message="xfail-marked test passes unexpectedly">`,
    /// a form pytest's writer keeps.
    XPassed,
}

crate::shape::unit_enum! { Outcome {
    Passed = "passed",
    Failed = "failed",
    Error = "error",
    Skipped = "skipped",
    XFailed = "x-failed",
    XPassed = "x-passed",
} }

impl Outcome {
    /// Which of a test case's results wins when it has several: the worst.
    fn severity(self) -> u8 {
        match self {
            Outcome::Passed => 0,
            Outcome::Skipped => 1,
            Outcome::XFailed => 2,
            Outcome::XPassed => 3,
            Outcome::Failed => 4,
            Outcome::Error => 5,
        }
    }
}

/// One `<testcase>` of pytest's JUnit XML.
#[derive(Debug, Clone, PartialEq)]
pub struct TestCase {
    /// pytest's node id, relative to pytest's rootdir: `tests/test_x.py::TestA::test_b[1]`.
    pub id: String,
    /// The test's file relative to pytest's rootdir, as pytest wrote it.
    pub file: Option<String>,
    /// 1-based line of the failure in `file` (the last traceback entry in that file, e.g.
    /// `tests/test_x.py:12: AssertionError`), else of the test's definition.
    pub line: Option<u32>,
    pub outcome: Outcome,
    pub seconds: f64,
    /// The failure / error / skip message (the `message` attribute), may be empty.
    pub message: String,
    /// The failure or error text (the element's body: the traceback), empty for passes.
    pub details: String,
    /// Captured output of the test if pytest recorded one (system-out / system-err), may be empty.
    pub output: String,
}

crate::shape::serde_struct! { TestCase {
    id: "id",
    file: "file",
    line: "line",
    outcome: "outcome",
    seconds: "seconds",
    message: "message",
    details: "details",
    output: "output",
} }

/// The test cases of pytest's JUnit XML, in its order (a node may appear twice: a failure,
/// then an error in its teardown).
///
/// Node ids are rebuilt from `file`, `classname` and `name`. For a test defined in another
/// file than the module that collects it (inherited, imported), `file` is where it is
/// defined, so the module is read from the classname alone: up to its first capitalised
/// segment, which pytest's default `python_classes` makes a class.
pub fn parse(text: &str) -> Result<Vec<TestCase>> {
    let mut reader = quick_xml::Reader::from_str(text);
    let mut parser = Parser::default();
    loop {
        let at = reader.buffer_position();
        let malformed = |e: &dyn std::fmt::Display| anyhow!("malformed JUnit XML at byte {at}: {e}");
        let event =
            reader.read_event().map_err(|e| anyhow!("malformed JUnit XML at byte {}: {e}", reader.error_position()))?;
        match event {
            Event::Start(e) => {
                parser.depth += 1;
                parser.open(&e, false).map_err(|e| malformed(&format!("{e:#}")))?;
            }
            Event::Empty(e) => parser.open(&e, true).map_err(|e| malformed(&format!("{e:#}")))?,
            Event::End(e) => {
                parser.depth = parser.depth.saturating_sub(1);
                parser.close(e.name().as_ref());
            }
            Event::Text(t) => parser.push(&t.xml10_content().map_err(|e| malformed(&e))?),
            Event::CData(t) => parser.push(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let text = match r.resolve_char_ref().map_err(|e| malformed(&e))? {
                    Some(ch) => ch.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| malformed(&format!("unknown entity `&{name};`")))?
                        .to_owned(),
                };
                parser.push(&text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    // quick-xml checks that end tags match, not that every element was closed.
    if parser.depth != 0 {
        bail!("malformed JUnit XML: cut short ({} element(s) not closed)", parser.depth);
    }
    if !parser.saw_suite {
        bail!("not a JUnit XML report: no <testsuite> element");
    }
    Ok(parser.cases)
}

/// [`parse`] of a file.
pub fn read(path: &Utf8Path) -> Result<Vec<TestCase>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read pytest's JUnit XML {path}"))?;
    parse(&text).with_context(|| format!("cannot read pytest's JUnit XML {path}"))
}

/// The state of [`parse`]: the cases so far, the one being read, and the text being
/// collected (of a result element, or of system-out / system-err).
#[derive(Default)]
struct Parser {
    cases: Vec<TestCase>,
    case: Option<Partial>,
    sink: Option<Sink>,
    depth: usize,
    saw_suite: bool,
}

impl Parser {
    fn open(&mut self, e: &BytesStart, empty: bool) -> Result<()> {
        match e.name().as_ref() {
            b"testsuite" => self.saw_suite = true,
            b"testcase" => {
                if self.case.is_some() {
                    bail!("a <testcase> inside a <testcase>");
                }
                let case = Partial::new(e, self.cases.len())?;
                if empty {
                    self.cases.push(case.finish());
                } else {
                    self.case = Some(case);
                }
            }
            _ if self.case.is_some() => match (child(e)?, empty) {
                (Some(Sink::Result(found)), true) => self.case.as_mut().expect("checked").results.push(found),
                (sink, false) => self.sink = sink,
                (_, true) => {}
            },
            _ => {}
        }
        Ok(())
    }

    fn close(&mut self, name: &[u8]) {
        if name == b"testcase" {
            if let Some(case) = self.case.take() {
                self.cases.push(case.finish());
            }
            return;
        }
        match (self.sink.take(), self.case.as_mut()) {
            (Some(Sink::Result(found)), Some(case)) => case.results.push(found),
            (Some(Sink::Output(out)), Some(case)) => case.output.push_str(&out),
            _ => {}
        }
    }

    fn push(&mut self, text: &str) {
        match &mut self.sink {
            Some(Sink::Result(found)) => found.text.push_str(text),
            Some(Sink::Output(out)) => out.push_str(text),
            None => {}
        }
    }
}

/// A `<testcase>` being read.
struct Partial {
    classname: String,
    name: String,
    file: Option<String>,
    /// pytest's `line` attribute: 0-based.
    line: Option<u32>,
    seconds: f64,
    results: Vec<Found>,
    output: String,
}

/// A `<failure>`, `<error>` or `<skipped>` element.
struct Found {
    outcome: Outcome,
    message: String,
    text: String,
}

enum Sink {
    Result(Found),
    Output(String),
}

/// What a child element of a test case collects: its result, its output, or nothing.
fn child(e: &BytesStart) -> Result<Option<Sink>> {
    let (ty, message) = (attribute(e, "type")?, attribute(e, "message")?.unwrap_or_default());
    let outcome = match e.name().as_ref() {
        b"failure" => Outcome::Failed,
        b"error" => Outcome::Error,
        b"skipped" if ty.as_deref() == Some("pytest.xfail") => Outcome::XFailed,
        // pytest's writer keeps this form for a failed call of an xfail-marked test, which
        // its own xfail plugin no longer reports (a strict xpass is a `<failure>`).
        b"skipped" if message == "xfail-marked test passes unexpectedly" => Outcome::XPassed,
        b"skipped" => Outcome::Skipped,
        b"system-out" | b"system-err" => return Ok(Some(Sink::Output(String::new()))),
        _ => return Ok(None),
    };
    Ok(Some(Sink::Result(Found { outcome, message, text: String::new() })))
}

impl Partial {
    fn new(e: &BytesStart, index: usize) -> Result<Partial> {
        let name = attribute(e, "name")?.ok_or_else(|| anyhow!("<testcase> number {} has no `name`", index + 1))?;
        let not_a_number = |key: &str, value: &str| {
            format!("<testcase name=\"{name}\"> has a `{key}` that is not a number: `{value}`")
        };
        let seconds = match attribute(e, "time")? {
            Some(t) => t.trim().parse::<f64>().with_context(|| not_a_number("time", &t))?,
            None => 0.0,
        };
        let line = match attribute(e, "line")? {
            Some(l) => Some(l.trim().parse::<u32>().with_context(|| not_a_number("line", &l))?),
            None => None,
        };
        Ok(Partial {
            classname: attribute(e, "classname")?.unwrap_or_default(),
            file: attribute(e, "file")?,
            name,
            line,
            seconds,
            results: Vec::new(),
            output: String::new(),
        })
    }

    fn finish(self) -> TestCase {
        let id = node_id(&self.classname, &self.name, self.file.as_deref());
        // The worst result decides; the texts of every result of that kind are kept (a setup
        // error and a teardown error), each once (pytest may repeat one).
        let worst = self.results.iter().map(|r| r.outcome).max_by_key(|o| o.severity()).unwrap_or(Outcome::Passed);
        let mine: Vec<&Found> = self.results.iter().filter(|r| r.outcome == worst).collect();
        let mut details: Vec<&str> = Vec::new();
        for found in &mine {
            if !found.text.is_empty() && !details.contains(&found.text.as_str()) {
                details.push(&found.text);
            }
        }
        let failure_line = match worst {
            Outcome::Failed | Outcome::Error | Outcome::XPassed => {
                self.file.as_deref().zip(mine.first()).and_then(|(file, found)| failure_line(&found.text, file))
            }
            _ => None,
        };
        TestCase {
            id,
            line: failure_line.or(self.line.map(|l| l + 1)),
            file: self.file,
            outcome: worst,
            seconds: self.seconds,
            message: mine.first().map(|f| f.message.clone()).unwrap_or_default(),
            details: if matches!(worst, Outcome::Passed) { String::new() } else { details.join("\n\n") },
            output: captured(&self.output),
        }
    }
}

/// An attribute's unescaped value (`&#10;` is a newline in pytest's messages).
fn attribute(e: &BytesStart, key: &str) -> Result<Option<String>> {
    let element = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let Some(attr) = e.try_get_attribute(key).with_context(|| format!("malformed attribute in <{element}>"))? else {
        return Ok(None);
    };
    let raw = std::str::from_utf8(&attr.value).with_context(|| format!("<{element} {key}=...> is not UTF-8"))?;
    let value =
        quick_xml::escape::unescape(raw).with_context(|| format!("<{element} {key}=...> has a malformed escape"))?;
    Ok(Some(value.into_owned()))
}

/// pytest's node id from xunit1's `classname` (the node id's path with `/` as `.` and
/// without `.py`, then its classes) and `name`, with `file` for the path.
///
/// When the classname does not start with `file`'s module (a test defined in another file:
/// inherited from a base class or imported, where `file` is where it is defined), the
/// module is read from the classname itself: its segments up to the first capitalised one
/// (a class, as pytest's default `python_classes = Test*` names them). Without a file
/// (pytest's own `internal` error), the classname's segments are joined with `::`.
fn node_id(classname: &str, name: &str, file: Option<&str>) -> String {
    let Some(file) = file else {
        return classname.split('.').filter(|s| !s.is_empty()).chain([name]).collect::<Vec<_>>().join("::");
    };
    // Node ids use `/`; `file` has the OS's separator.
    let path = file.replace('\\', "/");
    let module = path.strip_suffix(".py").unwrap_or(&path).replace('/', ".");
    // A collection error: the node is the file itself.
    if classname.is_empty() {
        return path;
    }
    let classes = if classname == module {
        Some("")
    } else {
        classname.strip_prefix(&module).and_then(|rest| rest.strip_prefix('.'))
    };
    match classes {
        Some("") => format!("{path}::{name}"),
        Some(classes) => format!("{path}::{}::{name}", classes.replace('.', "::")),
        None => {
            let segments: Vec<&str> = classname.split('.').collect();
            let split = segments.iter().position(|s| s.starts_with(|c: char| c.is_ascii_uppercase()));
            let (modules, classes) = segments.split_at(split.unwrap_or(segments.len()));
            let mut parts: Vec<String> = Vec::new();
            if !modules.is_empty() {
                parts.push(format!("{}.py", modules.join("/")));
            }
            parts.extend(classes.iter().map(|c| c.to_string()));
            parts.push(name.to_owned());
            parts.join("::")
        }
    }
}

/// The 1-based line of the last traceback entry in `file` (`tests/test_x.py:12: ...`, or the
/// same path absolute or relative to another folder).
fn failure_line(text: &str, file: &str) -> Option<u32> {
    let needle = format!("{file}:");
    text.lines().rev().find_map(|line| {
        line.match_indices(&needle).find_map(|(at, _)| {
            // The whole path, not the end of a longer name.
            if at > 0 && !line[..at].ends_with(['/', '\\']) {
                return None;
            }
            let rest = &line[at + needle.len()..];
            let (digits, _) = rest.split_once(':')?;
            digits.parse().ok()
        })
    })
}

/// pytest's captured output without its empty sections: `junit_logging=all` writes every
/// section's header (`---- Captured Out ----`) even when it caught nothing.
fn captured(output: &str) -> String {
    let header = |l: &str| l.starts_with("---") && l.ends_with("---") && l.contains(" Captured ");
    // Text before the first header (not pytest's layout) is a section of its own.
    let mut sections = vec![String::new()];
    for line in output.split_inclusive('\n') {
        if header(line.trim()) {
            sections.push(String::new());
        }
        sections.last_mut().expect("one at least").push_str(line);
    }
    sections.retain(|s| s.lines().any(|l| !l.trim().is_empty() && !header(l.trim())));
    sections.concat()
}

/// One project's suite in the merged report.
pub struct Suite<'a> {
    pub name: &'a str,
    pub cases: &'a [TestCase],
    /// Where each case is, by index of `cases`, as the report names it (a case without an
    /// entry has no `file` and `line`).
    pub places: &'a [Place],
    pub seconds: f64,
    /// The suite did not run this time: its recorded results are shown.
    pub cached: bool,
    /// A failure of the whole suite with no per-test entry (pytest crashed, timed out, was
    /// stopped, could not start): (message, output).
    pub failure: Option<(String, String)>,
}

/// A test case's `file` and `line` in the merged report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Place {
    /// Relative to the repository's root (pytest's `file` is relative to its rootdir, which
    /// a report tool does not know), with `/`.
    pub file: Option<Utf8PathBuf>,
    /// 1-based.
    pub line: Option<u32>,
}

/// The merged JUnit XML of a run: one `<testsuite>` per project, each test's classname and
/// name split from its node id so that `classname::name` is the node id again (a
/// collection error, whose id is its module's path, is that path and `<collection>`); its
/// `file` and `line` from the suite's [`Place`]s.
///
/// The layout is the usual one (quick-junit's, which wrote it before): the counts on
/// `<testsuites>` and each `<testsuite>` (`skipped` counts xfails, `failures` strict xpasses),
/// times in seconds with three decimals, a suite's `<properties>` (`cached`), a result
/// element with its `message` and its text (the traceback), and `<system-out>`. Every text is
/// [`xml_escape`]d.
pub fn merged(report_name: &str, suites: &[Suite]) -> String {
    let counts: Vec<Counts> = suites.iter().map(Counts::of).collect();
    let total = counts.iter().fold(Counts::default(), |sum, c| Counts {
        tests: sum.tests + c.tests,
        failures: sum.failures + c.failures,
        errors: sum.errors + c.errors,
        skipped: sum.skipped + c.skipped,
    });
    let seconds: f64 = suites.iter().map(|s| s.seconds.max(0.0)).sum();
    let mut xml = Xml::default();
    let [tests, skipped, failures, errors] = total.strings();
    xml.open(
        "testsuites",
        &[
            ("name", report_name),
            ("tests", &tests),
            ("skipped", &skipped),
            ("failures", &failures),
            ("errors", &errors),
            ("time", &time(seconds)),
        ],
    );
    for (suite, counts) in suites.iter().zip(&counts) {
        let ([tests, skipped, failures, errors], seconds) = (counts.strings(), time(suite.seconds));
        let attributes: [(&str, &str); 6] = [
            ("name", suite.name),
            ("tests", &tests),
            ("skipped", &skipped),
            ("errors", &errors),
            ("failures", &failures),
            ("time", &seconds),
        ];
        if counts.tests == 0 && !suite.cached {
            xml.empty("testsuite", &attributes);
            continue;
        }
        xml.open("testsuite", &attributes);
        if suite.cached {
            xml.open("properties", &[]);
            xml.empty("property", &[("name", "cached"), ("value", "true")]);
            xml.close("properties");
        }
        for (index, case) in suite.cases.iter().enumerate() {
            let (classname, name) = split_id(&case.id);
            let case_time = time(case.seconds);
            let mut attributes = vec![("name", name), ("classname", classname), ("time", case_time.as_str())];
            // GitLab and others link a test to its source with these (xunit1 style).
            let place = suite.places.get(index);
            let line = place.and_then(|p| p.line).map(|l| l.to_string());
            if let Some(file) = place.and_then(|p| p.file.as_ref()) {
                attributes.push(("file", file.as_str()));
                attributes.extend(line.as_deref().map(|l| ("line", l)));
            }
            let result = match case.outcome {
                Outcome::Passed => None,
                Outcome::Failed | Outcome::XPassed => Some(("failure", None)),
                Outcome::Error => Some(("error", None)),
                Outcome::Skipped => Some(("skipped", None)),
                Outcome::XFailed => Some(("skipped", Some("pytest.xfail"))),
            };
            if result.is_none() && case.output.is_empty() {
                xml.empty("testcase", &attributes);
                continue;
            }
            xml.open("testcase", &attributes);
            if let Some((element, kind)) = result {
                let mut attributes = vec![("message", case.message.as_str())];
                attributes.extend(kind.map(|k| ("type", k)));
                xml.leaf(element, &attributes, &case.details);
            }
            if !case.output.is_empty() {
                xml.leaf("system-out", &[], &case.output);
            }
            xml.close("testcase");
        }
        // Without a test case, a dashboard that counts tests would show the crash as nothing.
        if let Some((message, output)) = &suite.failure {
            xml.open("testcase", &[("name", "<suite>"), ("classname", suite.name)]);
            xml.leaf("error", &[("message", message.as_str())], output);
            xml.close("testcase");
        }
        xml.close("testsuite");
    }
    xml.close("testsuites");
    xml.finish()
}

/// The counts of a `<testsuite>`, or of them all.
#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

impl Counts {
    /// A suite's: its tests and their outcomes, and its own failure as one more error.
    fn of(suite: &Suite) -> Counts {
        let n = |outcomes: &[Outcome]| suite.cases.iter().filter(|c| outcomes.contains(&c.outcome)).count();
        let failed = usize::from(suite.failure.is_some());
        Counts {
            tests: suite.cases.len() + failed,
            failures: n(&[Outcome::Failed, Outcome::XPassed]),
            errors: n(&[Outcome::Error]) + failed,
            skipped: n(&[Outcome::Skipped, Outcome::XFailed]),
        }
    }

    /// tests, skipped, failures, errors.
    fn strings(&self) -> [String; 4] {
        [self.tests, self.skipped, self.failures, self.errors].map(|n| n.to_string())
    }
}

/// The merged report as it is written: an element per line, indented by four spaces per
/// level, a leaf's text inline.
struct Xml {
    out: String,
    depth: usize,
}

impl Default for Xml {
    fn default() -> Xml {
        Xml { out: r#"<?xml version="1.0" encoding="UTF-8"?>"#.to_owned(), depth: 0 }
    }
}

impl Xml {
    /// `<name key="value"...`, on a line of its own.
    fn start(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', 4 * self.depth));
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attributes {
            self.out.push(' ');
            self.out.push_str(key);
            self.out.push_str("=\"");
            xml_escape(&mut self.out, value, true);
            self.out.push('"');
        }
    }

    fn open(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start(name, attributes);
        self.out.push('>');
        self.depth += 1;
    }

    fn empty(&mut self, name: &str, attributes: &[(&str, &str)]) {
        self.start(name, attributes);
        self.out.push_str("/>");
    }

    /// An element of text alone; without text, an empty element.
    fn leaf(&mut self, name: &str, attributes: &[(&str, &str)], text: &str) {
        if text.is_empty() {
            return self.empty(name, attributes);
        }
        self.start(name, attributes);
        self.out.push('>');
        xml_escape(&mut self.out, text, false);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn close(&mut self, name: &str) {
        self.depth -= 1;
        self.out.push('\n');
        self.out.extend(std::iter::repeat_n(' ', 4 * self.depth));
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
    }

    fn finish(mut self) -> String {
        self.out.push('\n');
        self.out
    }
}

/// Appends `text` to `out` as XML 1.0 character data, or as an attribute's value: what a
/// terminal would read as commands is left out (ANSI escape sequences: colours, OSC 8
/// links, and the control characters, which XML 1.0 mostly forbids), so is what XML 1.0
/// forbids (U+FFFE, U+FFFF); line ends become `\n` (as a parser reads them); `&`, `<`, `>`
/// and both quotes are escaped, and in an attribute newlines and tabs too, which a parser
/// would read as spaces (`&#10;`, `&#9;`, as pytest writes them).
///
/// A sequence starts with ESC and ends at its final byte, a string's (OSC, DCS, SOS, PM, APC)
/// at BEL or ST (ESC `\`); a character that cannot be in it ends it and is read as text (so
/// an unterminated string stops at the end of its line). C1 controls are left out alone, as
/// control characters, not read as the start of a sequence.
fn xml_escape(out: &mut String, text: &str, attribute: bool) {
    #[derive(Clone, Copy, PartialEq)]
    enum In {
        Text,
        /// After ESC and any intermediate bytes.
        Escape,
        /// A control sequence's parameters and intermediates.
        Csi,
        /// An OSC, DCS, SOS, PM or APC string.
        Str,
        /// ESC inside a string: ST when `\` follows.
        StrEscape,
    }
    let mut state = In::Text;
    let mut after_cr = false;
    for c in text.chars() {
        // A character that ends a sequence without belonging to it is read again as text.
        loop {
            let (next, consumed) = match (state, c) {
                (In::Text, '\u{1b}') => (In::Escape, true),
                (In::Text, _) => {
                    match c {
                        '\n' if after_cr => {}
                        '\r' | '\n' if attribute => out.push_str("&#10;"),
                        '\r' | '\n' => out.push('\n'),
                        '\t' if attribute => out.push_str("&#9;"),
                        '\t' => out.push('\t'),
                        '&' => out.push_str("&amp;"),
                        '<' => out.push_str("&lt;"),
                        '>' => out.push_str("&gt;"),
                        '"' => out.push_str("&quot;"),
                        '\'' => out.push_str("&apos;"),
                        '\u{fffe}' | '\u{ffff}' => {}
                        c if c.is_control() => {}
                        c => out.push(c),
                    }
                    after_cr = c == '\r';
                    (In::Text, true)
                }
                (In::Escape, '[') => (In::Csi, true),
                (In::Escape, ']' | 'P' | 'X' | '^' | '_') => (In::Str, true),
                (In::Escape, ' '..='/') => (In::Escape, true),
                (In::Escape, '0'..='~') => (In::Text, true),
                (In::Csi, ' '..='?') => (In::Csi, true),
                (In::Csi, '@'..='~') => (In::Text, true),
                (In::Str, '\u{7}') => (In::Text, true),
                (In::Str, '\u{1b}') => (In::StrEscape, true),
                (In::Str, '\n') => (In::Text, false),
                (In::Str, _) => (In::Str, true),
                (In::StrEscape, '\\') => (In::Text, true),
                (In::StrEscape, _) => (In::Escape, false),
                (In::Escape | In::Csi, _) => (In::Text, false),
            };
            state = next;
            if consumed {
                break;
            }
        }
    }
}

/// Writes [`merged`] to `path`, making its folders, through a temp file and a rename.
pub fn write_merged(path: &Utf8Path, report_name: &str, suites: &[Suite]) -> Result<()> {
    let xml = merged(report_name, suites);
    if let Some(parent) = path.parent().filter(|p| !p.as_str().is_empty()) {
        std::fs::create_dir_all(parent).with_context(|| format!("cannot write the JUnit report {path}"))?;
    }
    crate::fsutil::write_atomic(path, &xml).with_context(|| format!("cannot write the JUnit report {path}"))
}

/// A node id's classname (everything before its last name: path and classes, `::` kept)
/// and name. The last `::` before the parameters' bracket is the split: a parameter may
/// hold `::` (`test_x[a::b]`), a path may hold `[`. An id without `::` (a collection
/// error's: its module's path) is the classname, and the name is `<collection>`.
fn split_id(id: &str) -> (&str, &str) {
    let Some(path_end) = id.find("::") else { return (id, "<collection>") };
    let tail = &id[path_end + 2..];
    let names = &tail[..tail.find('[').unwrap_or(tail.len())];
    let split = names.rfind("::").map_or(path_end, |at| path_end + 2 + at);
    (&id[..split], &id[split + 2..])
}

/// Seconds with three decimals; a negative or non-finite time (a clock step) as zero.
fn time(seconds: f64) -> String {
    format!("{:.3}", Duration::try_from_secs_f64(seconds).unwrap_or_default().as_secs_f64())
}

/// The tests' XML reader (the integration tests' too), for the merged report.
#[cfg(test)]
#[path = "../tests/support/xml.rs"]
mod test_xml;

#[cfg(test)]
mod tests {
    use super::test_xml::Element;
    use super::*;

    /// What pytest 9.2.0 wrote with [`pytest_args`] for a suite of every kind of result
    /// (trimmed: shorter tracebacks, one empty captured-output block kept of many).
    const PYTEST_RUN: &str = r##"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="4" failures="6" skipped="3" tests="24" time="0.058" timestamp="2026-12-02T00:55:47.955113+00:00" hostname="vm">
<testcase classname="" name="tests.test_broken_import" file="tests/test_broken_import.py" time="0.000"><error message="collection failure">ImportError while importing test module '/tmp/jx/proj/tests/test_broken_import.py'.
Traceback:
/root/.pyenv/versions/3.11.7/lib/python3.11/importlib/__init__.py:126: in import_module
    return _bootstrap._gcd_import(name[level:], package, level)
tests/test_broken_import.py:1: in &lt;module&gt;
    import does_not_exist_module
E   ModuleNotFoundError: No module named 'does_not_exist_module'</error></testcase>
<testcase classname="tests.nested.deep.test_nested" name="test_in_nested" file="tests/nested/deep/test_nested.py" line="0" time="0.000" />
<testcase classname="tests.test_cases" name="test_pass" file="tests/test_cases.py" line="3" time="0.125" />
<testcase classname="tests.test_cases" name="test_fail" file="tests/test_cases.py" line="9" time="0.000"><failure message="AssertionError: math is broken&#10;assert (1 + 1) == 3">def test_fail():
        x = 1
&gt;       helper()

tests/test_cases.py:12: 
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ 

    def helper():
&gt;       assert 1 + 1 == 3, "math is broken"
E       AssertionError: math is broken
E       assert (1 + 1) == 3

tests/test_cases.py:8: AssertionError</failure><system-out>--------------------------------- Captured Log ---------------------------------

--------------------------------- Captured Out ---------------------------------

</system-out><system-err>--------------------------------- Captured Err ---------------------------------

</system-err></testcase>
<testcase classname="tests.test_cases" name="test_setup_error" file="tests/test_cases.py" line="20" time="0.000"><error message="failed on setup with &quot;RuntimeError: setup exploded&quot;">@pytest.fixture
    def broken_setup():
&gt;       raise RuntimeError("setup exploded")
E       RuntimeError: setup exploded

tests/test_cases.py:19: RuntimeError</error></testcase>
<testcase classname="tests.test_cases" name="test_teardown_error" file="tests/test_cases.py" line="28" time="0.000"><error message="failed on teardown with &quot;RuntimeError: teardown exploded&quot;">@pytest.fixture
    def broken_teardown():
        yield 1
&gt;       raise RuntimeError("teardown exploded")
E       RuntimeError: teardown exploded

tests/test_cases.py:27: RuntimeError</error></testcase>
<testcase classname="tests.test_cases" name="test_fail_and_teardown_error" file="tests/test_cases.py" line="31" time="0.000"><failure message="AssertionError: body failed&#10;assert False">    def test_fail_and_teardown_error(broken_teardown):
&gt;       assert False, "body failed"
E       AssertionError: body failed

tests/test_cases.py:33: AssertionError</failure></testcase>
<testcase classname="tests.test_cases" name="test_fail_and_teardown_error" file="tests/test_cases.py" line="31" time="0.000"><error message="failed on teardown with &quot;RuntimeError: teardown exploded&quot;">    def broken_teardown():
        yield 1
&gt;       raise RuntimeError("teardown exploded")
E       RuntimeError: teardown exploded

tests/test_cases.py:27: RuntimeError</error></testcase>
<testcase classname="tests.test_cases" name="test_skip" file="tests/test_cases.py" line="34" time="0.000"><skipped type="pytest.skip" message="not today">/tmp/jx/proj/tests/test_cases.py:36: not today</skipped></testcase>
<testcase classname="tests.test_cases" name="test_skipif" file="tests/test_cases.py" line="37" time="0.000"><skipped type="pytest.skip" message="platform is not nope">/tmp/jx/proj/tests/test_cases.py:38: platform is not nope</skipped></testcase>
<testcase classname="tests.test_cases" name="test_xfail" file="tests/test_cases.py" line="41" time="0.000"><skipped type="pytest.xfail" message="known bug" /></testcase>
<testcase classname="tests.test_cases" name="test_xpass_strict" file="tests/test_cases.py" line="45" time="0.000"><failure message="[XPASS(strict)] strict one">[XPASS(strict)] strict one</failure></testcase>
<testcase classname="tests.test_cases" name="test_xpass_lenient" file="tests/test_cases.py" line="49" time="0.000" />
<testcase classname="tests.test_cases" name="test_param[a b]" file="tests/test_cases.py" line="53" time="0.000" />
<testcase classname="tests.test_cases" name="test_param[[x]]" file="tests/test_cases.py" line="53" time="0.000"><failure message="AssertionError: assert '[x]' != '[x]'">v = '[x]'

    @pytest.mark.parametrize("v", ["a b", "[x]", "p::q", "ünï", 1.5])
    def test_param(v):
&gt;       assert v != "[x]"
E       AssertionError: assert '[x]' != '[x]'

tests/test_cases.py:56: AssertionError</failure></testcase>
<testcase classname="tests.test_cases" name="test_param[p::q]" file="tests/test_cases.py" line="53" time="0.000" />
<testcase classname="tests.test_cases" name="test_param[\xfcn\xef]" file="tests/test_cases.py" line="53" time="0.000" />
<testcase classname="tests.test_cases" name="test_param[1.5]" file="tests/test_cases.py" line="53" time="0.000" />
<testcase classname="tests.test_cases" name="test_ünïcode_名前" file="tests/test_cases.py" line="57" time="0.000" />
<testcase classname="tests.test_cases.TestGroup" name="test_method" file="tests/test_cases.py" line="61" time="0.000" />
<testcase classname="tests.test_cases.TestGroup.TestInner" name="test_deep" file="tests/test_cases.py" line="65" time="0.000"><failure message="assert 0">self = &lt;test_cases.TestGroup.TestInner object at 0x7f4700bfda50&gt;

    def test_deep(self):
&gt;       assert 0
E       assert 0

tests/test_cases.py:67: AssertionError</failure></testcase>
<testcase classname="tests.test_cases.TestGroup" name="test_m[1]" file="tests/test_cases.py" line="68" time="0.000" /></testsuite></testsuites>"##;

    /// `pytest --collect-only -q` of the same suite, in the same order (the broken module's
    /// node is the file itself: `ERROR tests/test_broken_import.py`).
    const COLLECTED: &[&str] = &[
        "tests/test_broken_import.py",
        "tests/nested/deep/test_nested.py::test_in_nested",
        "tests/test_cases.py::test_pass",
        "tests/test_cases.py::test_fail",
        "tests/test_cases.py::test_setup_error",
        "tests/test_cases.py::test_teardown_error",
        "tests/test_cases.py::test_fail_and_teardown_error",
        "tests/test_cases.py::test_fail_and_teardown_error",
        "tests/test_cases.py::test_skip",
        "tests/test_cases.py::test_skipif",
        "tests/test_cases.py::test_xfail",
        "tests/test_cases.py::test_xpass_strict",
        "tests/test_cases.py::test_xpass_lenient",
        "tests/test_cases.py::test_param[a b]",
        "tests/test_cases.py::test_param[[x]]",
        "tests/test_cases.py::test_param[p::q]",
        r"tests/test_cases.py::test_param[\xfcn\xef]",
        "tests/test_cases.py::test_param[1.5]",
        "tests/test_cases.py::test_ünïcode_名前",
        "tests/test_cases.py::TestGroup::test_method",
        "tests/test_cases.py::TestGroup::TestInner::test_deep",
        "tests/test_cases.py::TestGroup::test_m[1]",
    ];

    /// pytest 9.2.0: results after the call (a skip, an xfail, a setup error) followed by a
    /// teardown error, all in one `<testcase>`.
    const TEARDOWNS: &str = r##"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="3" failures="0" skipped="4" tests="6" time="0.040" timestamp="2026-12-02T00:51:56.995645+00:00" hostname="vm">
<testcase classname="tests.test_td" name="test_skip_then_td" file="tests/test_td.py" line="11" time="0.000"><skipped type="pytest.skip" message="skipping">/tmp/jx/td/tests/test_td.py:13: skipping</skipped><error message="failed on teardown with &quot;RuntimeError: teardown boom&quot;">@pytest.fixture
    def bad_teardown():
        yield
&gt;       raise RuntimeError("teardown boom")
E       RuntimeError: teardown boom

tests/test_td.py:6: RuntimeError</error></testcase>
<testcase classname="tests.test_td" name="test_xfail_then_td" file="tests/test_td.py" line="14" time="0.000"><skipped type="pytest.xfail" message="xf" /><skipped type="pytest.xfail" message="xf" /></testcase>
<testcase classname="tests.test_td" name="test_setup_and_td" file="tests/test_td.py" line="22" time="0.000"><error message="failed on setup with &quot;RuntimeError: setup boom&quot;">@pytest.fixture
    def bad_both():
&gt;       raise RuntimeError("setup boom")
E       RuntimeError: setup boom

tests/test_td.py:10: RuntimeError</error><error message="failed on teardown with &quot;RuntimeError: teardown boom&quot;">@pytest.fixture
    def bad_teardown():
        yield
&gt;       raise RuntimeError("teardown boom")
E       RuntimeError: teardown boom

tests/test_td.py:6: RuntimeError</error></testcase></testsuite></testsuites>"##;

    /// pytest 9.2.0 with `--doctest-modules`: tests defined in another file than the module
    /// that collects them (inherited, imported), captured output, and a doctest.
    const ELSEWHERE: &str = r##"<?xml version="1.0" encoding="utf-8"?><testsuites name="pytest tests"><testsuite name="pytest" errors="0" failures="4" skipped="0" tests="4" time="0.039" timestamp="2026-12-02T00:55:54.137489+00:00" hostname="vm">
<testcase classname="tests.test_inherit" name="test_shared_fn" file="tests/base_helpers.py" line="4" time="0.000"><failure message="AssertionError">def test_shared_fn():
        print("out of shared")
&gt;       assert 0
E       AssertionError

tests/base_helpers.py:7: AssertionError</failure><system-out>--------------------------------- Captured Log ---------------------------------

--------------------------------- Captured Out ---------------------------------
out of shared

</system-out><system-err>--------------------------------- Captured Err ---------------------------------

</system-err></testcase>
<testcase classname="tests.test_inherit.TestChild" name="test_inherited" file="tests/base_helpers.py" line="1" time="0.000"><failure message="AssertionError: inherited fails">self = &lt;tests.test_inherit.TestChild object at 0x7f2fd05f0c50&gt;

    def test_inherited(self):
&gt;       assert False, "inherited fails"
E       AssertionError: inherited fails

tests/base_helpers.py:3: AssertionError</failure></testcase>
<testcase classname="tests.test_inherit" name="test_output" file="tests/test_inherit.py" line="6" time="0.000"><failure message="assert 0">def test_output():
        print("captured stdout line")
        logging.getLogger("x").warning("a log record")
        import sys; sys.stderr.write("captured stderr line\n")
&gt;       assert 0
E       assert 0

tests/test_inherit.py:11: AssertionError</failure><system-out>--------------------------------- Captured Log ---------------------------------
WARNING  x:test_inherit.py:9 a log record
--------------------------------- Captured Out ---------------------------------
captured stdout line

</system-out><system-err>--------------------------------- Captured Err ---------------------------------
captured stderr line

</system-err></testcase>
<testcase classname="src.mod.thing" name="thing.f" file="src/mod/thing.py" line="1" time="0.001"><failure message="002 &#10;003     &gt;&gt;&gt; f()&#10;Expected:&#10;    2&#10;Got:&#10;    1&#10;&#10;/tmp/jx/edge/src/mod/thing.py:3: DocTestFailure">002 
003     &gt;&gt;&gt; f()
Expected:
    2
Got:
    1

/tmp/jx/edge/src/mod/thing.py:3: DocTestFailure</failure></testcase></testsuite></testsuites>"##;

    fn by_id<'a>(cases: &'a [TestCase], id: &str) -> &'a TestCase {
        cases.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("no {id}"))
    }

    #[test]
    fn node_ids_are_pytests_own() {
        let cases = parse(PYTEST_RUN).unwrap();
        let ids: Vec<&str> = cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, COLLECTED);
        let ids: Vec<String> = parse(ELSEWHERE).unwrap().into_iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "tests/test_inherit.py::test_shared_fn",
                "tests/test_inherit.py::TestChild::test_inherited",
                "tests/test_inherit.py::test_output",
                "src/mod/thing.py::thing.f"
            ]
        );
    }

    #[test]
    fn outcomes_of_every_kind() {
        let cases = parse(PYTEST_RUN).unwrap();
        let outcome = |id: &str| by_id(&cases, &format!("tests/test_cases.py::{id}")).outcome;
        assert_eq!(outcome("test_pass"), Outcome::Passed);
        assert_eq!(outcome("test_fail"), Outcome::Failed);
        assert_eq!(outcome("test_setup_error"), Outcome::Error);
        // A passing test whose teardown fails: one entry, the error.
        assert_eq!(outcome("test_teardown_error"), Outcome::Error);
        assert_eq!(outcome("test_skip"), Outcome::Skipped);
        assert_eq!(outcome("test_skipif"), Outcome::Skipped);
        assert_eq!(outcome("test_xfail"), Outcome::XFailed);
        assert_eq!(outcome("test_xpass_strict"), Outcome::Failed);
        // JUnit cannot tell a non-strict xpass from a pass.
        assert_eq!(outcome("test_xpass_lenient"), Outcome::Passed);
        assert_eq!(outcome("test_param[[x]]"), Outcome::Failed);
        assert_eq!(outcome("TestGroup::TestInner::test_deep"), Outcome::Failed);
        assert_eq!(by_id(&cases, "tests/test_broken_import.py").outcome, Outcome::Error);
        // A failing test whose teardown fails: two entries, as pytest counts them.
        let both: Vec<Outcome> = cases
            .iter()
            .filter(|c| c.id == "tests/test_cases.py::test_fail_and_teardown_error")
            .map(|c| c.outcome)
            .collect();
        assert_eq!(both, [Outcome::Failed, Outcome::Error]);
        // The suite's own counts: pytest's skipped counts xfails too.
        let count = |o: &[Outcome]| cases.iter().filter(|c| o.contains(&c.outcome)).count();
        assert_eq!(
            (count(&[Outcome::Failed]), count(&[Outcome::Error]), count(&[Outcome::Skipped, Outcome::XFailed])),
            (5, 4, 3)
        );
    }

    #[test]
    fn messages_details_lines_and_times() {
        let cases = parse(PYTEST_RUN).unwrap();
        let fail = by_id(&cases, "tests/test_cases.py::test_fail");
        assert_eq!(fail.message, "AssertionError: math is broken\nassert (1 + 1) == 3");
        assert!(fail.details.starts_with("def test_fail():\n") && fail.details.contains("> "), "{}", fail.details);
        // The last traceback entry in the test's file: the helper's assert, not the call.
        assert_eq!((fail.file.as_deref(), fail.line), (Some("tests/test_cases.py"), Some(8)));
        assert_eq!(fail.output, "", "only empty captured sections");

        let pass = by_id(&cases, "tests/test_cases.py::test_pass");
        assert_eq!((pass.line, pass.seconds, pass.message.as_str(), pass.details.as_str()), (Some(4), 0.125, "", ""));
        // pytest's `line` is 0-based: the definition on line 1.
        assert_eq!(by_id(&cases, "tests/nested/deep/test_nested.py::test_in_nested").line, Some(1));

        let setup = by_id(&cases, "tests/test_cases.py::test_setup_error");
        assert_eq!(setup.message, r#"failed on setup with "RuntimeError: setup exploded""#);
        assert_eq!(setup.line, Some(19), "the fixture's raise");
        let skip = by_id(&cases, "tests/test_cases.py::test_skip");
        assert_eq!((skip.message.as_str(), skip.line), ("not today", Some(35)), "a skip keeps its definition");
        let broken = by_id(&cases, "tests/test_broken_import.py");
        assert_eq!((broken.message.as_str(), broken.line), ("collection failure", Some(1)));
        assert!(broken.details.contains("E   ModuleNotFoundError"), "{}", broken.details);
        let strict = by_id(&cases, "tests/test_cases.py::test_xpass_strict");
        assert_eq!((strict.message.as_str(), strict.line), ("[XPASS(strict)] strict one", Some(46)));
    }

    #[test]
    fn several_results_in_one_case_the_worst_wins() {
        let cases = parse(TEARDOWNS).unwrap();
        let skip = by_id(&cases, "tests/test_td.py::test_skip_then_td");
        assert_eq!((skip.outcome, skip.line), (Outcome::Error, Some(6)));
        assert!(skip.message.starts_with("failed on teardown"), "{}", skip.message);
        assert_eq!(by_id(&cases, "tests/test_td.py::test_xfail_then_td").outcome, Outcome::XFailed);
        let both = by_id(&cases, "tests/test_td.py::test_setup_and_td");
        assert_eq!(both.outcome, Outcome::Error);
        assert!(both.message.starts_with("failed on setup"), "the first: {}", both.message);
        assert!(both.details.contains("setup boom") && both.details.contains("teardown boom"), "{}", both.details);
        assert_eq!(both.line, Some(10), "the first error's line");
    }

    #[test]
    fn tests_defined_elsewhere_and_captured_output() {
        let cases = parse(ELSEWHERE).unwrap();
        let inherited = by_id(&cases, "tests/test_inherit.py::TestChild::test_inherited");
        assert_eq!((inherited.file.as_deref(), inherited.line), (Some("tests/base_helpers.py"), Some(3)));
        let shared = by_id(&cases, "tests/test_inherit.py::test_shared_fn");
        let dashes = "-".repeat(33);
        assert_eq!(shared.output, format!("{dashes} Captured Out {dashes}\nout of shared\n\n"));
        let output = &by_id(&cases, "tests/test_inherit.py::test_output").output;
        for part in ["Captured Log", "a log record", "Captured Out", "captured stdout line", "captured stderr line"] {
            assert!(output.contains(part), "{part} in {output}");
        }
        // A doctest's traceback names its file by absolute path.
        assert_eq!(by_id(&cases, "src/mod/thing.py::thing.f").line, Some(3));
    }

    #[test]
    fn node_ids_without_the_files_module() {
        assert_eq!(node_id("tests.test_a.TestX", "test_b", Some("tests/helpers.py")), "tests/test_a.py::TestX::test_b");
        assert_eq!(node_id("tests.test_a", "test_b[1]", Some("lib/shared.py")), "tests/test_a.py::test_b[1]");
        // pytest's own internal error has no file.
        assert_eq!(node_id("pytest", "internal", None), "pytest::internal");
        // Windows separators in `file`.
        assert_eq!(node_id("tests.test_a", "test_b", Some(r"tests\test_a.py")), "tests/test_a.py::test_b");
        assert_eq!(node_id("", "tests.test_a", Some(r"tests\test_a.py")), "tests/test_a.py");
    }

    #[test]
    fn malformed_xml_is_a_clear_error() {
        let err = |text: &str| format!("{:#}", parse(text).unwrap_err());
        let cut = &PYTEST_RUN[..PYTEST_RUN.len() / 2];
        assert!(err(cut).contains("malformed JUnit XML"), "{}", err(cut));
        let crossed = r#"<testsuite><testcase name="a"><failure></testcase></failure></testsuite>"#;
        assert!(err(crossed).starts_with("malformed JUnit XML at byte"), "{}", err(crossed));
        assert!(err("").contains("no <testsuite>"), "{}", err(""));
        assert!(err("not xml at all").contains("no <testsuite>"));
        let nameless = r#"<testsuite><testcase classname="x" time="1"/></testsuite>"#;
        assert!(err(nameless).contains("<testcase> number 1 has no `name`"), "{}", err(nameless));
        let time = r#"<testsuite><testcase name="t" time="soon"/></testsuite>"#;
        assert!(err(time).contains("`time` that is not a number: `soon`"), "{}", err(time));
        let entity = r#"<testsuite><testcase name="t"><failure>&nope;</failure></testcase></testsuite>"#;
        assert!(err(entity).contains("unknown entity `&nope;`"), "{}", err(entity));
    }

    #[test]
    fn read_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = Utf8Path::from_path(dir.path()).unwrap().join("junit.xml");
        let missing = format!("{:#}", read(&path).unwrap_err());
        assert!(missing.contains(path.as_str()), "{missing}");
        std::fs::write(&path, "<testsuite><testcase name=\"t\">").unwrap();
        let cut = format!("{:#}", read(&path).unwrap_err());
        assert!(cut.contains(path.as_str()) && cut.contains("cut short"), "{cut}");
        std::fs::write(&path, TEARDOWNS).unwrap();
        assert_eq!(read(&path).unwrap().len(), 3);
    }

    #[test]
    fn pytest_args_ask_for_xunit1() {
        let args = pytest_args(Utf8Path::new("/tmp/a b/junit.xml"));
        assert_eq!(args[0], "--junitxml=/tmp/a b/junit.xml");
        assert!(args.windows(2).any(|w| w == ["-o", "junit_family=xunit1"]), "{args:?}");
    }

    #[test]
    fn split_ids_into_classname_and_name() {
        assert_eq!(split_id("tests/test_x.py::TestA::test_b[1]"), ("tests/test_x.py::TestA", "test_b[1]"));
        assert_eq!(split_id("tests/test_x.py::test_p[p::q]"), ("tests/test_x.py", "test_p[p::q]"));
        assert_eq!(split_id("tests/t[1].py::test"), ("tests/t[1].py", "test"));
        // A collection error: always a classname.
        assert_eq!(split_id("tests/test_broken.py"), ("tests/test_broken.py", "<collection>"));
        assert_eq!(split_id("tests.test_broken"), ("tests.test_broken", "<collection>"));
    }

    /// The merged report read back as any XML 1.0 parser reads it: its `<testsuites>`.
    fn read_back(xml: &str) -> Element {
        let root = test_xml::parse(xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert_eq!(root.name, "testsuites", "{xml}");
        root
    }

    /// Counts of each `<testsuite>`: (name, tests, failures, errors, skipped), which its
    /// test cases and the `<testsuites>` totals agree with.
    fn counts(xml: &str) -> Vec<(String, usize, usize, usize, usize)> {
        let report = read_back(xml);
        let keys = ["tests", "failures", "errors", "skipped"];
        let mut totals = [0; 4];
        let counts = report
            .all("testsuite")
            .map(|suite| {
                let cases: Vec<&Element> = suite.all("testcase").collect();
                let with = |result: &str| cases.iter().filter(|c| c.one(result).is_some()).count();
                let [tests, failures, errors, skipped] = keys.map(|k| suite.count(k));
                assert_eq!(
                    (tests, failures, errors, skipped),
                    (cases.len(), with("failure"), with("error"), with("skipped")),
                    "{xml}"
                );
                for (total, n) in totals.iter_mut().zip([tests, failures, errors, skipped]) {
                    *total += n;
                }
                (suite.attr("name").expect("a suite's name").to_owned(), tests, failures, errors, skipped)
            })
            .collect();
        assert_eq!(keys.map(|k| report.count(k)), totals, "{xml}");
        counts
    }

    #[test]
    fn merged_report_parses_back_with_the_inputs_counts() {
        let web = parse(PYTEST_RUN).unwrap();
        let td = parse(TEARDOWNS).unwrap();
        let suites = [
            Suite { name: "web", cases: &web, places: &[], seconds: 1.5, cached: false, failure: None },
            Suite { name: "model", cases: &td, places: &[], seconds: 0.25, cached: true, failure: None },
            Suite {
                name: "digest",
                cases: &[],
                places: &[],
                seconds: 60.0,
                cached: false,
                failure: Some(("timed out after 60s".into(), "collected 3 items\n".into())),
            },
        ];
        let xml = merged("cargo xtask test-all", &suites);
        let expected = |name: &str, cases: &[TestCase], suite_error: usize| {
            let n = |o: &[Outcome]| cases.iter().filter(|c| o.contains(&c.outcome)).count();
            (
                name.to_owned(),
                cases.len() + suite_error,
                n(&[Outcome::Failed, Outcome::XPassed]),
                n(&[Outcome::Error]) + suite_error,
                n(&[Outcome::Skipped, Outcome::XFailed]),
            )
        };
        assert_eq!(counts(&xml), [expected("web", &web, 0), expected("model", &td, 0), expected("digest", &[], 1)]);
        assert_eq!(counts(&xml)[0], ("web".to_owned(), 22, 5, 4, 3), "as pytest's own XML counts them");

        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "), "{xml}");
        let report = read_back(&xml);
        assert_eq!((report.attr("name"), report.attr("time")), (Some("cargo xtask test-all"), Some("61.750")));
        let [web_suite, model_suite, digest_suite] = &report.children[..] else { panic!("three suites\n{xml}") };
        assert!(web_suite.one("properties").is_none());
        let properties = model_suite.one("properties").expect("the cached suite's properties");
        assert_eq!(
            properties.all("property").map(|p| (p.attr("name"), p.attr("value"))).collect::<Vec<_>>(),
            [(Some("cached"), Some("true"))]
        );
        // classname::name is the node id again; the failure keeps its message and traceback.
        let param = web_suite.all("testcase").find(|c| c.attr("name") == Some("test_param[[x]]")).unwrap();
        assert_eq!(param.attr("classname"), Some("tests/test_cases.py"));
        let failure = param.one("failure").unwrap_or_else(|| panic!("a failure: {param:?}"));
        assert_eq!(failure.attr("message"), Some("AssertionError: assert '[x]' != '[x]'"));
        assert!(failure.text.contains("tests/test_cases.py:56"), "{}", failure.text);
        // A message keeps its lines (`&#10;`: a parser reads a written newline as a space).
        let fail = web_suite.all("testcase").find(|c| c.attr("name") == Some("test_fail")).unwrap();
        assert_eq!(
            fail.one("failure").and_then(|f| f.attr("message")),
            Some("AssertionError: math is broken\nassert (1 + 1) == 3")
        );
        let xfail = web_suite.all("testcase").find(|c| c.attr("name") == Some("test_xfail")).unwrap();
        assert_eq!(xfail.one("skipped").and_then(|s| s.attr("type")), Some("pytest.xfail"));
        let [crash] = &digest_suite.children[..] else { panic!("one case\n{xml}") };
        assert_eq!((crash.attr("name"), crash.attr("classname")), (Some("<suite>"), Some("digest")));
        let error = crash.one("error").unwrap();
        assert_eq!((error.attr("message"), error.text.as_str()), (Some("timed out after 60s"), "collected 3 items\n"));
        assert_eq!(digest_suite.attr("time"), Some("60.000"));
    }

    #[test]
    fn merged_cases_name_their_place_and_always_a_classname() {
        let web = parse(PYTEST_RUN).unwrap();
        // The caller's places: files relative to the repository's root, by index.
        let places: Vec<Place> = web
            .iter()
            .map(|c| Place {
                file: c.file.as_ref().map(|f| Utf8PathBuf::from(format!("projects/web/{f}"))),
                line: c.line,
            })
            .collect();
        let suites = [Suite { name: "web", cases: &web, places: &places, seconds: 1.0, cached: false, failure: None }];
        let report = read_back(&merged("run", &suites));
        let cases: Vec<&Element> = report.suite("web").all("testcase").collect();
        assert_eq!(cases.len(), web.len());
        for case in &cases {
            assert!(case.attr("classname").is_some(), "{case:?}");
            let file = case.attr("file").expect("every case of this run has a file");
            assert!(file.starts_with("projects/web/tests/"), "{file}");
        }
        let broken = cases[0];
        assert_eq!(
            (broken.attr("classname"), broken.attr("name")),
            (Some("tests/test_broken_import.py"), Some("<collection>"))
        );
        assert_eq!(
            (broken.attr("file"), broken.attr("line")),
            (Some("projects/web/tests/test_broken_import.py"), Some("1"))
        );
        let fail = cases.iter().find(|c| c.attr("name") == Some("test_fail")).unwrap();
        assert_eq!((fail.attr("file"), fail.attr("line")), (Some("projects/web/tests/test_cases.py"), Some("8")));
        // Without a place (a file outside the repository): no file, no line.
        let bare = [Suite { name: "web", cases: &web, places: &[], seconds: 1.0, cached: false, failure: None }];
        let report = read_back(&merged("run", &bare));
        assert!(report.suite("web").all("testcase").all(|c| c.attr("file").is_none() && c.attr("line").is_none()));
    }

    #[test]
    fn merged_report_layout() {
        let case = |id: &str, outcome: Outcome, message: &str, details: &str, output: &str| TestCase {
            id: id.to_owned(),
            file: None,
            line: None,
            outcome,
            seconds: 0.0125,
            message: message.to_owned(),
            details: details.to_owned(),
            output: output.to_owned(),
        };
        let cases = [
            case("t.py::test_ok", Outcome::Passed, "", "", ""),
            case("t.py::T::test_fail", Outcome::Failed, "assert 1 == 2", "> assert 1 == 2\nE  no", "printed\n"),
            case("t.py::test_xfail", Outcome::XFailed, "known", "", ""),
        ];
        let places = [Place { file: Some("p/t.py".into()), line: Some(3) }];
        let suites = [
            Suite { name: "p", cases: &cases, places: &places, seconds: 1.23456, cached: false, failure: None },
            Suite { name: "c", cases: &[], places: &[], seconds: -1.0, cached: true, failure: None },
            Suite {
                name: "x",
                cases: &[],
                places: &[],
                seconds: f64::NAN,
                cached: false,
                failure: Some(("crashed: killed".to_owned(), String::new())),
            },
            Suite { name: "none", cases: &[], places: &[], seconds: 2.0, cached: false, failure: None },
        ];
        let expected = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="run" tests="4" skipped="1" failures="1" errors="1" time="3.235">
    <testsuite name="p" tests="3" skipped="1" errors="0" failures="1" time="1.235">
        <testcase name="test_ok" classname="t.py" time="0.013" file="p/t.py" line="3"/>
        <testcase name="test_fail" classname="t.py::T" time="0.013">
            <failure message="assert 1 == 2">&gt; assert 1 == 2
E  no</failure>
            <system-out>printed
</system-out>
        </testcase>
        <testcase name="test_xfail" classname="t.py" time="0.013">
            <skipped message="known" type="pytest.xfail"/>
        </testcase>
    </testsuite>
    <testsuite name="c" tests="0" skipped="0" errors="0" failures="0" time="0.000">
        <properties>
            <property name="cached" value="true"/>
        </properties>
    </testsuite>
    <testsuite name="x" tests="1" skipped="0" errors="1" failures="0" time="0.000">
        <testcase name="&lt;suite&gt;" classname="x">
            <error message="crashed: killed"/>
        </testcase>
    </testsuite>
    <testsuite name="none" tests="0" skipped="0" errors="0" failures="0" time="2.000"/>
</testsuites>
"#;
        assert_eq!(merged("run", &suites), expected);
    }

    /// [`xml_escape`] of `text` as text and as an attribute.
    fn escaped(text: &str) -> (String, String) {
        let (mut as_text, mut as_attribute) = (String::new(), String::new());
        xml_escape(&mut as_text, text, false);
        xml_escape(&mut as_attribute, text, true);
        (as_text, as_attribute)
    }

    #[test]
    fn escaping_markup_lines_and_tabs() {
        let (text, attribute) = escaped("a < b && c > 'd' \"e\"\n\tf");
        assert_eq!(text, "a &lt; b &amp;&amp; c &gt; &apos;d&apos; &quot;e&quot;\n\tf");
        assert_eq!(attribute, "a &lt; b &amp;&amp; c &gt; &apos;d&apos; &quot;e&quot;&#10;&#9;f");
        // Line ends as a parser reads them: CRLF and a lone CR are a newline.
        assert_eq!(escaped("a\r\nb\rc\n\nd"), ("a\nb\nc\n\nd".to_owned(), "a&#10;b&#10;c&#10;&#10;d".to_owned()));
        assert_eq!(escaped("é ✓ 🦀 \u{fffd}").0, "é ✓ 🦀 \u{fffd}");
    }

    #[test]
    fn escaping_leaves_out_terminal_sequences_and_what_xml_forbids() {
        let text = |s: &str| escaped(s).0;
        // Colours, cursor moves, private modes; a character set and a keypad mode (ESC ( B, ESC =).
        assert_eq!(text("\x1b[31mred\x1b[0m \x1b[1;32;48;5;200mx\x1b[2K\x1b[?25l"), "red x");
        assert_eq!(text("\x1b(Ba\x1b=b\x1b7c"), "abc");
        // OSC 8 links, ended by BEL or by ST; a DCS string; an unterminated OSC ends at its line's end.
        assert_eq!(text("\x1b]8;;http://x\x07link\x1b]8;;\x1b\\ done"), "link done");
        assert_eq!(text("a\x1bPq#0;2;0;0;0\x1b\\b"), "ab");
        assert_eq!(text("a\x1b]0;title\nb"), "a\nb");
        // C1 controls are characters of their own, not the start of a sequence.
        assert_eq!(text("\u{9b}31mred\u{9d}0;t\u{9c}x"), "31mred0;tx");
        // Control characters (C0 but tab and newline, DEL, C1), and U+FFFE and U+FFFF.
        assert_eq!(text("a\x00\x01\x08\x0b\x0c\x0e\x1f\x7f\u{80}\u{85}\u{9f}b\u{fffe}\u{ffff}c"), "abc");
        // A lone ESC, at the end or before a line's end; ESC ESC restarts the sequence.
        assert_eq!(text("a\x1b"), "a");
        assert_eq!(text("a\x1b\nb"), "a\nb");
        assert_eq!(text("a\x1b\x1b[1mb"), "ab");
        // A sequence cut by a character that cannot be in it: that character is text.
        assert_eq!(text("\x1b[31é"), "é");
    }

    #[test]
    fn merged_report_is_xml_whatever_the_tests_wrote() {
        let nasty = "\x1b[31mE\x1b[0m   \"<&>'\"\x00\x07\u{fffe}\r\n\tend";
        let case = TestCase {
            id: format!("tests/t.py::test_x[{nasty}]"),
            file: Some("tests/t.py".into()),
            line: Some(1),
            outcome: Outcome::Error,
            seconds: 0.5,
            message: nasty.to_owned(),
            details: nasty.to_owned(),
            output: nasty.to_owned(),
        };
        let places = [Place { file: Some("a & b/t.py".into()), line: Some(1) }];
        let suites = [Suite {
            name: "p<&>",
            cases: std::slice::from_ref(&case),
            places: &places,
            seconds: 1.0,
            cached: false,
            failure: Some((nasty.to_owned(), nasty.to_owned())),
        }];
        let xml = merged(nasty, &suites);
        let report = read_back(&xml);
        let clean = "E   \"<&>'\"\n\tend";
        assert_eq!(report.attr("name"), Some(clean));
        let suite = report.suite("p<&>");
        let [test, crash] = &suite.children[..] else { panic!("two cases\n{xml}") };
        assert_eq!(test.attr("name"), Some(format!("test_x[{clean}]").as_str()));
        assert_eq!(test.attr("file"), Some("a & b/t.py"));
        for (case, result) in [(test, "error"), (crash, "error")] {
            let result = case.one(result).unwrap();
            assert_eq!((result.attr("message"), result.text.as_str()), (Some(clean), clean));
        }
        assert_eq!(test.one("system-out").unwrap().text, clean);
    }

    #[test]
    fn write_merged_makes_folders_and_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let root = Utf8Path::from_path(dir.path()).unwrap();
        let path = root.join("reports/ci/junit.xml");
        let cases = parse(TEARDOWNS).unwrap();
        write_merged(
            &path,
            "run",
            &[Suite { name: "model", cases: &cases, places: &[], seconds: 1.0, cached: false, failure: None }],
        )
        .unwrap();
        assert_eq!(counts(&std::fs::read_to_string(&path).unwrap()), [("model".to_owned(), 3, 0, 2, 1)]);
        let names: Vec<String> = std::fs::read_dir(root.join("reports/ci"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["junit.xml"]);
        // A folder where the file should go: the error names the path.
        let blocked = root.join("blocked");
        std::fs::create_dir_all(blocked.join("x")).unwrap();
        let err = format!("{:#}", write_merged(&blocked, "run", &[]).unwrap_err());
        assert!(err.contains(blocked.as_str()), "{err}");
    }
}
