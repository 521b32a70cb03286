//! A small element tree for the XML answers (E-utilities, arXiv's Atom
//! feed): names as written (with their prefix), attributes, and text with
//! entities decoded.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    pub name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    Element(Element),
    Text(String),
}

impl Element {
    fn start(e: &BytesStart<'_>) -> Self {
        let name = e.name().as_ref().to_owned();
        let attrs = e
            .attributes()
            .flatten()
            .map(|a| {
                let key = a.key.as_ref().to_owned();
                let value = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map(|v| v.into_owned())
                    .unwrap_or_else(|_| a.value.clone().into_owned());
                (key, value)
            })
            .collect();
        Self {
            name,
            attrs,
            children: Vec::new(),
        }
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text(_) => None,
        })
    }

    /// Child elements named `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.elements().filter(move |e| e.name == name)
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.elements().find(|e| e.name == name)
    }

    /// The element at `path` below this one (`"Journal/JournalIssue"`).
    pub fn at(&self, path: &str) -> Option<&Element> {
        path.split('/')
            .try_fold(self, |element, name| element.child(name))
    }

    /// All text inside, spaces collapsed.
    pub fn text(&self) -> String {
        let mut out = String::new();
        self.collect_text(&mut out);
        out.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    fn collect_text(&self, out: &mut String) {
        for node in &self.children {
            match node {
                Node::Text(t) => out.push_str(t),
                Node::Element(e) => e.collect_text(out),
            }
        }
    }

    /// The text at `path`, when there is some.
    pub fn text_at(&self, path: &str) -> Option<String> {
        Some(self.at(path)?.text()).filter(|t| !t.is_empty())
    }
}

/// Reads a document into its root element.
pub(crate) fn parse(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack = vec![Element::default()];
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("malformed XML: {e}"))?;
        match event {
            Event::Start(e) => stack.push(Element::start(&e)),
            Event::Empty(e) => push(&mut stack, Node::Element(Element::start(&e))),
            Event::End(_) => {
                if stack.len() > 1
                    && let Some(done) = stack.pop()
                {
                    push(&mut stack, Node::Element(done));
                }
            }
            Event::Text(t) => push(&mut stack, Node::Text(t.xml10_content().into_owned())),
            Event::CData(t) => push(&mut stack, Node::Text(t.xml10_content().into_owned())),
            Event::GeneralRef(r) => {
                let decoded = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r.xml10_content();
                        quick_xml::escape::resolve_xml_entity(&name)
                            .map_or_else(|| format!("&{name};"), str::to_owned)
                    }
                };
                push(&mut stack, Node::Text(decoded));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if stack.len() != 1 {
        return Err("the XML ends inside an element".into());
    }
    let document = stack.pop().unwrap_or_default();
    document
        .elements()
        .next()
        .cloned()
        .ok_or_else(|| "no XML element".to_owned())
}

fn push(stack: &mut [Element], node: Node) {
    if let Some(top) = stack.last_mut() {
        match (top.children.last_mut(), node) {
            (Some(Node::Text(t)), Node::Text(more)) => t.push_str(&more),
            (_, node) => top.children.push(node),
        }
    }
}
