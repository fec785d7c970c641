//! 公益创投: funding rounds. Staff open a round (budget, themes, who may apply, dates,
//! weighted criteria); leaders apply for their organization; assigned reviewers score
//! each application; staff award amounts within the budget and announce the results,
//! which are posted publicly for some days before they stand; each award then becomes a
//! project paid in tranches against mid-term and final reports.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use member::fields::text;
use member::orgs::{Stage, Theme};
use member::{Actor, FieldError, audit, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, Set};
use serde::{Deserialize, Serialize};

use crate::ProjectError;
use crate::entities::venture_round as round;
use crate::money;

pub mod applications;
pub mod awards;
pub mod reports;
pub mod review;
pub mod summary;

pub use round::Model as Round;

/// Where a round stands, by its dates and whether results were announced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Announced, applications not open yet.
    Upcoming,
    /// 申报中: leaders submit applications.
    Applying,
    /// 评审中: reviewers score.
    Reviewing,
    /// 评审结束: staff decide awards, then announce.
    Deciding,
    /// 公示中: results posted, not yet standing.
    Posted,
    /// 已生效: awards stand and become projects.
    Standing,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Upcoming => "upcoming",
            Phase::Applying => "applying",
            Phase::Reviewing => "reviewing",
            Phase::Deciding => "deciding",
            Phase::Posted => "posted",
            Phase::Standing => "standing",
        }
    }
}

fn shanghai_today(now: DateTime<Utc>) -> NaiveDate {
    member::fields::shanghai_date(now)
}

/// When a round's announced results stand: the start of the day `publicity_days` after
/// the day of announcement (Shanghai).
pub fn stands_at(found: &Round) -> Option<DateTime<Utc>> {
    let announced = shanghai_today(found.announced_at?);
    let day = announced + Duration::days(i64::from(found.publicity_days));
    day.and_time(NaiveTime::MIN)
        .and_local_timezone(member::fields::shanghai())
        .single()
        .map(|t| t.with_timezone(&Utc))
}

pub fn phase(found: &Round, now: DateTime<Utc>) -> Phase {
    let today = shanghai_today(now);
    if found.announced_at.is_some() {
        return match stands_at(found) {
            Some(at) if now < at => Phase::Posted,
            _ => Phase::Standing,
        };
    }
    if today < found.opens_on {
        Phase::Upcoming
    } else if today <= found.closes_on {
        Phase::Applying
    } else if today <= found.review_until {
        Phase::Reviewing
    } else {
        Phase::Deciding
    }
}

/// A scoring criterion and its weight (the weights of a round add up to 100).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub weight: i32,
}

pub fn criteria(found: &Round) -> Vec<Criterion> {
    serde_json::from_str(&found.criteria).unwrap_or_default()
}

pub fn themes(found: &Round) -> Vec<Theme> {
    found.themes.split(',').filter_map(Theme::parse).collect()
}

pub fn stages(found: &Round) -> Vec<Stage> {
    found.stages.split(',').filter_map(Stage::parse).collect()
}

/// A round as typed.
#[derive(Clone, Debug, Default)]
pub struct RoundInput {
    pub title: String,
    pub description: String,
    /// Yuan, as typed.
    pub budget: String,
    pub themes: Vec<String>,
    pub stages: Vec<String>,
    /// `YYYY-MM-DD`.
    pub opens_on: String,
    pub closes_on: String,
    pub review_until: String,
    /// `需求 30, 可行性 30, 预算 20, 可持续 20`: names and weights adding up to 100.
    pub criteria: String,
    /// Days results are posted before they stand.
    pub publicity_days: String,
}

/// `需求 30，可行性：30` → criteria; the weights must add up to 100.
pub fn parse_criteria(input: &str) -> Result<Vec<Criterion>, &'static str> {
    let mut found = Vec::new();
    for part in input
        .split([',', '，', '\n', ';', '；'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let cut = part
            .rfind(|c: char| c.is_whitespace() || c == ':' || c == '：')
            .ok_or("error-criteria")?;
        let name = part[..cut].trim().trim_end_matches([':', '：']).trim();
        let weight: i32 = part[cut..]
            .trim_start_matches([':', '：'])
            .trim()
            .parse()
            .map_err(|_| "error-criteria")?;
        if name.is_empty() || name.chars().count() > 20 || !(1..=100).contains(&weight) {
            return Err("error-criteria");
        }
        found.push(Criterion {
            name: name.to_owned(),
            weight,
        });
    }
    if found.is_empty() || found.len() > 10 || found.iter().map(|c| c.weight).sum::<i32>() != 100 {
        return Err("error-criteria");
    }
    Ok(found)
}

struct ValidRound {
    title: String,
    description: String,
    budget: i64,
    themes: Vec<Theme>,
    stages: Vec<Stage>,
    dates: [NaiveDate; 3],
    criteria: Vec<Criterion>,
    publicity_days: i32,
}

