//! Staff's management of a round: reviewers, awards, the announcement, projects,
//! tranches, reports and the summary workbook.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::Actor;
use project::ProjectError;
use project::money::{format_yuan, plain_yuan};
use project::rounds::applications::{self};
use project::rounds::{self, Phase, awards, reports, review};
use serde::Serialize;
use uuid::Uuid;

use super::work::{Failed, ReportLine, done, field, messages, pairs, unprocessable};
use super::{phase_label, points, span};
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

#[derive(Serialize)]
struct ManagedItem {
    id: Uuid,
    organization: String,
    title: String,
    request: String,
    mean: Option<String>,
    reviews: usize,
    award_typed: String,
    award: Option<String>,
    paid: String,
    project_id: Option<Uuid>,
    reports: Vec<ReportLine>,
    errors: Vec<String>,
    tranche_amount: String,
    tranche_date: String,
}

#[derive(Serialize)]
struct ManagePage {
    round_id: Uuid,
    title: String,
    phase_label: String,
    budget: String,
    awarded: String,
    left: String,
    applying: String,
    until: String,
    reviewers: Vec<String>,
    reviewer_phone: String,
    reviewer_errors: Vec<String>,
    deciding: bool,
    standing: bool,
    items: Vec<ManagedItem>,
}

impl ManagedItem {
    fn of(
        lang: Lang,
        r: review::Ranked,
        organization: String,
        reports: &[reports::VentureReport],
        typed: Option<Failed<'_>>,
    ) -> ManagedItem {
        let a = &r.application;
        ManagedItem {
            id: a.id,
            organization,
            title: a.title.clone(),
            request: format_yuan(a.request_fen),
            mean: r.mean.map(points),
            reviews: r.reviews,
            award_typed: match typed {
                Some((_, body, _)) => field(body, "amount"),
                None => plain_yuan(a.award_fen.unwrap_or(a.request_fen)),
            },
            award: a.award_fen.map(format_yuan),
            paid: format_yuan(a.paid_fen),
            project_id: a.project_id,
            reports: reports.iter().map(|x| ReportLine::of(lang, x)).collect(),
            errors: typed.map(|(_, _, e)| messages(lang, e)).unwrap_or_default(),
            tranche_amount: typed
                .map(|(_, b, _)| field(b, "amount"))
                .unwrap_or_default(),
            tranche_date: typed
                .map(|(_, b, _)| field(b, "paid_on"))
                .unwrap_or_else(|| views::today().to_string()),
        }
    }
}

async fn manage_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    round_id: Uuid,
    failed: Option<Failed<'_>>,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let now = Utc::now();
    let round = rounds::find_round(&state.db, round_id).await?;
    let phase = rounds::phase(&round, now);
    let mut items = Vec::new();
    for r in review::ranking(&state.db, actor, round.id, now).await? {
        let typed = failed.filter(|(id, ..)| *id == r.application.id);
        let reports = reports::reports_of(&state.db, r.application.id).await?;
        let organization = member::orgs::find(&state.db, r.application.organization_id)
            .await?
            .name;
        items.push(ManagedItem::of(lang, r, organization, &reports, typed));
    }
    let for_round = failed.filter(|(id, ..)| *id == round.id);
    let page = ManagePage {
        round_id: round.id,
        title: round.title.clone(),
        phase_label: phase_label(lang, phase),
        budget: format_yuan(round.budget_fen),
        awarded: format_yuan(round.awarded_fen),
        left: format_yuan(round.budget_fen - round.awarded_fen),
        applying: span(lang, round.opens_on, round.closes_on),
        until: views::format_day(lang, round.review_until),
        reviewers: review::reviewers(&state.db, round.id)
            .await?
            .into_iter()
            .map(|(_, name)| name)
            .collect(),
        reviewer_phone: for_round
            .map(|(_, b, _)| field(b, "phone"))
            .unwrap_or_default(),
        reviewer_errors: for_round
            .map(|(_, _, e)| messages(lang, e))
            .unwrap_or_default(),
        deciding: phase == Phase::Deciding,
        standing: phase == Phase::Standing,
        items,
    };
    let html = super::super::render(state, context, "pages/round-manage", &page)?;
    Ok(if failed.is_some() {
        unprocessable(html)
    } else {
        html.into_response()
    })
}

