//! The funding ledger: money in, by source, in fen. Entries are never edited or deleted;
//! a mistake is cancelled by a reversal entry that points to it, with a reason. Every
//! total is the plain sum of the entries, reversals included.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate, Utc};
use member::entities::person;
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, Set, SqlErr};
use serde::Serialize;

use crate::ProjectError;
use crate::entities::{funding_entry, project};
use crate::money::{self, plain_yuan};
use crate::projects::{self, organization_names};

/// Where money comes from.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, EnumIter, DeriveActiveEnum, Serialize,
)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(20))")]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// 公益基金
    #[sea_orm(string_value = "fund_grant")]
    FundGrant,
    /// 居民众筹
    #[sea_orm(string_value = "crowdfunding")]
    Crowdfunding,
    /// 单位支持
    #[sea_orm(string_value = "unit_support")]
    UnitSupport,
    /// 捐款
    #[sea_orm(string_value = "donation")]
    Donation,
    /// 社区公共收益
    #[sea_orm(string_value = "community_income")]
    CommunityIncome,
}

impl Source {
    pub const ALL: &'static [Source] = &[
        Source::FundGrant,
        Source::Crowdfunding,
        Source::UnitSupport,
        Source::Donation,
        Source::CommunityIncome,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Source::FundGrant => "fund_grant",
            Source::Crowdfunding => "crowdfunding",
            Source::UnitSupport => "unit_support",
            Source::Donation => "donation",
            Source::CommunityIncome => "community_income",
        }
    }

    pub fn parse(input: &str) -> Option<Source> {
        Source::ALL
            .iter()
            .copied()
            .find(|s| s.as_str() == input.trim())
    }

    /// The word in exported ledgers.
    pub fn label(self) -> &'static str {
        match self {
            Source::FundGrant => "公益基金",
            Source::Crowdfunding => "居民众筹",
            Source::UnitSupport => "单位支持",
            Source::Donation => "捐款",
            Source::CommunityIncome => "社区公共收益",
        }
    }
}

/// An entry as typed.
#[derive(Clone, Debug, Default)]
pub struct EntryInput {
    pub source: String,
    /// Yuan, as typed: `250000`, `250,000.00`.
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub received_on: String,
    pub contributor: String,
    /// A whole number or empty: "11000" households.
    pub contributor_count: String,
    pub note: String,
}

fn require_manager(actor: &Actor, project: &project::Model) -> Result<(), ProjectError> {
    if actor.can_manage_org(project.organization_id) {
        Ok(())
    } else {
        Err(ProjectError::Forbidden)
    }
}

/// Records money a project received.
/// Money received as typed, every field checked.
struct Checked {
    source: Source,
    amount: i64,
    received_on: NaiveDate,
    contributor: String,
    contributor_count: Option<i32>,
}

impl EntryInput {
    /// A source, an amount in yuan, a day not in the future, who gave it (and how many
    /// they were), a short note.
    fn checked(&self, today: NaiveDate) -> Result<Checked, ProjectError> {
        let mut errors = Vec::new();
        let source = Source::parse(&self.source);
        if source.is_none() {
            errors.push(FieldError::new("source", "error-choose-one"));
        }
        let amount = money::parse_yuan(&self.amount)
            .map_err(|reason| errors.push(FieldError::new("amount", reason)))
            .ok();
        let received_on = match NaiveDate::parse_from_str(self.received_on.trim(), "%Y-%m-%d") {
            Ok(date) if date <= today && date.year() >= 2000 => Some(date),
            _ if self.received_on.trim().is_empty() => {
                errors.push(FieldError::new("received_on", "error-required"));
                None
            }
            _ => {
                errors.push(FieldError::new("received_on", "error-date-invalid"));
                None
            }
        };
        let contributor = self.contributor.trim();
        if contributor.is_empty() {
            errors.push(FieldError::new("contributor", "error-required"));
        } else if contributor.chars().count() > 100 {
            errors.push(FieldError::new("contributor", "error-too-long"));
        }
        let contributor_count = match self
            .contributor_count
            .trim()
            .replace([',', '，'], "")
            .as_str()
        {
            "" => None,
            typed => match typed.parse::<i32>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    errors.push(FieldError::new("contributor_count", "error-count-invalid"));
                    None
                }
            },
        };
        if self.note.chars().count() > 500 {
            errors.push(FieldError::new("note", "error-too-long"));
        }
        match (source, amount, received_on, errors.is_empty()) {
            (Some(source), Some(amount), Some(received_on), true) => Ok(Checked {
                source,
                amount,
                received_on,
                contributor: contributor.to_owned(),
                contributor_count,
            }),
            _ => Err(ProjectError::Invalid(errors)),
        }
    }
}

