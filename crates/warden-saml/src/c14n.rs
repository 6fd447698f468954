//! XML canonicalization of an element subtree: Exclusive XML Canonicalization 1.0 and Canonical
//! XML 1.0, with and without comments.
//!
//! XML-DSig signs bytes, not trees, so both signer and verifier must turn the signed element into
//! the same bytes. The node-sets this crate canonicalizes are always one element with all its
//! descendants, minus at most one excluded subtree (the enveloped `ds:Signature`), minus comments
//! unless asked for. That restriction keeps the algorithms small:
//!
//! - C14N 1.0 (<https://www.w3.org/TR/2001/REC-xml-c14n-20010315>) §2.3 processing model:
//!   elements as start/end tag pairs (empty elements are never `<a/>`), namespace declarations
//!   before attributes, declarations sorted by prefix with the default first, attributes sorted
//!   by (namespace URI, local name), the escaping of §2.3 for text and attribute values, comments
//!   and processing instructions as written. §2.4: a document subset's apex also carries the
//!   `xml:*` attributes (`xml:lang`, `xml:space`, `xml:base`) it inherits from its ancestors.
//! - Namespace nodes, C14N 1.0 §2.3/§4.7: a namespace node is output when the nearest output
//!   ancestor does not already have one with the same prefix and value; an empty default
//!   (`xmlns=""`) only when that ancestor had a non-empty default.
//! - Exclusive C14N 1.0 (<https://www.w3.org/TR/xml-exc-c14n/>) §3: a namespace node is output
//!   only where it is *visibly utilized* — the element's own prefix, or an attribute's prefix —
//!   and not already output with the same value by an output ancestor. Prefixes in the
//!   `InclusiveNamespaces` `PrefixList` (`#default` for the default namespace) follow the
//!   inclusive rule instead. `xml:*` attributes are not inherited (§3, "differences").
//!
//! Because the node-set is a whole subtree, "the nearest output ancestor" is simply the parent
//! element (or nothing, at the apex), and "what that ancestor rendered" is tracked on a stack.
//! The walk is iterative; depth was bounded at parse time anyway.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use roxmltree::{Node, NodeId};

use crate::error::SamlError;
use crate::xml::{self, NS_XML};

pub(crate) const C14N_10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub(crate) const C14N_10_COMMENTS: &str =
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub(crate) const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";

/// A canonicalization algorithm with its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Method {
    /// Canonical XML 1.0.
    Inclusive { comments: bool },
    /// Exclusive XML Canonicalization 1.0; `prefixes` is the `InclusiveNamespaces` `PrefixList`
    /// with `#default` stored as the empty string.
    Exclusive {
        comments: bool,
        prefixes: Vec<String>,
    },
}

impl Method {
    /// The method an algorithm URI names, with the `PrefixList` of an `InclusiveNamespaces`
    /// child of `element` (the `CanonicalizationMethod` or `Transform`) for the exclusive ones.
    pub(crate) fn from_element(uri: &str, element: Node<'_, '_>) -> Option<Method> {
        let comments = match uri {
            C14N_10 | EXC_C14N => false,
            C14N_10_COMMENTS | EXC_C14N_COMMENTS => true,
            _ => return None,
        };
        if uri == C14N_10 || uri == C14N_10_COMMENTS {
            return Some(Method::Inclusive { comments });
        }
        let prefixes = xml::children(element, xml::NS_EXC_C14N, "InclusiveNamespaces")
            .filter_map(|n| n.attribute("PrefixList"))
            .flat_map(str::split_ascii_whitespace)
            .map(|p| if p == "#default" { "" } else { p }.to_owned())
            .collect();
        Some(Method::Exclusive { comments, prefixes })
    }

    /// The same method without comments: a same-document `#id` reference selects no comment
    /// nodes whatever the algorithm (XML-DSig 1.1 §4.4.3.3).
    pub(crate) fn without_comments(&self) -> Method {
        match self {
            Method::Inclusive { .. } => Method::Inclusive { comments: false },
            Method::Exclusive { prefixes, .. } => Method::Exclusive {
                comments: false,
                prefixes: prefixes.clone(),
            },
        }
    }

    fn comments(&self) -> bool {
        match self {
            Method::Inclusive { comments } | Method::Exclusive { comments, .. } => *comments,
        }
    }
}

/// What one element rendered: prefix (`""` for the default namespace) → namespace URI.
type Rendered<'a> = BTreeMap<&'a str, &'a str>;

