//! What a user's query (`mwtrace sql`) may do: read the snapshot, nothing else.
//!
//! DuckDB itself is the guard: external access off means no file is read or written and no
//! URL is fetched (COPY, EXPORT DATABASE, ATTACH, INSTALL, persistent secrets, read_csv of a
//! path all fail), and the configuration is locked so a query cannot `SET` it back. With
//! `--allow-files` DuckDB's `allowed_directories` lets queries read local files; DuckDB does not
//! tell reading from writing there, so the statements that write or fetch are refused before
//! they run: [`refused_statement`] finds them by their leading keyword, and the settings stay
//! the guard for anything it does not know.

use duckdb::Connection;

/// Whether a query may read local files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileAccess {
    /// The snapshot only.
    None,
    /// Local files too (`--allow-files`); still no writes, no network.
    Read,
}

/// Locks `conn` down for user queries. Order matters: DuckDB accepts `allowed_directories` only
/// while external access is on, and nothing once the configuration is locked.
pub fn contain(conn: &Connection, files: FileAccess) -> duckdb::Result<()> {
    if files == FileAccess::Read {
        conn.execute_batch("SET allowed_directories = ['/']")?;
    }
    conn.execute_batch(
        "SET enable_external_access = false;
         SET lock_configuration = true;",
    )
}

/// Why a statement is refused: its leading keyword(s) and what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{keyword}: {reason}")]
pub struct Refusal {
    pub keyword: String,
    pub reason: &'static str,
}

/// The first statement of `sql` that writes files, attaches databases or installs/loads
/// extensions, judged by its leading keyword (after EXPLAIN/ANALYZE, and after `PREPARE name
/// AS`). Strings, quoted identifiers and comments (nested, as DuckDB reads them) are skipped.
pub fn refused_statement(sql: &str) -> Option<Refusal> {
    for statement in statements(sql) {
        let mut words = statement
            .iter()
            .map(|w| w.to_ascii_uppercase())
            .skip_while(|w| matches!(w.as_str(), "(" | "EXPLAIN" | "ANALYZE" | "ANALYSE"));
        let Some(mut first) = words.next() else {
            continue;
        };
        if first == "PREPARE" {
            match words.find(|w| w == "AS").and_then(|_| words.next()) {
                Some(body) => first = body,
                None => continue,
            }
        }
        let reason = match first.as_str() {
            "COPY" => {
                "sql writes no files and reads none through COPY (use -o/--out for results, read_csv with --allow-files for input)"
            }
            "EXPORT" => "sql writes no files (use -o/--out)",
            "IMPORT" | "ATTACH" => {
                "sql queries the snapshot only; other databases cannot be attached"
            }
            "INSTALL" | "LOAD" | "FORCE" => {
                "sql uses the extensions mwtrace was built with and never downloads any"
            }
            "UPDATE" if words.next().as_deref() == Some("EXTENSIONS") => {
                "sql uses the extensions mwtrace was built with and never downloads any"
            }
            _ => continue,
        };
        return Some(Refusal {
            keyword: first,
            reason,
        });
    }
    None
}

/// Whether `sql` holds a statement at all (not only blanks, comments and semicolons).
pub fn has_statement(sql: &str) -> bool {
    statements(sql).iter().any(|s| !s.is_empty())
}

/// How many statements `sql` holds (blanks, comments and empty statements not counted).
pub fn statement_count(sql: &str) -> usize {
    statements(sql).iter().filter(|s| !s.is_empty()).count()
}

