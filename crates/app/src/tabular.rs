//! Tables read from uploaded files: CSV (UTF-8, header row) and the first sheet of an XLSX workbook, each
//! row with its line number so a report can name it, and the shape of a rejected row. Customer imports and
//! metrics imports both read through here. Every CSV Banyan writes is written here too ([`write_csv`]), with
//! its cells neutralised against formulas.

use crate::error::{AppError, Result};
use serde::Serialize;

/// One row of a source file: its line number and cell texts (or why it could not be read).
#[derive(Debug, Clone)]
pub struct SourceRow {
    pub line: usize,
    pub cells: std::result::Result<Vec<String>, String>,
}

/// A parsed source file.
#[derive(Debug, Clone)]
pub struct Source {
    pub headers: Vec<String>,
    pub rows: Vec<SourceRow>,
}

/// Reads CSV (UTF-8, header row). Invalid UTF-8 in a row rejects that row, not the file.
pub fn read_csv(bytes: &[u8]) -> Result<Source> {
    let mut r = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let headers = r
        .byte_headers()
        .map_err(|e| AppError::field("file", "csv", format!("the header row cannot be read: {e}")))?
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim()
                .trim_start_matches('\u{feff}')
                .to_lowercase()
        })
        .collect::<Vec<_>>();
    let mut rows = Vec::new();
    for (i, rec) in r.byte_records().enumerate() {
        let line = i + 2;
        let cells = match rec {
            Err(e) => Err(format!("the row cannot be read: {e}")),
            Ok(rec) => rec
                .iter()
                .enumerate()
                .map(|(c, b)| {
                    String::from_utf8(b.to_vec()).map_err(|_| {
                        format!(
                            "column {} is not valid UTF-8",
                            headers.get(c).map(String::as_str).unwrap_or("?")
                        )
                    })
                })
                .collect(),
        };
        rows.push(SourceRow { line, cells });
    }
    Ok(Source { headers, rows })
}

/// Reads the first sheet of an XLSX workbook (header row first).
pub fn read_xlsx(bytes: &[u8]) -> Result<Source> {
    use calamine::{Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes.to_vec())).map_err(|e| {
        AppError::field("file", "xlsx", format!("not a readable XLSX workbook: {e}"))
    })?;
    let sheet = wb
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| AppError::field("file", "xlsx", "the workbook has no sheet"))?;
    let range = wb.worksheet_range(&sheet).map_err(|e| {
        AppError::field(
            "file",
            "xlsx",
            format!("the first sheet cannot be read: {e}"),
        )
    })?;
    let mut it = range.rows();
    let headers: Vec<String> = it
        .next()
        .map(|r| {
            r.iter()
                .map(|c| c.to_string().trim().to_lowercase())
                .collect()
        })
        .unwrap_or_default();
    let rows = it
        .enumerate()
        .map(|(i, r)| SourceRow {
            line: i + 2,
            cells: Ok(r.iter().map(cell_text).collect()),
        })
        .collect();
    Ok(Source { headers, rows })
}

fn cell_text(c: &calamine::Data) -> String {
    match c {
        // Whole numbers (phone numbers typed as numbers) without a trailing ".0".
        calamine::Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        calamine::Data::Empty => String::new(),
        other => other.to_string(),
    }
}

/// A rejected row.
#[derive(Debug, Clone, Serialize)]
pub struct Rejected {
    pub line: usize,
    pub reason: String,
    /// The original cells, for the rejected-rows file.
    #[serde(skip)]
    pub cells: Vec<String>,
}

/// A cell a spreadsheet would run as a formula (or a DDE command) starts with one of these (OWASP, "CSV
/// Injection"): `=`, `+`, `-`, `@`, a tab or a carriage return.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as written to a CSV file: one that a spreadsheet would evaluate is prefixed with `'`, so it is
/// shown as the text it is (a customer named `=HYPERLINK(...)` stays a name).
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

/// How a file written for someone names its columns and shows its coded cells: the API's and the CLI's
/// stable column names and codes ([`Codes`]), or a reader's language (the workbench's exports).
pub trait Words: Send + Sync {
    /// A column's heading (`customer_no` → 客户号).
    fn heading(&self, column: &str) -> String;
    /// A cell of a column: a code (`kind`, `status`) or a date in the reader's style; other text as it is.
    fn cell(&self, column: &str, value: &str) -> String;
    /// Whether a CSV file starts with a UTF-8 byte-order mark: Excel on Windows reads UTF-8 only with it.
    fn bom(&self) -> bool;
}

/// Stable column names and codes, no byte-order mark: for programs.
#[derive(Debug, Clone, Copy)]
pub struct Codes;

impl Words for Codes {
    fn heading(&self, column: &str) -> String {
        column.to_owned()
    }
    fn cell(&self, _: &str, value: &str) -> String {
        value.to_owned()
    }
    fn bom(&self) -> bool {
        false
    }
}

/// A CSV file of coded columns in the words of its reader: headings and cells through `words`, a
/// byte-order mark when they want one, every cell neutralised ([`write_csv`]).
pub fn write_csv_for<R, C>(
    words: &dyn Words,
    columns: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<Vec<u8>>
where
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let header: Vec<String> = columns.iter().map(|c| words.heading(c)).collect();
    let body = write_csv(
        &header,
        rows.into_iter().map(|r| {
            r.into_iter()
                .zip(columns)
                .map(|(v, c)| words.cell(c, v.as_ref()))
                .collect::<Vec<_>>()
        }),
    )?;
    Ok(with_bom(words, body))
}

/// The file with a UTF-8 byte-order mark in front when its reader wants one.
pub fn with_bom(words: &dyn Words, body: Vec<u8>) -> Vec<u8> {
    if words.bom() {
        [b"\xEF\xBB\xBF".as_slice(), &body].concat()
    } else {
        body
    }
}

/// A CSV file (UTF-8, header row) with every cell neutralised: the one way Banyan writes CSV (customer
/// exports, an import's rejected rows, and every report after them).
pub fn write_csv<H, R, C>(header: &[H], rows: impl IntoIterator<Item = R>) -> Result<Vec<u8>>
where
    H: AsRef<str>,
    R: IntoIterator<Item = C>,
    C: AsRef<str>,
{
    let x = |e: csv::Error| AppError::internal_from("writing a CSV file", e);
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(header.iter().map(|h| neutralise(h.as_ref()).into_owned()))
        .map_err(x)?;
    for row in rows {
        w.write_record(row.into_iter().map(|c| neutralise(c.as_ref()).into_owned()))
            .map_err(x)?;
    }
    w.into_inner()
        .map_err(|e| AppError::internal_from("writing a CSV file", e.into_error()))
}

#[cfg(test)]
mod csv_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_are_written_as_text() {
        for bad in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "=cmd|' /C calc'!A0",
            "@SUM(A1)",
            "+1+1",
            "-2+3",
            "\tx",
            "\rx",
        ] {
            assert_eq!(neutralise(bad), format!("'{bad}"), "{bad:?}");
        }
        for fine in ["张三", "13812345678", "2026-12-02", "a=b", ""] {
            assert_eq!(neutralise(fine), fine);
        }
        let bytes = write_csv(&["name", "=x"], [vec!["=1+1", "ok"]]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        assert_eq!(text, "name,'=x\n'=1+1,ok\n");
    }
}
