//! A round's summary for staff as a workbook: one row per submitted application with its
//! scores, award, tranches paid, project and reports; money as yuan numbers.

use chrono::{DateTime, Utc};
use member::{Actor, orgs};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use super::reports::reports_of;
use super::review::ranking;
use super::{find_round, phase, require_staff};
use crate::ProjectError;

const HEADER: [&str; 10] = [
    "排名",
    "申报组织",
    "项目名称",
    "申请金额（元）",
    "加权平均分",
    "评审人数",
    "资助金额（元）",
    "已拨付（元）",
    "已立项",
    "报告",
];

/// The round's title and its summary workbook.
pub async fn workbook(
    db: &impl ConnectionTrait,
    actor: &Actor,
    round_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(String, Vec<u8>), ProjectError> {
    require_staff(actor)?;
    let round = find_round(db, round_id).await?;
    let fail = |e: rust_xlsxwriter::XlsxError| ProjectError::Internal(e.to_string());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("公益创投").map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let money = rust_xlsxwriter::Format::new().set_num_format("#,##0.00");
    let title = format!(
        "{} · 预算 {} 元 · 已资助 {} 元 · {}",
        round.title,
        crate::money::plain_yuan(round.budget_fen),
        crate::money::plain_yuan(round.awarded_fen),
        phase(&round, now).as_str()
    );
    sheet
        .write_string_with_format(0, 0, title, &bold)
        .map_err(fail)?;
    for (column, name) in HEADER.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        sheet
            .write_string_with_format(1, column, *name, &bold)
            .map_err(fail)?;
        sheet.set_column_width(column, 16).map_err(fail)?;
    }
    for (n, ranked) in ranking(db, actor, round.id, now)
        .await?
        .into_iter()
        .enumerate()
    {
        let a = &ranked.application;
        let organization = orgs::find(db, a.organization_id).await?.name;
        let reports = reports_of(db, a.id)
            .await?
            .iter()
            .map(|r| format!("{}:{}", r.kind, r.status))
            .collect::<Vec<_>>()
            .join("；");
        let row = u32::try_from(n + 2).unwrap_or(u32::MAX);
        write_row(
            sheet,
            (row, n + 1),
            &ranked,
            [organization, reports],
            &money,
        )
        .map_err(fail)?;
    }
    Ok((
        round.title.clone(),
        workbook.save_to_buffer().map_err(fail)?,
    ))
}

/// One application's row: its rank, names, money as yuan numbers, scores.
fn write_row(
    sheet: &mut rust_xlsxwriter::Worksheet,
    (row, rank): (u32, usize),
    ranked: &super::review::Ranked,
    [organization, reports]: [String; 2],
    money: &rust_xlsxwriter::Format,
) -> Result<(), rust_xlsxwriter::XlsxError> {
    let yuan = |fen: i64| fen as f64 / 100.0;
    let a = &ranked.application;
    sheet.write_number(row, 0, rank as f64)?;
    sheet.write_string(row, 1, organization)?;
    sheet.write_string(row, 2, &a.title)?;
    sheet.write_number_with_format(row, 3, yuan(a.request_fen), money)?;
    if let Some(mean) = ranked.mean {
        sheet.write_number(row, 4, mean as f64 / 100.0)?;
    }
    sheet.write_number(row, 5, ranked.reviews as f64)?;
    if let Some(award) = a.award_fen {
        sheet.write_number_with_format(row, 6, yuan(award), money)?;
    }
    sheet.write_number_with_format(row, 7, yuan(a.paid_fen), money)?;
    sheet.write_string(row, 8, if a.project_id.is_some() { "是" } else { "否" })?;
    sheet.write_string(row, 9, reports)?;
    Ok(())
}
