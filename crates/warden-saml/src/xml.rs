//! Parsing untrusted XML into a read-only tree, and reading it by namespace.
//!
//! `roxmltree` refuses document type declarations by default (so no entity declarations, no
//! external entities, no billion laughs), checks well-formedness and namespace rules, rejects
//! duplicate attributes, expands character and predefined entity references and normalizes line
//! ends and attribute values as the XML spec requires — which is the data model canonicalization
//! is defined over. It keeps source positions, which is how [`qname`] recovers the prefixes that
//! canonical XML must reproduce.

use roxmltree::{Document, Node, ParsingOptions};

use crate::error::SamlError;

pub(crate) const NS_SAMLP: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub(crate) const NS_SAML: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub(crate) const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const NS_MD: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub(crate) const NS_EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub(crate) const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// No SAML response or metadata document nests this deep; refusing deeper documents keeps every
/// tree walk's depth small and fixed.
const MAX_DEPTH: usize = 64;

/// Far more nodes than any 100,000-character response can hold usefully; bounds memory.
const MAX_NODES: u32 = 200_000;

/// Parses `text`, refusing DTDs and absurd nesting.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, SamlError> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_NODES,
        ..ParsingOptions::default()
    };
    let document = Document::parse_with_options(text, options).map_err(|e| match e {
        roxmltree::Error::DtdDetected => SamlError::Dtd,
        other => SamlError::NotXml(other.to_string()),
    })?;
    // roxmltree accepts an empty `<!DOCTYPE x>`; nothing legitimate needs one either.
    if text.contains("<!DOCTYPE") {
        return Err(SamlError::Dtd);
    }
    check_depth(&document)?;
    Ok(document)
}

fn check_depth(document: &Document<'_>) -> Result<(), SamlError> {
    for node in document.descendants() {
        if node.is_element() && node.ancestors().nth(MAX_DEPTH).is_some() {
            return Err(SamlError::TooDeep);
        }
    }
    Ok(())
}

/// Whether `node` is the element `{namespace}local`.
pub(crate) fn is(node: Node<'_, '_>, namespace: &str, local: &str) -> bool {
    node.is_element()
        && node.tag_name().namespace() == Some(namespace)
        && node.tag_name().name() == local
}

/// The element children of `node` named `{namespace}local`.
pub(crate) fn children<'a, 'i>(
    node: Node<'a, 'i>,
    namespace: &'a str,
    local: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    node.children().filter(move |c| is(*c, namespace, local))
}

/// The only child `{namespace}local` of `node`, if there is one; an error if there are several.
pub(crate) fn optional_child<'a, 'i>(
    node: Node<'a, 'i>,
    namespace: &'a str,
    local: &'a str,
) -> Result<Option<Node<'a, 'i>>, SamlError> {
    let mut found = children(node, namespace, local);
    let first = found.next();
    if found.next().is_some() {
        return Err(SamlError::malformed(format!(
            "{} has more than one {local}",
            node.tag_name().name()
        )));
    }
    Ok(first)
}

/// The one child `{namespace}local` of `node`.
pub(crate) fn required_child<'a, 'i>(
    node: Node<'a, 'i>,
    namespace: &'a str,
    local: &'a str,
) -> Result<Node<'a, 'i>, SamlError> {
    optional_child(node, namespace, local)?
        .ok_or_else(|| SamlError::malformed(format!("{} has no {local}", node.tag_name().name())))
}

/// The text content of a simple-content element: every text child, concatenated.
///
/// Concatenating is what keeps comments from changing meaning: canonicalization without
/// comments signs `alice@example.com<!---->.evil` as `alice@example.com.evil`, and that is the
/// value returned — not the first text node, which is how verifiers have been fooled. An element
/// child where text is expected is refused.
pub(crate) fn text(node: Node<'_, '_>) -> Result<String, SamlError> {
    let mut value = String::new();
    for child in node.children() {
        if child.is_element() {
            return Err(SamlError::malformed(format!(
                "{} must hold text, not elements",
                node.tag_name().name()
            )));
        }
        if child.is_text() {
            value.push_str(child.text().unwrap_or_default());
        }
    }
    Ok(value)
}