pub async fn record(
    db: &DatabaseConnection,
    actor: &Actor,
    project_id: Uuid,
    input: &EntryInput,
    today: NaiveDate,
) -> Result<funding_entry::Model, ProjectError> {
    let found = projects::find(db, project_id).await?;
    require_manager(actor, &found)?;
    let Checked {
        source,
        amount,
        received_on,
        contributor,
        contributor_count,
    } = input.checked(today)?;
    let txn = tx::begin_write(db).await?;
    let entry = funding_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(found.id),
        source: Set(source),
        amount_fen: Set(amount),
        received_on: Set(received_on),
        contributor: Set(contributor),
        contributor_count: Set(contributor_count),
        note: Set(input.note.trim().to_owned()),
        reverses_id: Set(None),
        recorded_by: Set(actor.person_id),
        recorded_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "funding.record",
        "project",
        Some(found.id),
        format!("{} {}", source.as_str(), plain_yuan(amount)),
    )
    .await?;
    txn.commit().await?;
    Ok(entry)
}

/// Cancels an entry with a reversal: the same source, the amount negated, a reason.
/// A reversal cannot be reversed, an entry is reversed once, and only within its project.
pub async fn reverse(
    db: &DatabaseConnection,
    actor: &Actor,
    project_id: Uuid,
    entry_id: Uuid,
    reason: &str,
    today: NaiveDate,
) -> Result<funding_entry::Model, ProjectError> {
    let found = projects::find(db, project_id).await?;
    require_manager(actor, &found)?;
    let original = funding_entry::Entity::find_by_id(entry_id)
        .one(db)
        .await?
        .ok_or(ProjectError::NotFound)?;
    if original.project_id != found.id {
        return Err(ProjectError::field("entry", "error-entry-other-project"));
    }
    if original.reverses_id.is_some() {
        return Err(ProjectError::field("entry", "error-reverse-reversal"));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(ProjectError::field("reason", "error-required"));
    }
    if reason.chars().count() > 500 {
        return Err(ProjectError::field("reason", "error-too-long"));
    }
    let txn = tx::begin_write(db).await?;
    let reversal = funding_entry::ActiveModel {
        id: Set(Uuid::now_v7()),
        project_id: Set(found.id),
        source: Set(original.source),
        amount_fen: Set(-original.amount_fen),
        received_on: Set(today),
        contributor: Set(original.contributor.clone()),
        contributor_count: Set(original.contributor_count),
        note: Set(reason.to_owned()),
        reverses_id: Set(Some(original.id)),
        recorded_by: Set(actor.person_id),
        recorded_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await
    // The unique index on `reverses_id`: of two reversals at once, one wins.
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            ProjectError::field("entry", "error-already-reversed")
        }
        _ => ProjectError::Database(err),
    })?;
    // A 公益创投 tranche reversed is no longer paid against its award.
    crate::rounds::awards::unpay(&txn, &original).await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "funding.reverse",
        "project",
        Some(found.id),
        format!(
            "{} {}",
            original.source.as_str(),
            plain_yuan(-original.amount_fen)
        ),
    )
    .await?;
    txn.commit().await?;
    Ok(reversal)
}

/// One line of a ledger, with what the page needs to show it.
#[derive(Clone, Debug)]
pub struct LedgerLine {
    pub entry: funding_entry::Model,
    /// The reversal that cancelled this entry, if any.
    pub reversed_by: Option<Uuid>,
    pub recorded_by_name: String,
}

/// A project's ledger, oldest first.
pub async fn entries(
    db: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<Vec<LedgerLine>, ProjectError> {
    let entries = funding_entry::Entity::find()
        .filter(funding_entry::Column::ProjectId.eq(project_id))
        .order_by_asc(funding_entry::Column::ReceivedOn)
        .order_by_asc(funding_entry::Column::RecordedAt)
        .all(db)
        .await?;
    lines(db, entries).await
}

async fn lines(
    db: &impl ConnectionTrait,
    entries: Vec<funding_entry::Model>,
) -> Result<Vec<LedgerLine>, ProjectError> {
    let reversed: HashMap<Uuid, Uuid> = entries
        .iter()
        .filter_map(|e| e.reverses_id.map(|original| (original, e.id)))
        .collect();
    let people: Vec<Uuid> = entries.iter().map(|e| e.recorded_by).collect();
    let names: HashMap<Uuid, String> = person::Entity::find()
        .filter(person::Column::Id.is_in(people))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    Ok(entries
        .into_iter()
        .map(|entry| LedgerLine {
            reversed_by: reversed.get(&entry.id).copied(),
            recorded_by_name: names.get(&entry.recorded_by).cloned().unwrap_or_default(),
            entry,
        })
        .collect())
}

/// Sums in fen, grouped.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Totals {
    pub total: i64,
    pub by_source: BTreeMap<Source, i64>,
}

