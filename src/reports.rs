//! The monthly report upward: one workbook with the dashboard's figures for the period
//! (summary, market days, stalls, organizations, volunteers' hours). It is built from the
//! same `event::stats` the dashboard shows, so the two cannot disagree.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use member::entities::{organization, person};
use member::fields::mask_phone;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::errors::AppError;
use crate::views;

/// `12.5` for 125 tenths: hours as text, exactly as the dashboard prints them.
pub fn hours_text(tenths: i64) -> String {
    format!("{}.{}", tenths / 10, tenths % 10)
}

fn sheet<'a>(
    workbook: &'a mut Workbook,
    name: &str,
    header: &[&str],
) -> Result<&'a mut Worksheet, XlsxError> {
    let bold = Format::new().set_bold();
    let sheet = workbook.add_worksheet();
    sheet.set_name(name)?;
    for (column, title) in header.iter().enumerate() {
        sheet.write_string_with_format(0, u16::try_from(column).unwrap_or(0), *title, &bold)?;
        sheet.set_column_width(u16::try_from(column).unwrap_or(0), 16)?;
    }
    Ok(sheet)
}

/// A row of text and whole numbers (counts are integers: exact in a spreadsheet).
enum Cell {
    Text(String),
    Count(i64),
}

fn write_row(sheet: &mut Worksheet, row: u32, cells: &[Cell]) -> Result<(), XlsxError> {
    for (column, cell) in cells.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        match cell {
            Cell::Text(text) => sheet.write_string(row, column, text)?,
            Cell::Count(n) => sheet.write_number(row, column, *n as f64)?,
        };
    }
    Ok(())
}

