//! HTML written from user data: one allow-list of attribute names, one escaper for
//! attribute values, one for JSON inside a script element.
//!
//! Every attribute whose name or value an author controls (heading attributes, ids made of
//! file names) goes through here, so no input can open a second attribute such as an event
//! handler. Pure: text in, text out.

use pulldown_cmark_escape::escape_html;

/// True for a `data-*` attribute name an author may set on a heading: `data-` and then
/// lowercase ASCII letters, digits, `-`, `_` or `.`. Anything else (`/`, tabs, quotes,
/// `=`, non-ASCII) could end the name early in a browser and start another attribute.
pub fn is_data_attribute(name: &str) -> bool {
    name.strip_prefix("data-").is_some_and(|rest| {
        !rest.is_empty()
            && rest
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-_.".contains(&b))
    })
}

/// Appends ` name="value"` with the value escaped; a name outside the allow-list
/// (`id`, `class`, `data-*`) is dropped.
pub fn push_attribute(out: &mut String, name: &str, value: &str) {
    if !(matches!(name, "id" | "class") || is_data_attribute(name)) {
        return;
    }
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    // Writing to a String cannot fail.
    let _ = escape_html(&mut *out, value);
    out.push('"');
}

/// JSON made safe inside `<script type="application/ld+json">`: `<`, `>` and `&` as `\u`
/// escapes (the same value to a JSON parser), so no text in it can close the script element.
pub fn script_safe(json: String) -> String {
    if !json.bytes().any(|b| matches!(b, b'<' | b'>' | b'&')) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_safe_json_cannot_close_the_script() {
        let json = r#"{"name":"</script><b>&amp;"}"#.to_string();
        let safe = script_safe(json);
        assert_eq!(
            safe,
            r#"{"name":"\u003c/script\u003e\u003cb\u003e\u0026amp;"}"#
        );
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back["name"], "</script><b>&amp;");
    }

    #[test]
    fn only_plain_data_names_pass() {
        for good in ["data-x", "data-chart-id", "data-a.b", "data-x_1"] {
            assert!(is_data_attribute(good), "{good}");
        }
        for bad in [
            "data-",
            "data-x/onmouseover",
            "data-x\tonclick",
            "data-X",
            "onclick",
            "data-x\"",
            "data-x=1",
            "data-é",
            "data-x\u{c}y",
        ] {
            assert!(!is_data_attribute(bad), "{bad:?}");
        }
    }

    #[test]
    fn values_are_escaped_and_unknown_names_dropped() {
        let mut out = String::new();
        push_attribute(&mut out, "data-x", "\"><script>");
        push_attribute(&mut out, "onclick", "alert(1)");
        assert_eq!(out, " data-x=\"&quot;&gt;&lt;script&gt;\"");
    }
}
