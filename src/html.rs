//! HTML attributes written from user data: one allow-list of names, one escaper for values.
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

#[cfg(test)]
mod tests {
    use super::*;

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
