//! Review: staff assign reviewers to a round (staff or outside experts with an account;
//! they review only the rounds they are assigned to). A reviewer scores each submitted
//! application per criterion (0–100) with a comment while the round is under review; no
//! one reviews an organization they belong to, and no reviewer sees another's scores
//! until the review has closed. The ranking is by the mean over reviewers of each
//! reviewer's weighted score.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use member::{Actor, Phone, audit, memberships, tx};
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, PaginatorTrait, Set};

use super::applications::{Application, find_application, submitted};
use super::{Criterion, Phase, criteria, find_round, phase, require_staff};
use crate::ProjectError;
use crate::entities::{venture_reviewer as reviewer, venture_score as score};

/// Staff assign someone with an account (by phone) to review a round.
pub async fn assign_reviewer(
    db: &DatabaseConnection,
    actor: &Actor,
    round_id: Uuid,
    phone: &str,
) -> Result<Uuid, ProjectError> {
    require_staff(actor)?;
    let round = find_round(db, round_id).await?;
    let phone = Phone::parse("phone", phone).map_err(|e| ProjectError::Invalid(vec![e]))?;
    let person = memberships::find_person_by_phone(db, &phone)
        .await?
        .ok_or_else(|| ProjectError::field("phone", "error-reviewer-unknown"))?;
    let txn = tx::begin_write(db).await?;
    let known = reviewer::Entity::find_by_id((round.id, person.id))
        .one(&txn)
        .await?
        .is_some();
    if !known {
        reviewer::ActiveModel {
            round_id: Set(round.id),
            person_id: Set(person.id),
        }
        .insert(&txn)
        .await?;
        audit::record(
            &txn,
            Some(actor.person_id),
            "round.reviewer_assign",
            "person",
            Some(person.id),
            round.title.clone(),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(person.id)
}

/// The reviewers of a round: (person id, name).
pub async fn reviewers(
    db: &impl ConnectionTrait,
    round_id: Uuid,
) -> Result<Vec<(Uuid, String)>, ProjectError> {
    let ids: Vec<Uuid> = reviewer::Entity::find()
        .filter(reviewer::Column::RoundId.eq(round_id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| r.person_id)
        .collect();
    let mut found = Vec::new();
    for id in ids {
        let (name, _) = member::privacy::name_and_phone(db, id).await?;
        found.push((id, name));
    }
    Ok(found)
}

pub async fn is_reviewer(
    db: &impl ConnectionTrait,
    round_id: Uuid,
    person_id: Uuid,
) -> Result<bool, ProjectError> {
    Ok(reviewer::Entity::find_by_id((round_id, person_id))
        .count(db)
        .await?
        > 0)
}

/// A reviewer's scores as typed, one (score, comment) per criterion in order.
pub type ScoreInput = Vec<(String, String)>;

/// An assigned reviewer scores an application while the round is under review (again, to
/// change their scores); never one of an organization they belong to.
pub async fn score_application(
    db: &DatabaseConnection,
    actor: &Actor,
    application_id: Uuid,
    input: &ScoreInput,
    now: DateTime<Utc>,
) -> Result<(), ProjectError> {
    let found = find_application(db, application_id).await?;
    let round = find_round(db, found.round_id).await?;
    if !is_reviewer(db, round.id, actor.person_id).await? || found.status != "submitted" {
        return Err(ProjectError::NotFound);
    }
    if conflicted(db, actor, &found).await? {
        return Err(ProjectError::field("score", "error-reviewer-conflict"));
    }
    if phase(&round, now) != Phase::Reviewing {
        return Err(ProjectError::field("score", "error-review-closed"));
    }
    let scores = checked_scores(criteria(&round).len(), input)?;
    let txn = tx::begin_write(db).await?;
    score::Entity::delete_many()
        .filter(score::Column::ApplicationId.eq(found.id))
        .filter(score::Column::ReviewerId.eq(actor.person_id))
        .exec(&txn)
        .await?;
    for (criterion, value, comment) in scores {
        score::ActiveModel {
            application_id: Set(found.id),
            reviewer_id: Set(actor.person_id),
            criterion: Set(criterion),
            score: Set(value),
            comment: Set(comment),
            scored_at: Set(now),
        }
        .insert(&txn)
        .await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        "round.score",
        "organization",
        Some(found.organization_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// One whole score from 0 to 100 per criterion, each with a short comment:
/// (criterion, score, comment).
fn checked_scores(
    criteria: usize,
    input: &ScoreInput,
) -> Result<Vec<(i32, i32, String)>, ProjectError> {
    if input.len() != criteria {
        return Err(ProjectError::field("score", "error-score-invalid"));
    }
    let mut scores = Vec::new();
    for (n, (typed, comment)) in input.iter().enumerate() {
        match typed.trim().parse::<i32>() {
            Ok(value) if (0..=100).contains(&value) && comment.chars().count() <= 1000 => {
                scores.push((
                    i32::try_from(n).unwrap_or(0),
                    value,
                    comment.trim().to_owned(),
                ));
            }
            _ => return Err(ProjectError::field("score", "error-score-invalid")),
        }
    }
    Ok(scores)
}

/// The reviewer belongs to the applying organization.
async fn conflicted(
    db: &impl ConnectionTrait,
    actor: &Actor,
    found: &Application,
) -> Result<bool, ProjectError> {
    Ok(memberships::current_organizations_of(db, actor.person_id)
        .await?
        .contains(&found.organization_id))
}

/// One reviewer's weighted score of an application, in hundredths (0–10000).
fn weighted(list: &[Criterion], scores: &[score::Model]) -> Option<i64> {
    if scores.len() != list.len() {
        return None;
    }
    let total: i64 = scores
        .iter()
        .map(|s| {
            let weight = list
                .get(usize::try_from(s.criterion).unwrap_or(usize::MAX))
                .map_or(0, |c| c.weight);
            i64::from(weight) * i64::from(s.score)
        })
        .sum();
    // Weights add up to 100: the sum is already in hundredths of a point.
    Some(total)
}

/// An application in the ranking.
#[derive(Clone, Debug)]
pub struct Ranked {
    pub application: Application,
    /// Mean weighted score in hundredths, once visible; none before.
    pub mean: Option<i64>,
    /// How many reviewers have scored it.
    pub reviews: usize,
    /// The reader's own scores, if they reviewed it: (criterion, score, comment).
    pub mine: Vec<(i32, i32, String)>,
    /// The reader may not review it (they belong to the organization).
    pub conflicted: bool,
}

/// The submitted applications as staff and the round's reviewers see them. Means (and the
/// order by them) only once the review has closed; before, each reviewer sees their own.
pub async fn ranking(
    db: &impl ConnectionTrait,
    actor: &Actor,
    round_id: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Ranked>, ProjectError> {
    let round = find_round(db, round_id).await?;
    let reviewing = is_reviewer(db, round.id, actor.person_id).await?;
    if !actor.is_staff() && !reviewing {
        return Err(ProjectError::Forbidden);
    }
    let closed = !matches!(
        phase(&round, now),
        Phase::Upcoming | Phase::Applying | Phase::Reviewing
    );
    rank(db, &round, Some(actor.person_id), closed).await
}

/// The submitted applications of a round with their scores: the means (and the order by
/// them) when `closed`, the reader's own scores always.
pub(super) async fn rank(
    db: &impl ConnectionTrait,
    round: &super::Round,
    reader: Option<Uuid>,
    closed: bool,
) -> Result<Vec<Ranked>, ProjectError> {
    let list = criteria(round);
    let applications = submitted(db, round.id).await?;
    let mut scores: HashMap<Uuid, Vec<score::Model>> = HashMap::new();
    for s in score::Entity::find()
        .filter(score::Column::ApplicationId.is_in(applications.iter().map(|a| a.id)))
        .all(db)
        .await?
    {
        scores.entry(s.application_id).or_default().push(s);
    }
    let mine_orgs = match reader {
        Some(person) => memberships::current_organizations_of(db, person).await?,
        None => Vec::new(),
    };
    let mut ranked: Vec<Ranked> = applications
        .into_iter()
        .map(|application| {
            let all = scores.remove(&application.id).unwrap_or_default();
            let mut by_reviewer: HashMap<Uuid, Vec<score::Model>> = HashMap::new();
            for s in all {
                by_reviewer.entry(s.reviewer_id).or_default().push(s);
            }
            let means: Vec<i64> = by_reviewer
                .values()
                .filter_map(|s| weighted(&list, s))
                .collect();
            let mean = (closed && !means.is_empty())
                .then(|| means.iter().sum::<i64>() / i64::try_from(means.len()).unwrap_or(1));
            let mut mine: Vec<(i32, i32, String)> = reader
                .and_then(|person| by_reviewer.remove(&person))
                .unwrap_or_default()
                .into_iter()
                .map(|s| (s.criterion, s.score, s.comment))
                .collect();
            mine.sort_by_key(|m| m.0);
            Ranked {
                conflicted: mine_orgs.contains(&application.organization_id),
                reviews: means.len(),
                application,
                mean,
                mine,
            }
        })
        .collect();
    if closed {
        ranked.sort_by_key(|r| std::cmp::Reverse(r.mean.unwrap_or(-1)));
    }
    Ok(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scored(criterion: i32, value: i32) -> score::Model {
        score::Model {
            application_id: Uuid::nil(),
            reviewer_id: Uuid::nil(),
            criterion,
            score: value,
            comment: String::new(),
            scored_at: Utc::now(),
        }
    }

    #[test]
    fn a_weighted_score_weighs_each_criterion() {
        let list = super::super::parse_criteria("需求 30, 可行性 30, 预算 20, 可持续 20").unwrap();
        let all = [scored(0, 90), scored(1, 80), scored(2, 70), scored(3, 60)];
        // 0.3·90 + 0.3·80 + 0.2·70 + 0.2·60 = 77.00
        assert_eq!(weighted(&list, &all), Some(7700));
        assert_eq!(
            weighted(&list, &all[..3]),
            None,
            "incomplete scores do not count"
        );
    }
}