impl RoundInput {
    fn validate(&self) -> Result<ValidRound, ProjectError> {
        let mut errors = Vec::new();
        let title = text(&mut errors, "title", &self.title, 100, true);
        let description = text(&mut errors, "description", &self.description, 4000, false);
        let budget = money::parse_yuan(&self.budget)
            .map_err(|reason| errors.push(FieldError::new("budget", reason)))
            .ok();
        let themes: Vec<Theme> = self.themes.iter().filter_map(|t| Theme::parse(t)).collect();
        let stages: Vec<Stage> = self.stages.iter().filter_map(|s| Stage::parse(s)).collect();
        if stages.is_empty() {
            errors.push(FieldError::new("stages", "error-choose-one"));
        }
        let mut date = |field: &'static str, input: &str| {
            NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| member::fields::plausible_date(*d))
                .or_else(|| {
                    errors.push(FieldError::new(field, "error-date-invalid"));
                    None
                })
        };
        let opens = date("opens_on", &self.opens_on);
        let closes = date("closes_on", &self.closes_on);
        let review = date("review_until", &self.review_until);
        if let (Some(o), Some(c)) = (opens, closes)
            && c < o
        {
            errors.push(FieldError::new("closes_on", "error-end-before-start"));
        }
        if let (Some(c), Some(r)) = (closes, review)
            && r <= c
        {
            errors.push(FieldError::new("review_until", "error-review-after-close"));
        }
        let criteria = parse_criteria(&self.criteria)
            .map_err(|reason| errors.push(FieldError::new("criteria", reason)))
            .ok();
        let publicity_days = match self.publicity_days.trim().parse::<i32>() {
            Ok(days) if (0..=30).contains(&days) => Some(days),
            _ => {
                errors.push(FieldError::new("publicity_days", "error-count-invalid"));
                None
            }
        };
        match (budget, opens, closes, review, criteria, publicity_days) {
            (Some(budget), Some(o), Some(c), Some(r), Some(criteria), Some(publicity_days))
                if errors.is_empty() =>
            {
                Ok(ValidRound {
                    title,
                    description,
                    budget,
                    themes,
                    stages,
                    dates: [o, c, r],
                    criteria,
                    publicity_days,
                })
            }
            _ => Err(ProjectError::Invalid(errors)),
        }
    }
}

fn require_staff(actor: &Actor) -> Result<(), ProjectError> {
    if actor.is_staff() {
        Ok(())
    } else {
        Err(ProjectError::Forbidden)
    }
}

/// Staff open a round.
pub async fn create_round(
    db: &DatabaseConnection,
    actor: &Actor,
    input: &RoundInput,
    now: DateTime<Utc>,
) -> Result<Round, ProjectError> {
    require_staff(actor)?;
    let valid = input.validate()?;
    let join = |items: Vec<&str>| items.join(",");
    let txn = tx::begin_write(db).await?;
    let created = round::ActiveModel {
        id: Set(Uuid::now_v7()),
        title: Set(valid.title),
        description: Set(valid.description),
        budget_fen: Set(valid.budget),
        awarded_fen: Set(0),
        themes: Set(join(valid.themes.iter().map(|t| t.as_str()).collect())),
        stages: Set(join(valid.stages.iter().map(|s| s.as_str()).collect())),
        opens_on: Set(valid.dates[0]),
        closes_on: Set(valid.dates[1]),
        review_until: Set(valid.dates[2]),
        criteria: Set(serde_json::to_string(&valid.criteria).unwrap_or_default()),
        publicity_days: Set(valid.publicity_days),
        announced_at: Set(None),
        created_by: Set(actor.person_id),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "round.create",
        "round",
        Some(created.id),
        money::plain_yuan(created.budget_fen),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Every round, newest first (public: rounds and results are announced openly).
pub async fn rounds(db: &impl ConnectionTrait) -> Result<Vec<Round>, ProjectError> {
    Ok(round::Entity::find()
        .order_by_desc(round::Column::OpensOn)
        .order_by_desc(round::Column::CreatedAt)
        .all(db)
        .await?)
}

pub async fn find_round(db: &impl ConnectionTrait, round_id: Uuid) -> Result<Round, ProjectError> {
    round::Entity::find_by_id(round_id)
        .one(db)
        .await?
        .ok_or(ProjectError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn criteria_are_names_with_weights_adding_up_to_100() {
        let parsed = parse_criteria("需求 30，可行性：30, 预算 20\n可持续 20").unwrap();
        assert_eq!(parsed.len(), 4);
        assert_eq!((parsed[1].name.as_str(), parsed[1].weight), ("可行性", 30));
        assert_eq!(parse_criteria("需求 30, 可行性 30"), Err("error-criteria"));
        assert_eq!(parse_criteria("需求"), Err("error-criteria"));
        assert_eq!(parse_criteria(""), Err("error-criteria"));
    }
}