/// The workbook for events that started in `[from, until)` and had ended by `now`.
pub async fn monthly_workbook(
    db: &DatabaseConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, AppError> {
    let stats = event::stats::stats(db, Some(from), Some(until), None, now).await?;
    let org_ids: Vec<Uuid> = stats.by_organization.keys().copied().collect();
    let orgs: HashMap<Uuid, String> = organization::Entity::find()
        .filter(organization::Column::Id.is_in(org_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let person_ids: Vec<Uuid> = stats.by_person.keys().copied().collect();
    let people: HashMap<Uuid, person::Model> = person::Entity::find()
        .filter(person::Column::Id.is_in(person_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let fail = |e: XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let lang = crate::i18n::Lang::ZhCn;
    let day = |at: DateTime<Utc>| {
        at.with_timezone(&views::shanghai())
            .format("%Y-%m-%d")
            .to_string()
    };

    let mut workbook = Workbook::new();
    let all = &stats.all;
    {
        let summary = sheet(&mut workbook, "汇总", &["指标", "数值"]).map_err(fail)?;
        let rows = [
            (
                "时段",
                Cell::Text(format!(
                    "{} 至 {}",
                    day(from),
                    day(until - chrono::Duration::seconds(1))
                )),
            ),
            (
                "举办集市和活动",
                Cell::Count(i64::try_from(all.events_held).unwrap_or(0)),
            ),
            (
                "志愿服务人次",
                Cell::Count(i64::try_from(all.services).unwrap_or(0)),
            ),
            (
                "参与服务的志愿者",
                Cell::Count(i64::try_from(all.volunteers).unwrap_or(0)),
            ),
            (
                "志愿服务时长（小时）",
                Cell::Text(hours_text(all.hours_tenths)),
            ),
            ("服务居民人次", Cell::Count(all.residents)),
        ];
        for (i, (label, value)) in rows.into_iter().enumerate() {
            let row = u32::try_from(i + 1).unwrap_or(0);
            write_row(summary, row, &[Cell::Text(label.to_owned()), value]).map_err(fail)?;
        }
    }
    {
        let days = sheet(
            &mut workbook,
            "集市和活动",
            &[
                "日期",
                "名称",
                "地点",
                "服务人次",
                "志愿者",
                "时长（小时）",
                "服务居民人次",
            ],
        )
        .map_err(fail)?;
        for (i, event) in stats.events.iter().enumerate() {
            let f = stats.by_event.get(&event.id).cloned().unwrap_or_default();
            write_row(
                days,
                u32::try_from(i + 1).unwrap_or(0),
                &[
                    Cell::Text(day(event.starts_at)),
                    Cell::Text(event.title.clone()),
                    Cell::Text(event.place.clone()),
                    Cell::Count(i64::try_from(f.services).unwrap_or(0)),
                    Cell::Count(i64::try_from(f.volunteers).unwrap_or(0)),
                    Cell::Text(hours_text(f.hours_tenths)),
                    Cell::Count(f.residents),
                ],
            )
            .map_err(fail)?;
        }
    }
    {
        let titles: HashMap<Uuid, (String, DateTime<Utc>)> = stats
            .events
            .iter()
            .map(|e| (e.id, (e.title.clone(), e.starts_at)))
            .collect();
        let stalls_sheet = sheet(
            &mut workbook,
            "摊位",
            &[
                "日期",
                "集市",
                "服务项目",
                "组织",
                "服务人次",
                "时长（小时）",
                "服务居民人次",
            ],
        )
        .map_err(fail)?;
        let mut stalls = stats.stalls.clone();
        stalls.sort_by_key(|s| (titles.get(&s.event_id).map(|t| t.1), s.created_at));
        for (i, stall) in stalls.iter().enumerate() {
            let f = stats.by_stall.get(&stall.id).cloned().unwrap_or_default();
            let (title, starts) = titles.get(&stall.event_id).cloned().unwrap_or_default();
            write_row(
                stalls_sheet,
                u32::try_from(i + 1).unwrap_or(0),
                &[
                    Cell::Text(day(starts)),
                    Cell::Text(title),
                    Cell::Text(lang.t(&format!(
                        "service-{}",
                        stall.service.as_str().replace('_', "-")
                    ))),
                    Cell::Text(
                        orgs.get(&stall.organization_id)
                            .cloned()
                            .unwrap_or_default(),
                    ),
                    Cell::Count(i64::try_from(f.services).unwrap_or(0)),
                    Cell::Text(hours_text(f.hours_tenths)),
                    Cell::Count(f.residents),
                ],
            )
            .map_err(fail)?;
        }
    }
    {
        let orgs_sheet = sheet(
            &mut workbook,
            "组织",
            &[
                "组织",
                "集市和活动",
                "服务人次",
                "志愿者",
                "时长（小时）",
                "服务居民人次",
            ],
        )
        .map_err(fail)?;
        for (i, (id, f)) in stats.by_organization.iter().enumerate() {
            write_row(
                orgs_sheet,
                u32::try_from(i + 1).unwrap_or(0),
                &[
                    Cell::Text(orgs.get(id).cloned().unwrap_or_default()),
                    Cell::Count(i64::try_from(f.events_held).unwrap_or(0)),
                    Cell::Count(i64::try_from(f.services).unwrap_or(0)),
                    Cell::Count(i64::try_from(f.volunteers).unwrap_or(0)),
                    Cell::Text(hours_text(f.hours_tenths)),
                    Cell::Count(f.residents),
                ],
            )
            .map_err(fail)?;
        }
    }
    {
        let people_sheet = sheet(
            &mut workbook,
            "志愿者时长",
            &["姓名", "手机号", "服务人次", "时长（小时）"],
        )
        .map_err(fail)?;
        for (i, (id, f)) in stats.by_person.iter().enumerate() {
            let person = people.get(id);
            write_row(
                people_sheet,
                u32::try_from(i + 1).unwrap_or(0),
                &[
                    Cell::Text(person.map(|p| p.name.clone()).unwrap_or_default()),
                    Cell::Text(
                        person
                            .and_then(|p| p.phone.as_deref())
                            .map(mask_phone)
                            .unwrap_or_default(),
                    ),
                    Cell::Count(i64::try_from(f.services).unwrap_or(0)),
                    Cell::Text(hours_text(f.hours_tenths)),
                ],
            )
            .map_err(fail)?;
        }
    }
    workbook.save_to_buffer().map_err(fail)
}
