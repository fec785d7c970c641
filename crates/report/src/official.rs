//! The official service records as a file to import into the national volunteer service
//! system: the header on the first row and one service per row after it (no title line,
//! which importers would take for data). The README maps each column.

use event::records::official::OfficialRecord;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use crate::{Cell, ReportError, Table, write_row};

/// The columns, in order (the README's mapping follows them).
pub const COLUMNS: [&str; 16] = [
    "志愿者编号",
    "姓名",
    "手机号码",
    "服务项目名称",
    "服务类别",
    "服务内容",
    "服务日期",
    "开始时间",
    "结束时间",
    "服务地点",
    "服务时长（小时）",
    "完成情况",
    "组织单位",
    "记录人",
    "公示期满日期",
    "记录编号",
];

/// The records as a table, with the service types in the words of `words`.
pub fn official_table(records: &[OfficialRecord], words: &dyn Fn(&str) -> String) -> Table {
    let shanghai = event::schedule::shanghai();
    let clock =
        |at: chrono::DateTime<chrono::Utc>| at.with_timezone(&shanghai).format("%H:%M").to_string();
    let rows = records
        .iter()
        .map(|r| {
            let service = words(&format!("service-{}", r.service.as_str().replace('_', "-")));
            vec![
                Cell::Text(r.volunteer_number.clone()),
                Cell::Text(r.name.clone()),
                Cell::Text(r.phone.clone()),
                Cell::Text(r.event.clone()),
                Cell::Text(service.clone()),
                Cell::Text(if r.content.is_empty() {
                    service
                } else {
                    r.content.clone()
                }),
                Cell::Text(r.date.format("%Y-%m-%d").to_string()),
                Cell::Text(clock(r.starts_at)),
                Cell::Text(clock(r.ends_at)),
                Cell::Text(r.place.clone()),
                Cell::Hours(i64::from(r.tenths)),
                Cell::Text("已完成".to_owned()),
                Cell::Text(r.organization.clone()),
                Cell::Text(r.recorder.clone()),
                Cell::Text(
                    (r.stands_at.with_timezone(&shanghai).date_naive().pred_opt())
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                ),
                Cell::Text(r.record_id.to_string()),
            ]
        })
        .collect();
    Table {
        name: "志愿服务记录",
        header: COLUMNS.to_vec(),
        rows,
    }
}

/// The table as a workbook: header on row 1, hours as numbers. Written row by row, as
/// the report's sheets are (see [`crate::to_xlsx`]).
pub fn to_plain_xlsx(table: &Table) -> Result<Vec<u8>, ReportError> {
    let fail = |e: XlsxError| ReportError::File(format!("xlsx: {e}"));
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.0");
    let rate = Format::new().set_num_format("0.0%");
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet_with_low_memory().map_err(fail)?;
    sheet.set_name(table.name).map_err(fail)?;
    for (column, title) in table.header.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        sheet
            .write_string_with_format(0, column, *title, &bold)
            .map_err(fail)?;
        let widest = (table.rows.iter())
            .filter_map(|row| row.get(usize::from(column)))
            .map(Cell::width)
            .chain(std::iter::once(Cell::Text((*title).to_owned()).width()))
            .max()
            .unwrap_or(8);
        sheet
            .set_column_width(column, (widest.clamp(8, 40) + 2) as f64)
            .map_err(fail)?;
    }
    sheet.set_freeze_panes(1, 0).map_err(fail)?;
    for (i, row) in table.rows.iter().enumerate() {
        write_row(sheet, u32::try_from(i + 1).unwrap_or(0), row, &hours, &rate).map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}

/// The table as CSV (UTF-8 with a byte-order mark, so spreadsheets read the Chinese):
/// header first; cells that a spreadsheet would run as formulas are made plain text.
pub fn to_plain_csv(table: &Table) -> Result<Vec<u8>, ReportError> {
    let fail = |e: csv::Error| ReportError::File(format!("csv: {e}"));
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(&table.header).map_err(fail)?;
    for row in &table.rows {
        let cells: Vec<String> = (row.iter())
            .map(|cell| member::fields::csv_safe(&cell.text()).into_owned())
            .collect();
        writer.write_record(&cells).map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ReportError::File(format!("csv: {e}")))
}
