//! The monthly report upward: one workbook with the dashboard's figures for the period
//! (summary, market days, stalls, organizations, volunteers' hours, satisfaction). It is built from the
//! same `event::stats` the dashboard shows, so the two cannot disagree.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use member::fields::mask_phone;
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::errors::AppError;
use crate::views;

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
    fn text(&self) -> String {
        match self {
            Cell::Text(text) => text.clone(),
            Cell::Count(n) => n.to_string(),
            Cell::Hours(tenths) => hours_text(*tenths),
            Cell::Rate(Some(permille)) => format!("{}.{}%", permille / 10, permille % 10),
            Cell::Rate(None) => "–".to_owned(),
        }
    }

    /// Columns wide enough for what they hold: a Chinese character takes two widths.
    fn width(&self) -> usize {
        self.text()
            .chars()
            .map(|c| if c.is_ascii() { 1 } else { 2 })
            .sum()
    }
}

fn write_row(
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
    rows: Vec<Vec<Cell>>,
}

/// The report's tables for events that started in `[from, until)` and had begun by `now`.
#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
pub async fn monthly_tables(
    db: &DatabaseConnection,
    actor: &member::Actor,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<Table>, AppError> {
    let stats = event::stats::stats(db, Some(from), Some(until), None, now).await?;
    let orgs = member::orgs::names(db, stats.by_organization.keys().copied()).await?;
    let people = member::privacy::people(db, stats.by_person.keys().copied()).await?;
    let lang = crate::i18n::Lang::ZhCn;
    let day = |at: DateTime<Utc>| {
        at.with_timezone(&views::shanghai())
            .format("%Y-%m-%d")
            .to_string()
    };
    let count = |n: u64| Cell::Count(i64::try_from(n).unwrap_or(0));
    let all = &stats.all;

    let mut summary = Table {
        name: "汇总",
        header: vec!["指标", "数值"],
        rows: vec![
            vec![
                Cell::Text("时段".into()),
                Cell::Text(format!(
                    "{} 至 {}",
                    day(from),
                    day(until - chrono::Duration::seconds(1))
                )),
            ],
            vec![
                Cell::Text("举办公益集市（天）".into()),
                count(all.market_days),
            ],
            vec![Cell::Text("组织活动（场）".into()), count(all.activities)],
            vec![Cell::Text("志愿服务人次".into()), count(all.services)],
            vec![Cell::Text("参与服务的志愿者".into()), count(all.volunteers)],
            vec![
                Cell::Text("志愿服务时长（小时）".into()),
                Cell::Hours(all.hours_tenths),
            ],
            vec![
                Cell::Text("服务居民人次".into()),
                Cell::Count(all.residents),
            ],
            vec![
                Cell::Text("其中：老年人".into()),
                Cell::Count(all.breakdown.elderly),
            ],
            vec![
                Cell::Text("其中：儿童".into()),
                Cell::Count(all.breakdown.children),
            ],
            vec![
                Cell::Text("其中：残疾人".into()),
                Cell::Count(all.breakdown.disabled),
            ],
            vec![
                Cell::Text("其中：其他".into()),
                Cell::Count(all.breakdown.other),
            ],
        ],
    };
    let breakdown = |f: &event::stats::Figures| {
        [
            Cell::Count(f.breakdown.elderly),
            Cell::Count(f.breakdown.children),
            Cell::Count(f.breakdown.disabled),
            Cell::Count(f.breakdown.other),
        ]
    };
    // The satisfaction rate joins the summary once it is counted (below).
    let days = Table {
        name: "集市和活动",
        header: vec![
            "日期",
            "类型",
            "名称",
            "地点",
            "服务人次",
            "志愿者",
            "时长（小时）",
            "服务居民人次",
            "老年人",
            "儿童",
            "残疾人",
            "其他",
        ],
        rows: stats
            .events
            .iter()
            .map(|event| {
                let f = stats.by_event.get(&event.id).cloned().unwrap_or_default();
                let kind = match event.kind {
                    event::EventKind::Market => "公益集市",
                    event::EventKind::Activity => "组织活动",
                };
                let mut row = vec![
                    Cell::Text(day(event.starts_at)),
                    Cell::Text(kind.into()),
                    Cell::Text(event.title.clone()),
                    Cell::Text(event.place.clone()),
                    count(f.services),
                    count(f.volunteers),
                    Cell::Hours(f.hours_tenths),
                    Cell::Count(f.residents),
                ];
                row.extend(breakdown(&f));
                row
            })
            .collect(),
    };
    let titles: HashMap<Uuid, (String, DateTime<Utc>)> = stats
        .events
        .iter()
        .map(|e| (e.id, (e.title.clone(), e.starts_at)))
        .collect();
    let mut stalls = stats.stalls.clone();
    // The same order at every download: by day, then the stall's creation (its id breaks
    // ties between stalls made in one go).
    stalls.sort_by_key(|s| (titles.get(&s.event_id).map(|t| t.1), s.created_at, s.id));
    let stalls = Table {
        name: "摊位",
        header: vec![
            "日期",
            "集市",
            "服务项目",
            "组织",
            "服务人次",
            "时长（小时）",
            "服务居民人次",
            "老年人",
            "儿童",
            "残疾人",
            "其他",
        ],
        rows: stalls
            .iter()
            .map(|stall| {
                let f = stats.by_stall.get(&stall.id).cloned().unwrap_or_default();
                let (title, starts) = titles.get(&stall.event_id).cloned().unwrap_or_default();
                vec![
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
                    count(f.services),
                    Cell::Hours(f.hours_tenths),
                    Cell::Count(f.residents),
                ]
                .into_iter()
                .chain(breakdown(&f))
                .collect()
            })
            .collect(),
    };
    let organizations = Table {
        name: "组织",
        header: vec![
            "组织",
            "公益集市（天）",
            "组织活动（场）",
            "服务人次",
            "志愿者",
            "时长（小时）",
            "服务居民人次",
        ],
        rows: stats
            .by_organization
            .iter()
            .map(|(id, f)| {
                vec![
                    Cell::Text(orgs.get(id).cloned().unwrap_or_default()),
                    count(f.market_days),
                    count(f.activities),
                    count(f.services),
                    count(f.volunteers),
                    Cell::Hours(f.hours_tenths),
                    Cell::Count(f.residents),
                ]
            })
            .collect(),
    };
    let volunteers = Table {
        name: "志愿者时长",
        header: vec!["姓名", "手机号", "服务人次", "时长（小时）"],
        rows: stats
            .by_person
            .iter()
            .map(|(id, f)| {
                let person = people.get(id);
                // Hours served before the account was deleted still count, under a name
                // that says so, never a blank row.
                let name = match person {
                    Some(p) if p.erased_at.is_none() => p.name.clone(),
                    _ => lang.t("person-erased-volunteer"),
                };
                vec![
                    Cell::Text(name),
                    Cell::Text(
                        person
                            .and_then(|p| p.phone.as_deref())
                            .map(mask_phone)
                            .unwrap_or_default(),
                    ),
                    count(f.services),
                    Cell::Hours(f.hours_tenths),
                ]
            })
            .collect(),
    };
    let found = triage::ratings::satisfaction(db, None, Some(from), Some(until)).await?;
    let tally_row = |label: String, t: &triage::ratings::Tally| {
        vec![
            Cell::Text(label),
            count(t.satisfied),
            count(t.basic),
            count(t.unsatisfied),
            count(t.total()),
            Cell::Rate(t.rate_permille()),
        ]
    };
    summary.rows.push(vec![
        Cell::Text("居民满意率".into()),
        Cell::Rate(found.all.rate_permille()),
    ]);
    summary.rows.push(vec![
        Cell::Text("居民评价条数".into()),
        count(found.all.total()),
    ]);
    let mut satisfaction_rows = vec![
        tally_row("全部评价".into(), &found.all),
        tally_row("诉求办理".into(), &found.requests),
        tally_row("集市摊位".into(), &found.stalls),
    ];
    for class in triage::kinds::Class::ALL {
        let label = lang.t(&format!("request-class-{}", class.as_str()));
        let tally = found
            .by_class
            .get(class.as_str())
            .map(|(_, t)| *t)
            .unwrap_or_default();
        satisfaction_rows.push(tally_row(label, &tally));
    }
    for (service, t) in found.by_service.values() {
        let label = lang.t(&format!("service-{}", service.as_str().replace('_', "-")));
        satisfaction_rows.push(tally_row(label, t));
    }
    let satisfaction = Table {
        name: "居民满意度",
        header: vec![
            "分组",
            "满意",
            "基本满意",
            "不满意",
            "评价数",
            "满意率（目标80%及以上）",
        ],
        rows: satisfaction_rows,
    };
    // As of the period's last day (or now, while it runs).
    let last_moment = until.min(now);
    let last_day = (last_moment - chrono::Duration::seconds(1))
        .with_timezone(&views::shanghai())
        .date_naive();
    let census = member::orgs::census(db, last_day, None).await?;
    let registered = member::accounts::registered_volunteers(db, last_moment).await?;
    summary.rows.push(vec![
        Cell::Text("孵化的社会组织（期末）".into()),
        count(census.incubated),
    ]);
    summary.rows.push(vec![
        Cell::Text("组织成员（期末）".into()),
        count(census.members),
    ]);
    summary.rows.push(vec![
        Cell::Text("登记志愿者（期末）".into()),
        count(registered),
    ]);
    let mut standing_rows = Vec::new();
    for stage in member::orgs::Stage::ALL {
        standing_rows.push(vec![
            Cell::Text("孵化阶段".into()),
            Cell::Text(lang.t(&format!("stage-{}", stage.as_str()))),
            count(census.by_stage.get(stage.as_str()).copied().unwrap_or(0)),
        ]);
    }
    for registration in member::orgs::Registration::ALL {
        standing_rows.push(vec![
            Cell::Text("登记备案".into()),
            Cell::Text(lang.t(&format!("registration-{}", registration.as_str()))),
            count(
                census
                    .by_registration
                    .get(registration.as_str())
                    .copied()
                    .unwrap_or(0),
            ),
        ]);
    }
    let standing = Table {
        name: "组织概况",
        header: vec!["分组", "类别", "组织数（期末）"],
        rows: standing_rows,
    };
    let figures_row = |label: String, f: &event::stats::Figures| {
        let mut row = vec![
            Cell::Text(label),
            count(f.services),
            count(f.volunteers),
            Cell::Hours(f.hours_tenths),
            Cell::Count(f.residents),
        ];
        row.extend(breakdown(f));
        row
    };
    let figures_header = |first: &'static str| {
        vec![
            first,
            "服务人次",
            "志愿者",
            "时长（小时）",
            "服务居民人次",
            "老年人",
            "儿童",
            "残疾人",
            "其他",
        ]
    };
    let services = Table {
        name: "按服务项目",
        header: figures_header("服务项目"),
        rows: stats
            .by_service
            .iter()
            .map(|(key, f)| figures_row(lang.t(&format!("service-{}", key.replace('_', "-"))), f))
            .collect(),
    };
    let titles: HashMap<Uuid, String> = project::projects::all_by_title(db)
        .await?
        .into_iter()
        .filter(|p| stats.by_project.contains_key(&p.id))
        .map(|p| (p.id, p.title))
        .collect();
    let mut project_rows: Vec<(String, Vec<Cell>)> = stats
        .by_project
        .iter()
        .map(|(id, f)| {
            let title = titles.get(id).cloned().unwrap_or_default();
            (title.clone(), figures_row(title, f))
        })
        .collect();
    project_rows.sort_by(|a, b| a.0.cmp(&b.0));
    let projects = Table {
        name: "按公益项目",
        header: figures_header("公益项目"),
        rows: project_rows.into_iter().map(|(_, row)| row).collect(),
    };
    let counted = triage::requests::counts(db, from, until).await?;
    let statuses = triage::kinds::Status::ALL;
    let mut request_header = vec!["分流类别"];
    request_header.extend(statuses.iter().map(|s| match s.as_str() {
        "received" => "已受理",
        "triaged" => "已分流",
        "in_progress" => "办理中",
        "resolved" => "已办结",
        "closed" => "已结案",
        _ => "重新办理",
    }));
    request_header.push("合计");
    let classes: Vec<Option<&'static str>> = std::iter::once(None)
        .chain(triage::kinds::Class::ALL.iter().map(|c| Some(c.as_str())))
        .collect();
    let requests = Table {
        name: "居民诉求",
        header: request_header,
        rows: classes
            .iter()
            .map(|class| {
                let label = match class {
                    Some(class) => lang.t(&format!("request-class-{class}")),
                    None => "待分流".to_owned(),
                };
                let mut row = vec![Cell::Text(label)];
                let mut total = 0;
                for status in statuses {
                    let n = counted
                        .get(&(*class, status.as_str()))
                        .copied()
                        .unwrap_or(0);
                    total += n;
                    row.push(count(n));
                }
                row.push(count(total));
                row
            })
            .collect(),
    };
    let first_day = from.with_timezone(&views::shanghai()).date_naive();
    let until_day = (until - chrono::Duration::seconds(1))
        .with_timezone(&views::shanghai())
        .date_naive();
    let overview = project::ledger::overview(db, actor, Some(first_day), Some(until_day)).await?;
    let mut funding_rows: Vec<Vec<Cell>> = project::ledger::Source::ALL
        .iter()
        .map(|source| {
            let fen = overview.all.by_source.get(source).copied().unwrap_or(0);
            vec![
                Cell::Text(lang.t(&format!("source-{}", source.as_str().replace('_', "-")))),
                Cell::Text(project::money::format_yuan(fen)),
                Cell::Count(fen),
            ]
        })
        .collect();
    funding_rows.push(vec![
        Cell::Text("合计".into()),
        Cell::Text(project::money::format_yuan(overview.all.total)),
        Cell::Count(overview.all.total),
    ]);
    let funding = Table {
        name: "资金到账",
        header: vec!["来源", "金额（元）", "金额（分）"],
        rows: funding_rows,
    };
    Ok(vec![
        summary,
        standing,
        days,
        stalls,
        organizations,
        services,
        projects,
        volunteers,
        requests,
        funding,
        satisfaction,
    ])
}

