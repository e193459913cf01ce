//! Tables read from uploaded files: CSV (UTF-8, header row) and the first sheet of an XLSX workbook, each
//! row with its line number so a report can name it, and the shape of a rejected row. Customer imports and
//! metrics imports both read through here.

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