/// The words and parentheses of each statement, outside strings, quoted identifiers and
/// comments.
fn statements(sql: &str) -> Vec<Vec<String>> {
    let chars: Vec<char> = sql.chars().collect();
    let mut all = vec![Vec::new()];
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ';' => {
                all.push(Vec::new());
                i += 1;
            }
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if next == Some('*') => {
                let mut depth = 0usize;
                while i < chars.len() {
                    if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            '\'' => i = skip_quoted(&chars, i, '\'', false),
            '"' => i = skip_quoted(&chars, i, '"', false),
            '$' if dollar_tag(&chars, i).is_some() => {
                let tag = dollar_tag(&chars, i).unwrap_or_default();
                i += tag.len();
                while i < chars.len() && !chars[i..].starts_with(&tag) {
                    i += 1;
                }
                i += tag.len();
            }
            '(' => {
                all.last_mut().expect("one statement").push("(".into());
                i += 1;
            }
            c if c.is_alphanumeric() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // E'...' strings take backslash escapes.
                if chars.get(i) == Some(&'\'') && word.eq_ignore_ascii_case("e") {
                    i = skip_quoted(&chars, i, '\'', true);
                } else {
                    all.last_mut().expect("one statement").push(word);
                }
            }
            _ => i += 1,
        }
    }
    all
}

/// The index after the quoted text opening at `start` (`''` doubles the quote).
fn skip_quoted(chars: &[char], start: usize, quote: char, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < chars.len() {
        if backslash && chars[i] == '\\' {
            i += 2;
        } else if chars[i] == quote {
            if chars.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    i
}

/// `$tag$` (or `$$`) opening a dollar-quoted string at `start`; `$1` is a parameter.
fn dollar_tag(chars: &[char], start: usize) -> Option<Vec<char>> {
    let mut i = start + 1;
    if chars.get(i).is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
        i += 1;
    }
    (chars.get(i) == Some(&'$')).then(|| chars[start..=i].to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(sql: &str) -> Option<String> {
        refused_statement(sql).map(|r| r.keyword)
    }

    #[test]
    fn writes_attaches_and_installs_are_refused() {
        assert_eq!(
            refused("COPY (SELECT 1) TO 'x.csv'").as_deref(),
            Some("COPY")
        );
        assert_eq!(refused("export database 'd'").as_deref(), Some("EXPORT"));
        assert_eq!(
            refused("ATTACH 'x.db' (READ_WRITE)").as_deref(),
            Some("ATTACH")
        );
        assert_eq!(refused("FORCE INSTALL httpfs").as_deref(), Some("FORCE"));
        assert_eq!(refused("update extensions").as_deref(), Some("UPDATE"));
        assert_eq!(
            refused("SELECT 1; /* x */ EXPLAIN ANALYZE COPY t TO 'x'").as_deref(),
            Some("COPY")
        );
        assert_eq!(
            refused("PREPARE p AS COPY (SELECT 1) TO 'x'").as_deref(),
            Some("COPY")
        );
        // A nested comment that ends where DuckDB ends it.
        assert_eq!(
            refused("/* /* */ SELECT 1; */ COPY t TO 'x'").as_deref(),
            Some("COPY")
        );
    }

    #[test]
    fn statements_are_counted_outside_strings_and_comments() {
        assert_eq!(statement_count("SELECT 1"), 1);
        assert_eq!(statement_count("SELECT 1; -- done\n"), 1);
        assert_eq!(statement_count("SELECT 1; SELECT NULL"), 2);
        assert_eq!(statement_count("SELECT ';'; /* ; */"), 1);
        assert_eq!(statement_count(" ; -- nothing"), 0);
    }

    #[test]
    fn queries_and_words_in_strings_or_comments_pass() {
        for sql in [
            "SELECT 'copy; attach' AS x",
            "SELECT e'it\\'s; COPY t TO ''x''' AS x",
            "SELECT $$; COPY t TO 'x'$$",
            "SELECT $tag$; COPY$tag$",
            "-- COPY t TO 'x'\nSELECT 1",
            "SELECT \"copy\" FROM (SELECT 1 AS \"copy\")",
            "UPDATE t SET x = 1",
            "SELECT * FROM read_csv('in.csv')",
            "",
        ] {
            assert_eq!(refused(sql), None, "{sql}");
        }
        assert!(!has_statement(" ; -- SELECT 1\n /* x */"));
        assert!(has_statement("SELECT 1"));
    }
}
