//! The tables as files: a workbook (a sheet each) or one CSV; and a report's content as
//! text, to compare a month sent upward with its figures now.

use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::{Cell, Heading, ReportError, Table, write_row};

/// The tables as one workbook, a sheet each: a title line, the header, the rows; hours
/// and rates are number cells with number formats, so a spreadsheet can add them up.
///
/// Each sheet is written in row order to an unnamed temporary file as it is filled
/// (rust_xlsxwriter's low-memory mode, shared strings kept), instead of being held whole
/// in memory and then assembled by a thread of its own: a workbook's memory stays small
/// while two are built at once.
pub fn to_xlsx(heading: &Heading, tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let fail = |e: XlsxError| ReportError::File(format!("xlsx: {e}"));
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.0");
    let rate = Format::new().set_num_format("0.0%");
    let mut workbook = Workbook::new();
    for table in tables {
        let sheet = workbook.add_worksheet_with_low_memory().map_err(fail)?;
        sheet.set_name(table.name).map_err(fail)?;
        sheet
            .write_string_with_format(0, 0, heading.line(table.name), &bold)
            .map_err(fail)?;
        for (column, title) in table.header.iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(0);
            sheet
                .write_string_with_format(1, column, *title, &bold)
                .map_err(fail)?;
            let widest = table
                .rows
                .iter()
                .filter_map(|row| row.get(usize::from(column)))
                .map(Cell::width)
                .chain(std::iter::once(Cell::Text((*title).to_owned()).width()))
                .max()
                .unwrap_or(8);
            sheet
                .set_column_width(column, (widest.clamp(8, 48) + 2) as f64)
                .map_err(fail)?;
        }
        sheet.set_freeze_panes(2, 0).map_err(fail)?;
        for (i, row) in table.rows.iter().enumerate() {
            write_row(sheet, u32::try_from(i + 2).unwrap_or(0), row, &hours, &rate)
                .map_err(fail)?;
        }
    }
    workbook.save_to_buffer().map_err(fail)
}

/// The same tables as one CSV file: each under a line with its name, a blank line between.
pub fn to_csv(heading: &Heading, tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv_lines(Some(heading), tables)?);
    Ok(bytes)
}

/// What a report says, as text without the time it was made: two downloads of unchanged
/// figures give the same text, so a month sent upward can be compared with its figures now.
pub fn content(tables: &[Table]) -> Result<String, ReportError> {
    let tables = String::from_utf8(csv_lines(None, tables)?)
        .map_err(|e| ReportError::File(format!("csv: {e}")))?;
    Ok(format!("{REPORT_FORMAT}\n{tables}"))
}

/// The first line of a report's content: which tables it has. A month sent before the
/// report gained tables differs from it by its format, not by its figures.
const REPORT_FORMAT: &str = "微益坊报表格式 3";

/// How a month's report now compares with the one sent upward.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinceSent {
    Unchanged,
    /// A record of the month was corrected after it was sent.
    FiguresChanged,
    /// The report itself has more tables since (the platform was updated).
    FormatChanged,
}

impl SinceSent {
    pub fn of(sent: &str, now: &str) -> SinceSent {
        if sent == now {
            SinceSent::Unchanged
        } else if sent.lines().next() != now.lines().next() {
            SinceSent::FormatChanged
        } else {
            SinceSent::FiguresChanged
        }
    }
}

fn csv_lines(heading: Option<&Heading>, tables: &[Table]) -> Result<Vec<u8>, ReportError> {
    let fail = |e: csv::Error| ReportError::File(format!("csv: {e}"));
    let mut writer = csv::WriterBuilder::new()
        .flexible(true)
        .from_writer(Vec::new());
    for (i, table) in tables.iter().enumerate() {
        if i > 0 {
            writer.write_record([""]).map_err(fail)?;
        }
        let title = match heading {
            Some(heading) => heading.line(table.name),
            None => table.name.to_owned(),
        };
        writer.write_record([title]).map_err(fail)?;
        writer.write_record(&table.header).map_err(fail)?;
        for row in &table.rows {
            let cells: Vec<String> = row
                .iter()
                .map(|cell| member::fields::csv_safe(&cell.text()).into_owned())
                .collect();
            writer.write_record(&cells).map_err(fail)?;
        }
    }
    writer
        .into_inner()
        .map_err(|e| ReportError::File(format!("csv: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sent_report_differs_by_its_figures_or_by_its_format() {
        let now = format!("{REPORT_FORMAT}\n汇总\n志愿服务时长（小时）,2.5\n");
        let same = now.clone();
        let corrected = format!("{REPORT_FORMAT}\n汇总\n志愿服务时长（小时）,3.0\n");
        let older_format = "汇总\n志愿服务时长（小时）,2.5\n";
        assert_eq!(SinceSent::of(&same, &now), SinceSent::Unchanged);
        assert_eq!(SinceSent::of(&corrected, &now), SinceSent::FiguresChanged);
        assert_eq!(SinceSent::of(older_format, &now), SinceSent::FormatChanged);
    }
}
