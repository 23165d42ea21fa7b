//! Text tables sized to their content: each column as wide as its widest cell, two spaces
//! apart. Cells hold names and ids that an engineer copies, so nothing is cut or wrapped: a
//! short table stays short, and only a long id makes its row long (terminals of 80 columns
//! fit the sample's tables but for the 130-character AppliedManifestWork names).

use std::fmt::Write;

use crate::terminal::escape_line;

enum Line {
    Cells(Vec<String>),
    /// A line under the row before it, outside the columns (a manifest's message).
    Note(String),
}

/// Rows written in aligned columns after `indent`.
pub struct Columns {
    indent: String,
    lines: Vec<Line>,
    /// Widths no column is padded beyond: a longer cell is written whole and pushes the rest
    /// of its own row to the right, and the other rows stay narrow.
    caps: Vec<(usize, usize)>,
}

impl Columns {
    pub fn new(indent: &str) -> Self {
        Columns {
            indent: indent.to_string(),
            lines: Vec::new(),
            caps: Vec::new(),
        }
    }

    /// Pads `column` (0-based) to at most `width` characters.
    pub fn cap(mut self, column: usize, width: usize) -> Self {
        self.caps.push((column, width));
        self
    }

    /// A row; its cells are escaped for the terminal (they come from the bundle).
    pub fn row<S: AsRef<str>>(&mut self, cells: impl IntoIterator<Item = S>) {
        let cells = cells
            .into_iter()
            .map(|c| escape_line(c.as_ref()).into_owned())
            .collect();
        self.lines.push(Line::Cells(cells));
    }

    /// A line under the last row, written as it is after the indent (already escaped).
    pub fn note(&mut self, text: String) {
        self.lines.push(Line::Note(text));
    }

    pub fn write(&self, out: &mut String) {
        let mut widths: Vec<usize> = Vec::new();
        for line in &self.lines {
            if let Line::Cells(cells) = line {
                for (i, cell) in cells.iter().enumerate() {
                    let cap = self.caps.iter().find(|(c, _)| *c == i).map(|(_, w)| *w);
                    let width = cell.chars().count().min(cap.unwrap_or(usize::MAX));
                    match widths.get_mut(i) {
                        Some(w) => *w = (*w).max(width),
                        None => widths.push(width),
                    }
                }
            }
        }
        for line in &self.lines {
            match line {
                Line::Cells(cells) => {
                    let mut text = self.indent.clone();
                    for (i, cell) in cells.iter().enumerate() {
                        if i > 0 {
                            text.push_str("  ");
                        }
                        text.push_str(cell);
                        if i + 1 < cells.len() {
                            let pad = widths[i].saturating_sub(cell.chars().count());
                            text.extend(std::iter::repeat_n(' ', pad));
                        }
                    }
                    let _ = writeln!(out, "{}", text.trim_end());
                }
                Line::Note(note) => {
                    let _ = writeln!(out, "{}{note}", self.indent);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_as_wide_as_their_widest_cell() {
        let mut table = Columns::new("  ");
        table.row(["Kind", "Name", "Applied"]);
        table.row(["Deployment", "x", "True"]);
        table.note("└─ failed".to_string());
        table.row(["ManifestWork", "2qrppk0otds3rdmdcojqcqkqq8f0s591", ""]);
        let mut out = String::new();
        table.write(&mut out);
        assert_eq!(
            out,
            "  Kind          Name                              Applied\n  \
               Deployment    x                                 True\n  \
               └─ failed\n  \
               ManifestWork  2qrppk0otds3rdmdcojqcqkqq8f0s591\n"
        );
    }

    #[test]
    fn a_capped_column_stays_narrow_and_a_longer_cell_stays_whole() {
        let mut table = Columns::new("").cap(0, 6);
        table.row(["ab", "x"]);
        table.row(["abcdefghij", "y"]);
        let mut out = String::new();
        table.write(&mut out);
        // "ab" is padded to the cap (6), not to the 10 characters of the longer cell.
        assert_eq!(out, "ab      x\nabcdefghij  y\n");
    }

    #[test]
    fn cells_from_the_bundle_are_escaped() {
        let mut table = Columns::new("");
        table.row(["a\u{1b}[31m", "b"]);
        let mut out = String::new();
        table.write(&mut out);
        assert!(!out.contains('\u{1b}'), "{out:?}");
    }
}