enum Step<'a, 'i> {
    Open(Node<'a, 'i>),
    Close(&'a str),
}

/// Canonicalizes `apex` and its descendants, leaving out the subtree `exclude` (the enveloped
/// signature) when given.
pub(crate) fn canonicalize<'a>(
    apex: Node<'a, '_>,
    method: &Method,
    exclude: Option<NodeId>,
) -> Result<String, SamlError> {
    let mut out = String::new();
    // One entry per open output element: what it rendered, so descendants know what is in
    // effect.
    let mut rendered: Vec<Rendered<'a>> = Vec::new();
    let mut steps = vec![Step::Open(apex)];
    while let Some(step) = steps.pop() {
        let node = match step {
            Step::Close(name) => {
                rendered.pop();
                out.push_str("</");
                out.push_str(name);
                out.push('>');
                continue;
            }
            Step::Open(node) => node,
        };
        if Some(node.id()) == exclude {
            continue;
        }
        if node.is_text() {
            escape_text(node.text().unwrap_or_default(), &mut out);
        } else if node.is_comment() {
            if method.comments() {
                out.push_str("<!--");
                out.push_str(node.text().unwrap_or_default());
                out.push_str("-->");
            }
        } else if let Some(pi) = node.pi() {
            out.push_str("<?");
            out.push_str(pi.target);
            if let Some(value) = pi.value {
                out.push(' ');
                out.push_str(value);
            }
            out.push_str("?>");
        } else if node.is_element() {
            let name = xml::qname(node)?;
            let declared = namespaces_to_render(node, name, method, &rendered)?;
            out.push('<');
            out.push_str(name);
            for (prefix, uri) in &declared {
                if prefix.is_empty() {
                    out.push_str(" xmlns=\"");
                } else {
                    let _ = write!(out, " xmlns:{prefix}=\"");
                }
                escape_attribute(uri, &mut out);
                out.push('"');
            }
            let is_apex = node.id() == apex.id();
            for (qname, value) in sorted_attributes(node, method, is_apex)? {
                out.push(' ');
                out.push_str(qname);
                out.push_str("=\"");
                escape_attribute(value, &mut out);
                out.push('"');
            }
            out.push('>');
            rendered.push(declared);
            steps.push(Step::Close(name));
            // Children are pushed in reverse so they pop in document order.
            let children: Vec<_> = node.children().collect();
            steps.extend(children.into_iter().rev().map(Step::Open));
        }
    }
    Ok(out)
}

/// The namespace URI currently in effect in the output for `prefix` (`""` = default).
fn in_effect<'a>(rendered: &[Rendered<'a>], prefix: &str) -> Option<&'a str> {
    rendered.iter().rev().find_map(|r| r.get(prefix).copied())
}

fn namespaces_to_render<'a>(
    node: Node<'a, '_>,
    name: &'a str,
    method: &Method,
    rendered: &[Rendered<'a>],
) -> Result<Rendered<'a>, SamlError> {
    // The in-scope namespaces of the element (roxmltree lists inherited ones too; an undeclared
    // default namespace, `xmlns=""`, appears with an empty URI).
    let mut in_scope: BTreeMap<&'a str, &'a str> = BTreeMap::new();
    for ns in node.namespaces() {
        in_scope.insert(ns.name().unwrap_or(""), ns.uri());
    }
    let candidates: Vec<&'a str> = match method {
        Method::Inclusive { .. } => {
            let mut all: Vec<&'a str> = in_scope.keys().copied().collect();
            if !in_scope.contains_key("") {
                all.push("");
            }
            all
        }
        Method::Exclusive { prefixes, .. } => {
            let mut used = vec![xml::prefix_of(name).unwrap_or("")];
            for attribute in node.attributes() {
                let qname = xml::attribute_qname(&attribute, node.document())?;
                if let Some(prefix) = xml::prefix_of(qname)
                    && prefix != "xml"
                {
                    used.push(prefix);
                }
            }
            for prefix in prefixes {
                if let Some((key, _)) = in_scope.get_key_value(prefix.as_str()) {
                    used.push(key);
                }
            }
            used
        }
    };
    let mut declared = Rendered::new();
    for prefix in candidates {
        let uri = in_scope.get(prefix).copied().unwrap_or("");
        if prefix.is_empty() {
            // An empty default is output only to undo a non-empty one in effect.
            if uri != in_effect(rendered, "").unwrap_or("") {
                declared.insert("", uri);
            }
        } else if uri.is_empty() {
            return Err(SamlError::malformed(format!(
                "the prefix `{prefix}` is not bound to a namespace"
            )));
        } else if in_effect(rendered, prefix) != Some(uri) {
            declared.insert(prefix, uri);
        }
    }
    Ok(declared)
}

fn sorted_attributes<'a>(
    node: Node<'a, '_>,
    method: &Method,
    is_apex: bool,
) -> Result<Vec<(&'a str, &'a str)>, SamlError> {
    let document = node.document();
    let mut attributes: Vec<(&'a str, &'a str, &'a str, &'a str)> = Vec::new();
    for attribute in node.attributes() {
        let qname = xml::attribute_qname(&attribute, document)?;
        attributes.push((
            attribute.namespace().unwrap_or(""),
            attribute.name(),
            qname,
            attribute.value(),
        ));
    }
    if is_apex && matches!(method, Method::Inclusive { .. }) {
        // C14N 1.0 §2.4: the apex of a document subset carries the xml:* attributes in effect
        // from its ancestors (the nearest one wins).
        for ancestor in node.ancestors().skip(1).filter(|n| n.is_element()) {
            for attribute in ancestor.attributes() {
                if attribute.namespace() == Some(NS_XML)
                    && !attributes
                        .iter()
                        .any(|(ns, local, _, _)| *ns == NS_XML && *local == attribute.name())
                {
                    let qname = xml::attribute_qname(&attribute, document)?;
                    attributes.push((NS_XML, attribute.name(), qname, attribute.value()));
                }
            }
        }
    }
    attributes.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    Ok(attributes
        .into_iter()
        .map(|(_, _, qname, value)| (qname, value))
        .collect())
}

/// C14N 1.0 §2.3, text nodes: `&`, `<`, `>` and carriage return are escaped.
fn escape_text(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}

/// C14N 1.0 §2.3, attribute values: `&`, `<`, `"`, tab, line feed and carriage return.
fn escape_attribute(value: &str, out: &mut String) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
}