impl Totals {
    fn add(&mut self, entry: &funding_entry::Model) {
        self.total += entry.amount_fen;
        *self.by_source.entry(entry.source).or_default() += entry.amount_fen;
    }
}

/// A project's totals.
pub fn totals(lines: &[LedgerLine]) -> Totals {
    let mut totals = Totals::default();
    for line in lines {
        totals.add(&line.entry);
    }
    totals
}

/// The funding overview for staff: totals overall, per source, per organization, per
/// project and per year, for entries received in `[from, until]` (either end open).
pub struct Overview {
    pub all: Totals,
    pub by_organization: Vec<(String, Totals)>,
    pub by_project: Vec<(Uuid, String, Totals)>,
    pub by_year: Vec<(i32, Totals)>,
}

async fn entries_between(
    db: &impl ConnectionTrait,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    project_id: Option<Uuid>,
) -> Result<Vec<funding_entry::Model>, ProjectError> {
    let mut query = funding_entry::Entity::find();
    if let Some(from) = from {
        query = query.filter(funding_entry::Column::ReceivedOn.gte(from));
    }
    if let Some(until) = until {
        query = query.filter(funding_entry::Column::ReceivedOn.lte(until));
    }
    if let Some(project_id) = project_id {
        query = query.filter(funding_entry::Column::ProjectId.eq(project_id));
    }
    Ok(query
        .order_by_asc(funding_entry::Column::ReceivedOn)
        .order_by_asc(funding_entry::Column::RecordedAt)
        .all(db)
        .await?)
}

pub async fn overview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
) -> Result<Overview, ProjectError> {
    if !actor.is_staff() {
        return Err(ProjectError::Forbidden);
    }
    let entries = entries_between(db, from, until, None).await?;
    let projects: HashMap<Uuid, project::Model> = project::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let org_names = organization_names(db, projects.values().map(|p| p.organization_id)).await?;
    let mut all = Totals::default();
    let mut by_org: BTreeMap<String, Totals> = BTreeMap::new();
    let mut by_project: BTreeMap<(String, Uuid), Totals> = BTreeMap::new();
    let mut by_year: BTreeMap<i32, Totals> = BTreeMap::new();
    for entry in &entries {
        all.add(entry);
        by_year
            .entry(entry.received_on.year())
            .or_default()
            .add(entry);
        if let Some(project) = projects.get(&entry.project_id) {
            let org = org_names
                .get(&project.organization_id)
                .cloned()
                .unwrap_or_default();
            by_org.entry(org).or_default().add(entry);
            by_project
                .entry((project.title.clone(), project.id))
                .or_default()
                .add(entry);
        }
    }
    Ok(Overview {
        all,
        by_organization: by_org.into_iter().collect(),
        by_project: by_project
            .into_iter()
            .map(|((title, id), t)| (id, title, t))
            .collect(),
        by_year: by_year.into_iter().collect(),
    })
}

/// One row of an exported ledger.
#[derive(Clone, Debug, Serialize)]
pub struct ExportRow {
    pub received_on: NaiveDate,
    pub project: String,
    pub organization: String,
    pub source: &'static str,
    /// Yuan with two decimals, e.g. `250000.00`; reversals negative.
    pub amount: String,
    pub amount_fen: i64,
    pub contributor: String,
    pub contributor_count: Option<i32>,
    pub note: String,
    pub reverses: String,
    pub recorded_by: String,
}

pub const EXPORT_HEADER: [&str; 11] = [
    "日期",
    "项目",
    "组织",
    "来源",
    "金额（元）",
    "金额（分）",
    "出资方",
    "出资方数量",
    "备注",
    "冲销",
    "登记人",
];

/// The column of the amount in fen: an integer, which a spreadsheet stores exactly.
const FEN_COLUMN: u16 = 5;

/// The ledger for a period: all projects for staff, or one project for its managers.
/// Logged.
impl ExportRow {
    /// An entry as a line of the export; a reversal names the entry it reverses by the
    /// first eight characters of its id.
    fn of(
        line: LedgerLine,
        project: Option<&project::Model>,
        organization: Option<&String>,
        short_ids: &HashMap<Uuid, String>,
    ) -> ExportRow {
        let entry = line.entry;
        let reverses = entry.reverses_id.map(|id| {
            short_ids
                .get(&id)
                .cloned()
                .unwrap_or_else(|| id.to_string())
        });
        ExportRow {
            received_on: entry.received_on,
            project: project.map(|p| p.title.clone()).unwrap_or_default(),
            organization: organization.cloned().unwrap_or_default(),
            source: entry.source.label(),
            amount: plain_yuan(entry.amount_fen),
            amount_fen: entry.amount_fen,
            contributor: entry.contributor,
            contributor_count: entry.contributor_count,
            note: entry.note,
            reverses: reverses.unwrap_or_default(),
            recorded_by: line.recorded_by_name,
        }
    }
}

