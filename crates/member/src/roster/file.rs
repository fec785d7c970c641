//! Roster files: reading a spreadsheet or CSV into rows, and writing the current members out.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::MemberError;

/// More rows than any neighbourhood organization has; a bigger file is a mistake.
pub const MAX_ROWS: usize = 20_000;

/// One line of an uploaded roster, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterRow {
    /// The line in the file (the header is line 1).
    pub line: usize,
    pub name: String,
    pub phone: String,
    pub skills: String,
    pub role: String,
}

/// Which column holds what, from the header's words.
pub(super) fn column_of(header: &str) -> Option<usize> {
    let header = header.trim().to_lowercase();
    let field = match header.as_str() {
        "姓名" | "名字" | "name" | "成员姓名" | "志愿者姓名" => 0,
        "手机" | "手机号" | "手机号码" | "电话" | "联系电话" | "phone" | "mobile" => {
            1
        }
        "技能" | "特长" | "技能特长" | "skills" | "skill" => 2,
        "角色" | "职务" | "身份" | "role" => 3,
        _ => return None,
    };
    Some(field)
}

/// Cells of a sheet (first row the header) into roster rows. Without a recognisable
/// header the columns are taken as name, phone, skills, role.
pub(super) fn rows_from_cells(cells: Vec<Vec<String>>) -> Result<Vec<RosterRow>, MemberError> {
    let mut lines = cells.into_iter().enumerate();
    let Some((_, header)) = lines.next() else {
        return Err(MemberError::field("file", "error-import-empty"));
    };
    let mapped: Vec<Option<usize>> = header.iter().map(|h| column_of(h)).collect();
    let has_header = mapped.contains(&Some(0)) && mapped.contains(&Some(1));
    let columns: Vec<Option<usize>> = if has_header {
        mapped
    } else {
        (0..header.len().max(4))
            .map(|i| (i < 4).then_some(i))
            .collect()
    };
    let to_row = |(index, cells): (usize, Vec<String>)| {
        let mut fields = [String::new(), String::new(), String::new(), String::new()];
        for (cell, column) in cells.into_iter().zip(&columns) {
            if let Some(column) = column {
                fields[*column] = cell.trim().to_owned();
            }
        }
        let [name, phone, skills, role] = fields;
        RosterRow {
            line: index + 1,
            name,
            phone,
            skills,
            role,
        }
    };
    let mut rows: Vec<RosterRow> = Vec::new();
    if !has_header {
        rows.push(to_row((0, header)));
    }
    rows.extend(lines.map(to_row));
    rows.retain(|r| !(r.name.is_empty() && r.phone.is_empty() && r.skills.is_empty()));
    if rows.is_empty() {
        return Err(MemberError::field("file", "error-import-empty"));
    }
    if rows.len() > MAX_ROWS {
        return Err(MemberError::field("file", "error-import-too-many-rows"));
    }
    Ok(rows)
}

/// Reads an uploaded `.xlsx` (first sheet) or `.csv` (UTF-8, or GBK as Excel in China
/// saves it — refused with a clear reason).
pub fn parse_file(file_name: &str, bytes: &[u8]) -> Result<Vec<RosterRow>, MemberError> {
    let lower = file_name.to_lowercase();
    if lower.ends_with(".xlsx") {
        let mut workbook: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes))
            .map_err(|_| MemberError::field("file", "error-import-unreadable"))?;
        let range = workbook
            .worksheet_range_at(0)
            .ok_or(MemberError::field("file", "error-import-empty"))?
            .map_err(|_| MemberError::field("file", "error-import-unreadable"))?;
        let cells = range
            .rows()
            .map(|row| row.iter().map(cell_text).collect())
            .collect();
        rows_from_cells(cells)
    } else if lower.ends_with(".csv") {
        let text = std::str::from_utf8(bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
            .map_err(|_| MemberError::field("file", "error-import-not-utf8"))?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut cells = Vec::new();
        for record in reader.records() {
            let record =
                record.map_err(|_| MemberError::field("file", "error-import-unreadable"))?;
            cells.push(record.iter().map(str::to_owned).collect());
            if cells.len() > MAX_ROWS + 1 {
                return Err(MemberError::field("file", "error-import-too-many-rows"));
            }
        }
        rows_from_cells(cells)
    } else {
        Err(MemberError::field("file", "error-import-format"))
    }
}

/// A cell as text. Excel keeps phone numbers as numbers (`13812345678.0`).
pub(super) fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        other => other.to_string(),
    }
}

/// One line of an exported roster.
#[derive(Clone, Debug, Serialize)]
pub struct ExportRow {
    pub name: String,
    /// In full: exports go only to the leaders and staff who may see it.
    pub phone: String,
    pub role: &'static str,
    pub skills: String,
    pub joined_on: NaiveDate,
}

/// The header of exported rosters: the same words the import understands, so an
/// exported file can be edited and imported again.
pub const EXPORT_HEADER: [&str; 5] = ["姓名", "手机号", "角色", "技能", "加入日期"];

pub(super) fn export_cells(row: &ExportRow) -> [String; 5] {
    [
        row.name.clone(),
        row.phone.clone(),
        row.role.to_owned(),
        row.skills.clone(),
        row.joined_on.format("%Y-%m-%d").to_string(),
    ]
}

/// CSV with a byte-order mark, so Excel in China opens it as UTF-8.
pub fn to_csv(rows: &[ExportRow]) -> Result<Vec<u8>, MemberError> {
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    let fail = |e: csv::Error| MemberError::Internal(e.to_string());
    writer.write_record(EXPORT_HEADER).map_err(fail)?;
    for row in rows {
        let cells = export_cells(row);
        writer
            .write_record(
                cells
                    .iter()
                    .map(|c| crate::fields::csv_safe(c).into_owned()),
            )
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| MemberError::Internal(e.to_string()))
}

pub fn to_xlsx(rows: &[ExportRow], sheet_name: &str) -> Result<Vec<u8>, MemberError> {
    let fail = |e: rust_xlsxwriter::XlsxError| MemberError::Internal(e.to_string());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    // Sheet names: at most 31 characters, none of []:*?/\
    let safe: String = sheet_name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    sheet
        .set_name(if safe.is_empty() { "成员" } else { &safe })
        .map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, title) in EXPORT_HEADER.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        sheet
            .write_string_with_format(0, column, *title, &bold)
            .map_err(fail)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1).map_err(|e| MemberError::Internal(e.to_string()))?;
        for (column, cell) in export_cells(row).into_iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(0);
            // Phones as text: Excel would turn them into 1.38E+10.
            sheet.write_string(line, column, cell).map_err(fail)?;
        }
    }
    for (column, width) in [12.0, 14.0, 8.0, 24.0, 12.0].into_iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        sheet.set_column_width(column, width).map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}
