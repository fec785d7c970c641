//! 公益创投 rounds: the public list and a round's page (its terms, and once announced its
//! results), staff opening a round; the work of each role is in `work.rs`.

use axum::Router;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use member::FieldError;
use member::orgs::{Stage, Theme};
use project::money::format_yuan;
use project::rounds::{self, Phase, Round, RoundInput};
use serde::Serialize;
use uuid::Uuid;

use super::forms::Choice;
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

mod apply;
mod manage;
mod scoring;
mod work;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/rounds", get(show_list))
        .route("/rounds/new", get(show_new).post(submit_new))
        .route("/rounds/{id}", get(show_round))
        .route(
            "/rounds/{id}/apply/{org}",
            get(apply::show_application).post(apply::save_application),
        )
        .route("/applications/{id}/submit", post(apply::submit_application))
        .route(
            "/applications/{id}/withdraw",
            post(apply::withdraw_application),
        )
        .route("/applications/{id}/reports", post(apply::send_report))
        .route("/rounds/{id}/review", get(scoring::show_review))
        .route("/applications/{id}/scores", post(scoring::save_scores))
        .route("/rounds/{id}/manage", get(manage::show_manage))
        .route("/rounds/{id}/reviewers", post(manage::add_reviewer))
        .route("/applications/{id}/award", post(manage::save_award))
        .route("/rounds/{id}/announce", post(manage::announce))
        .route("/applications/{id}/project", post(manage::start_project))
        .route("/applications/{id}/tranches", post(manage::pay_tranche))
        .route(
            "/venture-reports/{id}/decision",
            post(manage::decide_report),
        )
        .route("/rounds/{id}/summary.xlsx", get(manage::summary_xlsx))
}

fn phase_label(lang: Lang, phase: Phase) -> String {
    lang.t(&format!("round-phase-{}", phase.as_str()))
}

/// `2026年12月1日 – 2026年12月20日`.
fn span(lang: Lang, from: chrono::NaiveDate, until: chrono::NaiveDate) -> String {
    format!(
        "{} – {}",
        views::format_day(lang, from),
        views::format_day(lang, until)
    )
}

/// A mean weighted score in hundredths as `77.50`.
fn points(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

#[derive(Serialize)]
struct RoundCard {
    id: Uuid,
    title: String,
    phase: &'static str,
    phase_label: String,
    budget: String,
    applying: String,
}

impl RoundCard {
    fn of(lang: Lang, found: &Round, now: chrono::DateTime<Utc>) -> RoundCard {
        let phase = rounds::phase(found, now);
        RoundCard {
            id: found.id,
            title: found.title.clone(),
            phase: phase.as_str(),
            phase_label: phase_label(lang, phase),
            budget: format_yuan(found.budget_fen),
            applying: span(lang, found.opens_on, found.closes_on),
        }
    }
}

#[derive(Serialize)]
struct ListPage {
    rounds: Vec<RoundCard>,
    is_staff: bool,
}

async fn show_list(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let now = Utc::now();
    let page = ListPage {
        rounds: (rounds::rounds(&state.db).await?.iter())
            .map(|r| RoundCard::of(lang, r, now))
            .collect(),
        is_staff: viewer.is_some_and(|v| v.actor.is_staff()),
    };
    Ok(super::render(&state, &context, "pages/rounds", &page)?.into_response())
}

#[derive(Serialize)]
struct ResultRow {
    organization: String,
    title: String,
    award: String,
    score: String,
}

#[derive(Serialize)]
struct ApplyLink {
    href: String,
    label: String,
}

#[derive(Serialize)]
struct RoundPage {
    card: RoundCard,
    description: String,
    reviewing: String,
    criteria: Vec<String>,
    stages: String,
    themes: String,
    results: Vec<ResultRow>,
    awarded: String,
    /// "公示至 …" while posted.
    posted_until: Option<String>,
    apply: Vec<ApplyLink>,
    may_review: bool,
    is_staff: bool,
}

async fn show_round(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let now = Utc::now();
    let found = rounds::find_round(&state.db, id).await?;
    let actor = viewer.map(|v| v.actor);
    let mut apply = Vec::new();
    let mut may_review = false;
    if let Some(actor) = &actor {
        for led in &actor.leads {
            let org = member::orgs::find(&state.db, *led).await?;
            apply.push(ApplyLink {
                href: format!("/rounds/{}/apply/{}", found.id, org.id),
                label: views::t_text(lang, "round-apply-for", "name", &org.name),
            });
        }
        may_review = rounds::review::is_reviewer(&state.db, found.id, actor.person_id).await?;
    }
    let results = rounds::awards::results(&state.db, found.id).await?;
    let phase = rounds::phase(&found, now);
    let page = RoundPage {
        card: RoundCard::of(lang, &found, now),
        description: found.description.clone(),
        reviewing: views::format_day(lang, found.review_until),
        criteria: rounds::criteria(&found)
            .into_iter()
            .map(|c| format!("{} {}%", c.name, c.weight))
            .collect(),
        stages: (rounds::stages(&found).into_iter())
            .map(|s| lang.t(&format!("stage-{}", s.as_str())))
            .collect::<Vec<_>>()
            .join("、"),
        themes: (rounds::themes(&found).into_iter())
            .map(|t| lang.t(&format!("theme-{}", t.as_str().replace('_', "-"))))
            .collect::<Vec<_>>()
            .join("、"),
        results: results
            .iter()
            .map(|r| ResultRow {
                organization: r.organization.clone(),
                title: r.application.title.clone(),
                award: format_yuan(r.application.award_fen.unwrap_or(0)),
                score: r.mean.map(points).unwrap_or_default(),
            })
            .collect(),
        awarded: format_yuan(found.awarded_fen),
        posted_until: (phase == Phase::Posted)
            .then(|| rounds::stands_at(&found))
            .flatten()
            .map(|at| views::format_date(lang, at - chrono::Duration::seconds(1))),
        apply: if phase == Phase::Applying {
            apply
        } else {
            Vec::new()
        },
        may_review,
        is_staff: actor.as_ref().is_some_and(member::Actor::is_staff),
    };
    Ok(super::render(&state, &context, "pages/round", &page)?.into_response())
}

#[derive(Debug, Default)]
struct RoundForm {
    title: String,
    description: String,
    budget: String,
    themes: Vec<String>,
    stages: Vec<String>,
    opens_on: String,
    closes_on: String,
    review_until: String,
    criteria: String,
    publicity_days: String,
}

#[derive(Serialize)]
struct NewRoundPage {
    form: super::forms::Form,
    description: String,
    criteria: String,
    themes: Vec<Choice>,
    stages: Vec<Choice>,
    criteria_error: Option<String>,
    stages_error: Option<String>,
}

fn new_round_page(lang: Lang, typed: &RoundForm, errors: &[FieldError]) -> NewRoundPage {
    let form = super::forms::Form::new(lang, errors)
        .field("title", "text", &typed.title, "off")
        .label("field-round-title")
        .field("budget", "text", &typed.budget, "off")
        .label("field-round-budget")
        .field("opens_on", "date", &typed.opens_on, "off")
        .label("field-round-opens")
        .field("closes_on", "date", &typed.closes_on, "off")
        .label("field-round-closes")
        .field("review_until", "date", &typed.review_until, "off")
        .label("field-round-review-until")
        .field("publicity_days", "text", &typed.publicity_days, "off")
        .label("field-round-publicity-days");
    let chosen = |list: &[String], code: &str| list.iter().any(|c| c == code);
    NewRoundPage {
        criteria_error: form.error_for("criteria"),
        stages_error: form.error_for("stages"),
        form,
        description: typed.description.clone(),
        criteria: typed.criteria.clone(),
        themes: (Theme::ALL.iter())
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: lang.t(&format!("theme-{}", t.as_str().replace('_', "-"))),
                selected: chosen(&typed.themes, t.as_str()),
            })
            .collect(),
        stages: ([Stage::Incubating, Stage::Graduated].iter())
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: lang.t(&format!("stage-{}", s.as_str())),
                selected: chosen(&typed.stages, s.as_str()),
            })
            .collect(),
    }
}

