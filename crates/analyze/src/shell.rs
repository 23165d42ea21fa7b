//! Values from bundle data put into commands an engineer copies: a bundle may be crafted by
//! someone else, so every value is one shell word, quoted when it needs to be.

/// A value as one shell word: bare when it only holds safe characters, else single-quoted.
pub fn shell_word(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._:/@%+=,-".contains(&b));
    if safe {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Whether a value can go inside a psql command (`-c "... '{value}' ..."`) unchanged: no
/// quote, dollar, backtick or backslash that the shell or SQL would interpret.
pub fn psql_safe(text: &str) -> bool {
    !text
        .chars()
        .any(|c| matches!(c, '\'' | '"' | '$' | '`' | '\\') || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_quoted_for_their_context() {
        assert_eq!(shell_word("ocm-x/y_z.1"), "ocm-x/y_z.1");
        assert_eq!(shell_word("a b"), "'a b'");
        assert_eq!(shell_word("it's"), r"'it'\''s'");
        assert_eq!(shell_word("$(rm -rf /)"), "'$(rm -rf /)'");
        assert_eq!(shell_word(""), "''");
        assert!(psql_safe("1ee62e78-d2ca-5c49-8a65-01e695821450"));
        assert!(!psql_safe("x' OR '1'='1"));
        assert!(!psql_safe("$(id)"));
    }
}
