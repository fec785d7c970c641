//! A reviewer's scores of a round's applications.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::Actor;
use project::ProjectError;
use project::money::format_yuan;
use project::rounds::applications::{self};
use project::rounds::{self, Phase, review};
use serde::Serialize;
use uuid::Uuid;

use super::work::{Failed, done, field, messages, pairs, unprocessable};
use super::{phase_label, points};
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

#[derive(Serialize)]
struct CriterionScore {
    n: usize,
    name: String,
    weight: i32,
    score: String,
    comment: String,
}

#[derive(Serialize)]
struct ReviewItem {
    id: Uuid,
    organization: String,
    title: String,
    plan: String,
    goals: String,
    beneficiaries: String,
    budget: Vec<String>,
    request: String,
    mean: Option<String>,
    reviews: usize,
    conflicted: bool,
    scores: Vec<CriterionScore>,
    errors: Vec<String>,
}

#[derive(Serialize)]
struct ReviewPage {
    round_id: Uuid,
    round_title: String,
    phase_label: String,
    reviewing: bool,
    until: String,
    items: Vec<ReviewItem>,
}

impl ReviewItem {
    /// An application to score: the reader's own scores (or what they just typed).
    fn of(
        lang: Lang,
        criteria: &[rounds::Criterion],
        r: review::Ranked,
        organization: String,
        typed: Option<Failed<'_>>,
    ) -> ReviewItem {
        let a = &r.application;
        let mine: HashMap<i32, (i32, String)> = r
            .mine
            .iter()
            .map(|(c, s, t)| (*c, (*s, t.clone())))
            .collect();
        let scores = (criteria.iter().enumerate())
            .map(|(n, c)| {
                let own = mine.get(&i32::try_from(n).unwrap_or(0));
                let (score, comment) = match typed {
                    Some((_, body, _)) => (
                        field(body, &format!("score_{n}")),
                        field(body, &format!("comment_{n}")),
                    ),
                    None => (
                        own.map(|o| o.0.to_string()).unwrap_or_default(),
                        own.map(|o| o.1.clone()).unwrap_or_default(),
                    ),
                };
                CriterionScore {
                    n,
                    name: c.name.clone(),
                    weight: c.weight,
                    score,
                    comment,
                }
            })
            .collect();
        ReviewItem {
            id: a.id,
            organization,
            title: a.title.clone(),
            plan: a.plan.clone(),
            goals: a.goals.clone(),
            beneficiaries: a.beneficiaries.map(|n| n.to_string()).unwrap_or_default(),
            budget: applications::budget_of(a)
                .iter()
                .map(|l| format!("{} {}", l.item, format_yuan(l.fen)))
                .collect(),
            request: format_yuan(a.request_fen),
            mean: r.mean.map(points),
            reviews: r.reviews,
            conflicted: r.conflicted,
            scores,
            errors: typed.map(|(_, _, e)| messages(lang, e)).unwrap_or_default(),
        }
    }
}

async fn review_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    round_id: Uuid,
    failed: Option<Failed<'_>>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let now = Utc::now();
    let round = rounds::find_round(&state.db, round_id).await?;
    let ranked = review::ranking(&state.db, actor, round.id, now).await?;
    let criteria = rounds::criteria(&round);
    let mut items = Vec::new();
    for r in ranked {
        let typed = failed.filter(|(id, ..)| *id == r.application.id);
        let organization = member::orgs::find(&state.db, r.application.organization_id)
            .await?
            .name;
        items.push(ReviewItem::of(lang, &criteria, r, organization, typed));
    }
    let phase = rounds::phase(&round, now);
    let page = ReviewPage {
        round_id: round.id,
        round_title: round.title.clone(),
        phase_label: phase_label(lang, phase),
        reviewing: phase == Phase::Reviewing,
        until: views::format_day(lang, round.review_until),
        items,
    };
    let html = super::super::render(state, context, "pages/round-review", &page)?;
    Ok(if failed.is_some() {
        unprocessable(html)
    } else {
        html.into_response()
    })
}

pub(super) async fn show_review(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    review_page(&state, &context, &actor, id, None).await
}

pub(super) async fn save_scores(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let body = pairs(&body);
    let found = applications::find_application(&state.db, id).await?;
    let round = rounds::find_round(&state.db, found.round_id).await?;
    let input: review::ScoreInput = (0..rounds::criteria(&round).len())
        .map(|n| {
            (
                field(&body, &format!("score_{n}")),
                field(&body, &format!("comment_{n}")),
            )
        })
        .collect();
    match review::score_application(&state.db, &actor, id, &input, Utc::now()).await {
        Ok(()) => Ok(done(
            jar,
            "notice-round-scored",
            format!("/rounds/{}/review#application-{id}", round.id),
        )),
        Err(ProjectError::Invalid(errors)) => {
            review_page(
                &state,
                &context,
                &actor,
                round.id,
                Some((id, &body, &errors)),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}