/// The text of an element, with surrounding whitespace removed (for values such as URIs and
/// base64 blocks that are commonly pretty-printed).
pub(crate) fn trimmed_text(node: Node<'_, '_>) -> Result<String, SamlError> {
    Ok(text(node)?.trim().to_owned())
}

/// The qualified name (`prefix:local` or `local`) of an element as written in the source.
///
/// roxmltree resolves names to (namespace, local name) and does not keep element prefixes, but
/// canonical XML must reproduce them; the source text at the node's position has them. The
/// result is checked against the parsed local name, so a position that does not fit fails
/// closed.
pub(crate) fn qname<'i>(node: Node<'_, 'i>) -> Result<&'i str, SamlError> {
    let input = node.document().input_text();
    let start = node.range().start;
    let tag = input
        .get(start..)
        .and_then(|s| s.strip_prefix('<'))
        .ok_or_else(|| SamlError::malformed("an element's source position is not a start tag"))?;
    let end = tag
        .find(|c: char| c.is_ascii_whitespace() || c == '/' || c == '>')
        .unwrap_or(tag.len());
    let name = &tag[..end];
    checked_qname(name, node.tag_name().name())
}

/// The qualified name of an attribute as written in the source.
pub(crate) fn attribute_qname<'i>(
    attribute: &roxmltree::Attribute<'_, 'i>,
    document: &Document<'i>,
) -> Result<&'i str, SamlError> {
    let name = document
        .input_text()
        .get(attribute.range_qname())
        .ok_or_else(|| SamlError::malformed("an attribute's source position is out of range"))?;
    checked_qname(name, attribute.name())
}

fn checked_qname<'i>(qname: &'i str, local: &str) -> Result<&'i str, SamlError> {
    let matches = match qname.split_once(':') {
        Some((prefix, rest)) => !prefix.is_empty() && rest == local,
        None => qname == local,
    };
    if matches {
        Ok(qname)
    } else {
        Err(SamlError::malformed(
            "a name's source text does not match the parsed name",
        ))
    }
}

/// The prefix of a qualified name (`None` for an unprefixed name).
pub(crate) fn prefix_of(qname: &str) -> Option<&str> {
    qname.split_once(':').map(|(prefix, _)| prefix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtds_and_entities_are_refused() {
        let bomb = r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><a>&lol2;</a>"#;
        assert_eq!(parse(bomb).unwrap_err(), SamlError::Dtd);
        let external = r#"<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>"#;
        assert_eq!(parse(external).unwrap_err(), SamlError::Dtd);
        assert_eq!(parse("<!DOCTYPE a><a/>").unwrap_err(), SamlError::Dtd);
        assert!(matches!(parse("<a>").unwrap_err(), SamlError::NotXml(_)));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert_eq!(parse(&deep).unwrap_err(), SamlError::TooDeep);
        let fine = format!("{}{}", "<a>".repeat(20), "</a>".repeat(20));
        assert!(parse(&fine).is_ok());
    }

    #[test]
    fn qualified_names_come_from_the_source() {
        let doc =
            parse(r#"<p:a xmlns:p="urn:x" xmlns:q="urn:y"><b q:c="1" d="2"/></p:a>"#).unwrap();
        let root = doc.root_element();
        assert_eq!(qname(root).unwrap(), "p:a");
        let b = root.first_element_child().unwrap();
        assert_eq!(qname(b).unwrap(), "b");
        let names: Vec<_> = b
            .attributes()
            .map(|a| attribute_qname(&a, &doc).unwrap())
            .collect();
        assert_eq!(names, ["q:c", "d"]);
    }

    #[test]
    fn text_concatenates_around_comments_and_refuses_elements() {
        let doc = parse("<a>alice@example.com<!-- x -->.evil<![CDATA[!]]></a>").unwrap();
        assert_eq!(text(doc.root_element()).unwrap(), "alice@example.com.evil!");
        let doc = parse("<a>x<b/></a>").unwrap();
        assert!(text(doc.root_element()).is_err());
    }
}
