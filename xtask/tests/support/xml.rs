//! An XML document read back as a tree of elements, as a conforming XML 1.0 parser reads it
//! (attribute values normalized, line ends as `\n`, references resolved): how the tests
//! read the merged JUnit report (`--junit`). The xtask's unit tests use it too (`#[path]`).
#![allow(dead_code)] // each test crate uses a different part of it

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Default)]
pub struct Element {
    pub name: String,
    pub attributes: Vec<(String, String)>,
    pub children: Vec<Element>,
    /// Its own text (not its children's), indentation included.
    pub text: String,
}

impl Element {
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    /// A count attribute (`tests`, `failures`...), which must be there.
    pub fn count(&self, key: &str) -> usize {
        let value = self.attr(key).unwrap_or_else(|| panic!("<{}> has no `{key}`", self.name));
        value.parse().unwrap_or_else(|e| panic!("<{} {key}={value:?}>: {e}", self.name))
    }

    /// Its child elements named `name`, in order.
    pub fn all<'a>(&'a self, name: &str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Its only child element named `name`, if any.
    pub fn one(&self, name: &str) -> Option<&Element> {
        let mut found = self.all(name);
        let first = found.next();
        assert!(found.next().is_none(), "<{}> has several <{name}>", self.name);
        first
    }

    /// The `<testsuite>` named `name` of a `<testsuites>`.
    pub fn suite(&self, name: &str) -> &Element {
        self.all("testsuite").find(|s| s.attr("name") == Some(name)).unwrap_or_else(|| panic!("no suite {name}"))
    }
}

/// The document's root element; an error for what is not well-formed XML 1.0 (unclosed or
/// crossed elements, an unknown entity, a duplicate attribute, a character XML 1.0 forbids,
/// text or a second element beside the root).
pub fn parse(xml: &str) -> Result<Element, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    // The elements open, innermost last; the root's parent collects the root.
    let mut open = vec![Element::default()];
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| format!("at byte {at}: {e}"))?;
        let text = match event {
            Event::Start(e) => {
                open.push(element(&e)?);
                continue;
            }
            Event::Empty(e) => {
                let done = element(&e)?;
                open.last_mut().expect("the root's parent").children.push(done);
                continue;
            }
            Event::End(_) => {
                let done = open.pop().expect("the reader checks end tags");
                open.last_mut().ok_or("an end tag without its start")?.children.push(done);
                continue;
            }
            Event::Text(t) => t.xml10_content().map_err(|e| e.to_string())?.into_owned(),
            Event::CData(t) => String::from_utf8(t.to_vec()).map_err(|e| e.to_string())?,
            Event::GeneralRef(r) => match r.resolve_char_ref().map_err(|e| e.to_string())? {
                Some(c) => c.to_string(),
                None => {
                    let name = String::from_utf8_lossy(&r).into_owned();
                    resolve_predefined_entity(&name).ok_or(format!("unknown entity &{name};"))?.to_owned()
                }
            },
            Event::Eof => break,
            _ => continue,
        };
        checked(&text)?;
        open.last_mut().expect("the root's parent").text.push_str(&text);
    }
    let [document] =
        <[Element; 1]>::try_from(open).map_err(|open| format!("{} element(s) not closed", open.len() - 1))?;
    if !document.text.trim().is_empty() {
        return Err(format!("text outside the root: {:?}", document.text));
    }
    let [root] = <[Element; 1]>::try_from(document.children).map_err(|c| format!("{} roots", c.len()))?;
    Ok(root)
}

fn element(e: &BytesStart) -> Result<Element, String> {
    let mut element = Element { name: String::from_utf8_lossy(e.name().as_ref()).into_owned(), ..Element::default() };
    // With checks: a duplicate attribute or one without quotes is an error.
    for attribute in e.attributes() {
        let attribute = attribute.map_err(|err| format!("<{}>: {err}", element.name))?;
        let key = String::from_utf8_lossy(attribute.key.as_ref()).into_owned();
        let value = attribute.normalized_value(XmlVersion::Explicit1_0).map_err(|err| format!("{key}: {err}"))?;
        checked(&value)?;
        element.attributes.push((key, value.into_owned()));
    }
    Ok(element)
}

/// An error for a character XML 1.0 forbids, written or referenced (`&#1;`).
fn checked(text: &str) -> Result<(), String> {
    let allowed =
        |c: char| matches!(c, '\t' | '\n' | '\r' | ' '..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..);
    match text.chars().find(|&c| !allowed(c)) {
        Some(c) => Err(format!("{c:?} is not an XML 1.0 character, in {text:?}")),
        None => Ok(()),
    }
}
