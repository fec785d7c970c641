//! The reports upward: the month's (or any period's) figures as tables — summary, days,
//! stalls, organizations, services, projects, volunteers' hours, residents' requests,
//! funding, satisfaction — built from the same `event::stats` the dashboard shows, so the
//! two cannot disagree; and those tables as one workbook or one CSV file. No HTTP here:
//! the web server asks for the tables and sends the file.

mod files;
mod official;
mod tables;

pub use files::{SinceSent, content, to_csv, to_xlsx};
pub use official::{COLUMNS as OFFICIAL_COLUMNS, official_table, to_plain_csv, to_plain_xlsx};
pub use tables::{Words, monthly_tables};

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Member(#[from] member::MemberError),
    #[error(transparent)]
    Project(#[from] project::ProjectError),
    #[error(transparent)]
    Event(#[from] event::EventError),
    #[error(transparent)]
    Triage(#[from] triage::TriageError),
    /// Writing the workbook or the CSV failed.
    #[error("{0}")]
    File(String),
}

/// `12.5` for 125 tenths: hours as text, exactly as the dashboard prints them (and as
/// the workbook's `0.0` format shows its number cells).
pub fn hours_text(tenths: i64) -> String {
    event::records::format_hours(tenths)
}

/// A cell: text, or a number a spreadsheet can add up.
pub enum Cell {
    Text(String),
    /// A whole number (counts: exact in a spreadsheet).
    Count(i64),
    /// Hours, kept in tenths here and written as a number with one decimal.
    Hours(i64),
    /// A share in per mille, written as a percentage; none when nothing was rated.
    Rate(Option<u64>),
}

impl Cell {
    /// How the cell reads in CSV (plain numbers, no formats).
    pub(crate) fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Hours(tenths) => hours_text(*tenths),
            Cell::Rate(Some(permille)) => format!("{}.{}%", permille / 10, permille % 10),
            Cell::Rate(None) => "–".to_owned(),
        }
    }

    /// Columns wide enough for what they hold: a Chinese character takes two widths.
    pub(crate) fn width(&self) -> usize {
        self.text()
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum()
    }
}

pub(crate) fn write_row(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[Cell],
    hours: &Format,
    rate: &Format,
) -> Result<(), XlsxError> {
    for (column, cell) in cells.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        match cell {
            Cell::Text(text) => sheet.write_string(row, column, text)?,
            Cell::Count(n) => sheet.write_number(row, column, *n as f64)?,
            Cell::Hours(tenths) => {
                sheet.write_number_with_format(row, column, *tenths as f64 / 10.0, hours)?
            }
            Cell::Rate(Some(permille)) => {
                sheet.write_number_with_format(row, column, *permille as f64 / 1000.0, rate)?
            }
            Cell::Rate(None) => sheet.write_string(row, column, "–")?,
        };
    }
    Ok(())
}

/// One sheet of the report: its name, its header, its rows.
pub struct Table {
    pub name: &'static str,
    pub header: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// What the report covers and when it was made: the first line of every sheet.
pub struct Heading {
    /// 微益坊月报, or 微益坊报表 for a period of several months.
    pub title: &'static str,
    pub period: String,
    pub made_at: String,
}

impl Heading {
    pub(crate) fn line(&self, table: &str) -> String {
        format!(
            "{} · {table} · {} · 生成于 {}",
            self.title, self.period, self.made_at
        )
    }
}
