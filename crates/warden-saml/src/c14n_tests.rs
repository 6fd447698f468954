//! Known-answer tests of the canonicalizer: the examples of the W3C specifications (with their
//! DTDs removed, which this crate refuses; the expected output changes only where the DTD
//! supplied a default attribute or an attribute type), and the corner cases of namespace
//! rendering.

use crate::c14n::{Method, canonicalize};
use crate::xml;

fn inclusive() -> Method {
    Method::Inclusive { comments: false }
}

fn exclusive(prefixes: &[&str]) -> Method {
    Method::Exclusive {
        comments: false,
        prefixes: prefixes.iter().map(|p| (*p).to_owned()).collect(),
    }
}

/// Canonicalizes the first element named `local` in `input`.
fn c14n(input: &str, local: &str, method: &Method) -> String {
    let doc = xml::parse(input).unwrap();
    let apex = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .unwrap();
    canonicalize(apex, method, None).unwrap()
}

/// Exclusive XML Canonicalization 1.0, §2.2: the same `n1:elem2` subtree in two different
/// contexts canonicalizes differently with C14N 1.0 and identically with exclusive C14N.
#[test]
fn exc_c14n_spec_section_2_2() {
    let first = r#"<n0:local xmlns:n0="foo:bar" xmlns:n3="ftp://example.org"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
    <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2></n0:local>"#;
    let second = r#"<n2:pdu xmlns:n1="http://example.com" xmlns:n2="http://foo.example" xml:lang="fr" xml:space="retain"><n1:elem2 xmlns:n1="http://example.net" xml:lang="en">
    <n3:stuff xmlns:n3="ftp://example.org"/>
  </n1:elem2></n2:pdu>"#;
    assert_eq!(
        c14n(first, "elem2", &inclusive()),
        "<n1:elem2 xmlns:n0=\"foo:bar\" xmlns:n1=\"http://example.net\" xmlns:n3=\"ftp://example.org\" xml:lang=\"en\">\n    <n3:stuff></n3:stuff>\n  </n1:elem2>"
    );
    assert_eq!(
        c14n(second, "elem2", &inclusive()),
        "<n1:elem2 xmlns:n1=\"http://example.net\" xmlns:n2=\"http://foo.example\" xml:lang=\"en\" xml:space=\"retain\">\n    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>"
    );
    let exclusive_form = "<n1:elem2 xmlns:n1=\"http://example.net\" xml:lang=\"en\">\n    <n3:stuff xmlns:n3=\"ftp://example.org\"></n3:stuff>\n  </n1:elem2>";
    assert_eq!(c14n(first, "elem2", &exclusive(&[])), exclusive_form);
    assert_eq!(c14n(second, "elem2", &exclusive(&[])), exclusive_form);
}

/// Canonical XML 1.0, §3.3 "Start and End Tags" (without the DTD, so `e9` has no defaulted
/// `attr`): empty elements expanded, attributes sorted by namespace URI then local name,
/// namespace declarations sorted, superfluous ones removed, `xmlns=""` only where it undoes a
/// default.
#[test]
fn c14n_spec_section_3_3() {
    let input = r#"<doc>
   <e1   />
   <e2   ></e2>
   <e3   name = "elem3"   id="elem3"   />
   <e4   name="elem4"   id="elem4"   ></e4>
   <e5 a:attr="out" b:attr="sorted" attr2="all" attr="I'm"
      xmlns:b="http://www.ietf.org"
      xmlns:a="http://www.w3.org"
      xmlns="http://example.org"/>
   <e6 xmlns="" xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="" xmlns:a="http://www.w3.org">
            <e9 xmlns="" xmlns:a="http://www.ietf.org"/>
         </e8>
      </e7>
   </e6>
</doc>"#;
    let expected = r#"<doc>
   <e1></e1>
   <e2></e2>
   <e3 id="elem3" name="elem3"></e3>
   <e4 id="elem4" name="elem4"></e4>
   <e5 xmlns="http://example.org" xmlns:a="http://www.w3.org" xmlns:b="http://www.ietf.org" attr="I'm" attr2="all" b:attr="sorted" a:attr="out"></e5>
   <e6 xmlns:a="http://www.w3.org">
      <e7 xmlns="http://www.ietf.org">
         <e8 xmlns="">
            <e9 xmlns:a="http://www.ietf.org"></e9>
         </e8>
      </e7>
   </e6>
</doc>"#;
    assert_eq!(c14n(input, "doc", &inclusive()), expected);
}