pub(super) async fn show_manage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    manage_page(&state, &context, &actor, id, None).await
}

/// A management action's outcome: back to the page with a notice, or the page again with
/// what was typed and why it was refused.
async fn managed<T>(
    (state, context, actor, jar): (&AppState, &PageContext, &Actor, CookieJar),
    (round_id, target): (Uuid, Uuid),
    body: &[(String, String)],
    outcome: Result<T, ProjectError>,
    notice: &'static str,
) -> Result<Response, AppError> {
    match outcome {
        Ok(_) => Ok(done(jar, notice, format!("/rounds/{round_id}/manage"))),
        Err(ProjectError::Invalid(errors)) => {
            manage_page(
                state,
                context,
                actor,
                round_id,
                Some((target, body, &errors)),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn add_reviewer(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let body = pairs(&body);
    let outcome = review::assign_reviewer(&state.db, &actor, id, &field(&body, "phone")).await;
    let parts = (&state, &context, &actor, jar);
    managed(
        parts,
        (id, id),
        &body,
        outcome,
        "notice-round-reviewer-added",
    )
    .await
}

pub(super) async fn save_award(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let body = pairs(&body);
    let round_id = applications::find_application(&state.db, id)
        .await?
        .round_id;
    let outcome = awards::award(&state.db, &actor, id, &field(&body, "amount"), Utc::now()).await;
    let parts = (&state, &context, &actor, jar);
    managed(
        parts,
        (round_id, id),
        &body,
        outcome,
        "notice-round-awarded",
    )
    .await
}

pub(super) async fn announce(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let outcome = awards::announce(&state.db, &actor, id, Utc::now()).await;
    let parts = (&state, &context, &actor, jar);
    managed(parts, (id, id), &[], outcome, "notice-round-announced").await
}

pub(super) async fn start_project(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let round_id = applications::find_application(&state.db, id)
        .await?
        .round_id;
    let outcome = awards::start_project(&state.db, &actor, id, Utc::now()).await;
    let parts = (&state, &context, &actor, jar);
    managed(parts, (round_id, id), &[], outcome, "notice-round-project").await
}

pub(super) async fn pay_tranche(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let body = pairs(&body);
    let round_id = applications::find_application(&state.db, id)
        .await?
        .round_id;
    let input = awards::TrancheInput {
        amount: field(&body, "amount"),
        paid_on: field(&body, "paid_on"),
        note: field(&body, "note"),
    };
    let outcome = awards::pay_tranche(&state.db, &actor, id, &input, views::today()).await;
    let parts = (&state, &context, &actor, jar);
    managed(
        parts,
        (round_id, id),
        &body,
        outcome,
        "notice-round-tranche",
    )
    .await
}

pub(super) async fn decide_report(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let body = pairs(&body);
    let accept = field(&body, "decision") == "accept";
    let now = Utc::now();
    let outcome =
        reports::decide_report(&state.db, &actor, id, accept, &field(&body, "note"), now).await;
    let application = reports::application_of_report(&state.db, id).await?;
    let round_id = applications::find_application(&state.db, application)
        .await?
        .round_id;
    let parts = (&state, &context, &actor, jar);
    managed(
        parts,
        (round_id, application),
        &body,
        outcome,
        "notice-round-report-decided",
    )
    .await
}

pub(super) async fn summary_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let (title, bytes) = rounds::summary::workbook(&state.db, &actor, id, Utc::now()).await?;
    Ok(crate::files::download(
        &format!("公益创投-{title}.xlsx"),
        "weiyifang-round.xlsx",
        crate::files::XLSX,
        bytes,
    ))
}