/// What the report covers and when it was made: the first line of every sheet.
pub struct Heading {
    /// 微益坊月报, or 微益坊报表 for a period of several months.
    pub title: &'static str,
    pub period: String,
    pub made_at: String,
}

impl Heading {
    fn line(&self, table: &str) -> String {
        format!(
            "{} · {table} · {} · 生成于 {}",
            self.title, self.period, self.made_at
        )
    }
}

/// The tables as one workbook, a sheet each: a title line, the header, the rows; hours
/// and rates are number cells with number formats, so a spreadsheet can add them up.
pub fn to_xlsx(heading: &Heading, tables: &[Table]) -> Result<Vec<u8>, AppError> {
    let fail = |e: XlsxError| AppError::Internal(format!("xlsx: {e}"));
    let bold = Format::new().set_bold();
    let hours = Format::new().set_num_format("0.0");
    let rate = Format::new().set_num_format("0.0%");
    let mut workbook = Workbook::new();
    for table in tables {
        let sheet = workbook.add_worksheet();
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
pub fn to_csv(heading: &Heading, tables: &[Table]) -> Result<Vec<u8>, AppError> {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(csv_lines(Some(heading), tables)?);
    Ok(bytes)
}

/// What a report says, as text without the time it was made: two downloads of unchanged
/// figures give the same text, so a month sent upward can be compared with its figures now.
pub fn content(tables: &[Table]) -> Result<String, AppError> {
    let tables = String::from_utf8(csv_lines(None, tables)?)
        .map_err(|e| AppError::Internal(format!("csv: {e}")))?;
    Ok(format!("{REPORT_FORMAT}\n{tables}"))
}

/// The first line of a report's content: which tables it has. A month sent before the
/// report gained tables differs from it by its format, not by its figures.
const REPORT_FORMAT: &str = "微益坊报表格式 2";

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

fn csv_lines(heading: Option<&Heading>, tables: &[Table]) -> Result<Vec<u8>, AppError> {
    let fail = |e: csv::Error| AppError::Internal(format!("csv: {e}"));
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
        .map_err(|e| AppError::Internal(format!("csv: {e}")))
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