async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let typed = RoundForm {
        criteria: "社区需求 30，可行性 30，预算合理 20，可持续性 20".to_owned(),
        publicity_days: "7".to_owned(),
        stages: vec!["incubating".to_owned(), "graduated".to_owned()],
        ..RoundForm::default()
    };
    let page = new_round_page(context.lang(), &typed, &[]);
    Ok(super::render(&state, &context, "pages/round-form", &page)?.into_response())
}

async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    body: String,
) -> Result<Response, AppError> {
    let typed = parse_round_form(&body);
    let input = RoundInput {
        title: typed.title.clone(),
        description: typed.description.clone(),
        budget: typed.budget.clone(),
        themes: typed.themes.clone(),
        stages: typed.stages.clone(),
        opens_on: typed.opens_on.clone(),
        closes_on: typed.closes_on.clone(),
        review_until: typed.review_until.clone(),
        criteria: typed.criteria.clone(),
        publicity_days: typed.publicity_days.clone(),
    };
    match rounds::create_round(&state.db, &actor, &input, Utc::now()).await {
        Ok(created) => Ok(Redirect::to(&format!("/rounds/{}/manage", created.id)).into_response()),
        Err(project::ProjectError::Invalid(errors)) => {
            let page = new_round_page(context.lang(), &typed, &errors);
            let html = super::render(&state, &context, "pages/round-form", &page)?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, html).into_response())
        }
        Err(other) => Err(other.into()),
    }
}

/// The round form repeats keys (`themes=a&themes=b`), which axum's `Form` cannot read
/// into a list; the pairs are read one by one.
fn parse_round_form(body: &str) -> RoundForm {
    let mut form = RoundForm::default();
    for (key, value) in work::pairs(body) {
        match key.as_str() {
            "title" => form.title = value,
            "description" => form.description = value,
            "budget" => form.budget = value,
            "themes" => form.themes.push(value),
            "stages" => form.stages.push(value),
            "opens_on" => form.opens_on = value,
            "closes_on" => form.closes_on = value,
            "review_until" => form.review_until = value,
            "criteria" => form.criteria = value,
            "publicity_days" => form.publicity_days = value,
            _ => {}
        }
    }
    form
}