pub async fn export_rows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    project_id: Option<Uuid>,
    from: Option<NaiveDate>,
    until: Option<NaiveDate>,
    format: &str,
) -> Result<Vec<ExportRow>, ProjectError> {
    match project_id {
        Some(id) => require_manager(actor, &projects::find(db, id).await?)?,
        None if actor.is_staff() => {}
        None => return Err(ProjectError::Forbidden),
    }
    let entries = entries_between(db, from, until, project_id).await?;
    let projects: HashMap<Uuid, project::Model> = project::Entity::find()
        .filter(project::Column::Id.is_in(entries.iter().map(|e| e.project_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let org_names = organization_names(db, projects.values().map(|p| p.organization_id)).await?;
    let short_ids: HashMap<Uuid, String> = entries
        .iter()
        .map(|e| (e.id, e.id.simple().to_string()[..8].to_owned()))
        .collect();
    let rows: Vec<ExportRow> = lines(db, entries)
        .await?
        .into_iter()
        .map(|line| {
            let project = projects.get(&line.entry.project_id);
            let organization = project.and_then(|p| org_names.get(&p.organization_id));
            ExportRow::of(line, project, organization, &short_ids)
        })
        .collect();
    audit::record(
        db,
        Some(actor.person_id),
        "funding.export",
        "project",
        project_id,
        format!("{format}, {} rows", rows.len()),
    )
    .await?;
    Ok(rows)
}

fn export_cells(row: &ExportRow) -> [String; 11] {
    [
        row.received_on.format("%Y-%m-%d").to_string(),
        row.project.clone(),
        row.organization.clone(),
        row.source.to_owned(),
        row.amount.clone(),
        row.amount_fen.to_string(),
        row.contributor.clone(),
        row.contributor_count
            .map(|n| n.to_string())
            .unwrap_or_default(),
        row.note.clone(),
        row.reverses.clone(),
        row.recorded_by.clone(),
    ]
}

/// CSV with a byte-order mark, so Excel in China opens it as UTF-8.
pub fn to_csv(rows: &[ExportRow]) -> Result<Vec<u8>, ProjectError> {
    let fail = |e: csv::Error| ProjectError::Internal(e.to_string());
    let mut writer = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    writer.write_record(EXPORT_HEADER).map_err(fail)?;
    for row in rows {
        let cells = export_cells(row);
        writer
            .write_record(
                cells
                    .iter()
                    .map(|c| member::fields::csv_safe(c).into_owned()),
            )
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| ProjectError::Internal(e.to_string()))
}

/// An `.xlsx`: yuan as text (exactly as on screen) and fen as an integer cell, which
/// Excel stores exactly and can sum.
pub fn to_xlsx(rows: &[ExportRow]) -> Result<Vec<u8>, ProjectError> {
    let fail = |e: rust_xlsxwriter::XlsxError| ProjectError::Internal(e.to_string());
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("资金台账").map_err(fail)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (column, title) in EXPORT_HEADER.iter().enumerate() {
        let column = u16::try_from(column).unwrap_or(0);
        sheet
            .write_string_with_format(0, column, *title, &bold)
            .map_err(fail)?;
    }
    for (index, row) in rows.iter().enumerate() {
        let line = u32::try_from(index + 1).map_err(|e| ProjectError::Internal(e.to_string()))?;
        for (column, cell) in export_cells(row).into_iter().enumerate() {
            let column = u16::try_from(column).unwrap_or(0);
            if column == FEN_COLUMN {
                // Integers below 2^53 are exact in a spreadsheet's numbers; an entry is at
                // most 10^10 fen.
                sheet
                    .write_number(line, column, row.amount_fen as f64)
                    .map_err(fail)?;
            } else {
                sheet.write_string(line, column, cell).map_err(fail)?;
            }
        }
    }
    for (column, width) in [
        12.0, 24.0, 20.0, 12.0, 16.0, 14.0, 18.0, 10.0, 24.0, 10.0, 10.0,
    ]
    .into_iter()
    .enumerate()
    {
        sheet
            .set_column_width(u16::try_from(column).unwrap_or(0), width)
            .map_err(fail)?;
    }
    workbook.save_to_buffer().map_err(fail)
}