/// Canonical XML 1.0, §3.4 "Character Modifications and Character References" (without the
/// DTD, every attribute is CDATA, so `normNames` and `normId` keep their spaces).
#[test]
fn c14n_spec_section_3_4() {
    let input = "<doc>\n   <text>First line&#x0d;&#10;Second line</text>\n   <value>&#x32;</value>\n   <compute><![CDATA[value>\"0\" && value<\"10\" ?\"valid\":\"error\"]]></compute>\n   <compute expr='value>\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"'>valid</compute>\n   <norm attr=' &apos;   &#x20;&#13;&#xa;&#9;   &apos; '/>\n   <normNames attr='   A   &#x20;&#13;&#xa;&#9;   B   '/>\n</doc>";
    let expected = "<doc>\n   <text>First line&#xD;\nSecond line</text>\n   <value>2</value>\n   <compute>value&gt;\"0\" &amp;&amp; value&lt;\"10\" ?\"valid\":\"error\"</compute>\n   <compute expr=\"value>&quot;0&quot; &amp;&amp; value&lt;&quot;10&quot; ?&quot;valid&quot;:&quot;error&quot;\">valid</compute>\n   <norm attr=\" '    &#xD;&#xA;&#x9;   ' \"></norm>\n   <normNames attr=\"   A    &#xD;&#xA;&#x9;   B   \"></normNames>\n</doc>";
    assert_eq!(c14n(input, "doc", &inclusive()), expected);
}

/// Literal line ends and whitespace in attribute values are normalized by the parser before
/// canonicalization (XML 1.0 §2.11, §3.3.3).
#[test]
fn line_ends_and_attribute_whitespace_are_normalized_first() {
    let input = "<a b=\"x\ty\nz\">one\r\ntwo\rthree</a>";
    assert_eq!(
        c14n(input, "a", &inclusive()),
        "<a b=\"x y z\">one\ntwo\nthree</a>"
    );
}

#[test]
fn comments_and_processing_instructions() {
    let input = "<a><!-- note --><?pi data?><?bare?>x</a>";
    assert_eq!(
        c14n(input, "a", &inclusive()),
        "<a><?pi data?><?bare?>x</a>"
    );
    assert_eq!(
        c14n(input, "a", &Method::Inclusive { comments: true }),
        "<a><!-- note --><?pi data?><?bare?>x</a>"
    );
    assert_eq!(
        c14n(
            input,
            "a",
            &Method::Exclusive {
                comments: true,
                prefixes: vec![]
            }
        ),
        "<a><!-- note --><?pi data?><?bare?>x</a>"
    );
}

/// Exclusive C14N renders a namespace where it is visibly utilized, by the element's name or an
/// attribute's, and not again below unless its value changes.
#[test]
fn exclusive_renders_namespaces_where_used() {
    let input = r#"<r xmlns:a="urn:a" xmlns:b="urn:b" xmlns:unused="urn:u"><a:x b:attr="1"><a:y><b:z/></a:y><a:w xmlns:a="urn:other"/></a:x></r>"#;
    assert_eq!(
        c14n(input, "x", &exclusive(&[])),
        r#"<a:x xmlns:a="urn:a" xmlns:b="urn:b" b:attr="1"><a:y><b:z></b:z></a:y><a:w xmlns:a="urn:other"></a:w></a:x>"#
    );
    // Inclusive C14N renders every in-scope namespace at the apex.
    assert_eq!(
        c14n(input, "x", &inclusive()),
        r#"<a:x xmlns:a="urn:a" xmlns:b="urn:b" xmlns:unused="urn:u" b:attr="1"><a:y><b:z></b:z></a:y><a:w xmlns:a="urn:other"></a:w></a:x>"#
    );
}

/// Prefixes in the `InclusiveNamespaces` `PrefixList` are rendered at the apex even when only
/// used inside attribute values (the `xsi:type="xs:string"` case of SAML).
#[test]
fn exclusive_prefix_list() {
    let input = r#"<r xmlns:xs="urn:xs" xmlns:xsi="urn:xsi" xmlns:other="urn:o"><v xsi:type="xs:string">t</v></r>"#;
    assert_eq!(
        c14n(input, "v", &exclusive(&[])),
        r#"<v xmlns:xsi="urn:xsi" xsi:type="xs:string">t</v>"#
    );
    assert_eq!(
        c14n(input, "v", &exclusive(&["xs", "absent"])),
        r#"<v xmlns:xs="urn:xs" xmlns:xsi="urn:xsi" xsi:type="xs:string">t</v>"#
    );
}

#[test]
fn default_namespaces() {
    let input = r#"<x xmlns="urn:d"><y xmlns=""><z/></y><w/></x>"#;
    assert_eq!(
        c14n(input, "x", &exclusive(&[])),
        r#"<x xmlns="urn:d"><y xmlns=""><z></z></y><w></w></x>"#
    );
    // At the apex an empty default undoes nothing, so it is not written.
    assert_eq!(c14n(input, "y", &exclusive(&[])), "<y><z></z></y>");
    assert_eq!(c14n(input, "y", &inclusive()), "<y><z></z></y>");
    // `#default` in the PrefixList: the default namespace is rendered as C14N would.
    let input = r#"<p:r xmlns:p="urn:p" xmlns="urn:d"><p:s/></p:r>"#;
    assert_eq!(
        c14n(input, "s", &exclusive(&[])),
        r#"<p:s xmlns:p="urn:p"></p:s>"#
    );
    assert_eq!(
        c14n(input, "s", &exclusive(&[""])),
        r#"<p:s xmlns="urn:d" xmlns:p="urn:p"></p:s>"#
    );
}

#[test]
fn the_excluded_subtree_is_left_out() {
    let doc =
        xml::parse(r#"<a ID="1"><b/><ds:Signature xmlns:ds="urn:ds"><c/></ds:Signature><d/></a>"#)
            .unwrap();
    let root = doc.root_element();
    let signature = root
        .children()
        .find(|n| n.tag_name().name() == "Signature")
        .unwrap();
    assert_eq!(
        canonicalize(root, &exclusive(&[]), Some(signature.id())).unwrap(),
        r#"<a ID="1"><b></b><d></d></a>"#
    );
}

#[test]
fn text_escaping() {
    assert_eq!(
        c14n("<a>&lt;&gt;&amp;\"'&#xD;</a>", "a", &inclusive()),
        "<a>&lt;&gt;&amp;\"'&#xD;</a>"
    );
    assert_eq!(
        c14n(
            "<a b=\"&lt;&gt;&amp;&quot;'&#9;&#10;\"/>",
            "a",
            &inclusive()
        ),
        "<a b=\"&lt;>&amp;&quot;'&#x9;&#xA;\"></a>"
    );
}

#[test]
fn method_uris() {
    let doc = xml::parse(
        r#"<m xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#"><ec:InclusiveNamespaces PrefixList="xs #default  xsi"/></m>"#,
    )
    .unwrap();
    let node = doc.root_element();
    assert_eq!(
        Method::from_element("http://www.w3.org/2001/10/xml-exc-c14n#", node),
        Some(exclusive(&["xs", "", "xsi"]))
    );
    assert_eq!(
        Method::from_element(
            "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
            node
        ),
        Some(Method::Inclusive { comments: true })
    );
    assert_eq!(
        Method::from_element("http://www.w3.org/2006/12/xml-c14n11", node),
        None
    );
}
