//! A leader's application to a round, and later the awarded project's reports.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use chrono::Utc;
use member::{Actor, FieldError};
use project::ProjectError;
use project::money::{format_yuan, plain_yuan};
use project::rounds::applications::{self, Application, ApplicationInput};
use project::rounds::{self, Phase, reports};
use serde::Serialize;
use uuid::Uuid;

use super::phase_label;
use super::work::{ReportLine, done, field, messages, pairs, unprocessable};
use crate::auth::SignedIn;
use crate::errors::AppError;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

#[derive(Default, Serialize)]
struct Typed {
    title: String,
    plan: String,
    goals: String,
    beneficiaries: String,
    timeline: String,
    /// One line per item: `理发工具 1200`.
    budget: String,
}

impl Typed {
    fn of(found: &Application) -> Typed {
        Typed {
            title: found.title.clone(),
            plan: found.plan.clone(),
            goals: found.goals.clone(),
            beneficiaries: found
                .beneficiaries
                .map(|n| n.to_string())
                .unwrap_or_default(),
            timeline: found.timeline.clone(),
            budget: applications::budget_of(found)
                .iter()
                .map(|l| format!("{} {}", l.item, plain_yuan(l.fen)))
                .collect::<Vec<_>>()
                .join("\n"),
        }
    }

    fn from_body(body: &[(String, String)]) -> Typed {
        Typed {
            title: field(body, "title"),
            plan: field(body, "plan"),
            goals: field(body, "goals"),
            beneficiaries: field(body, "beneficiaries"),
            timeline: field(body, "timeline"),
            budget: field(body, "budget"),
        }
    }

    /// Budget lines: the amount is the last word of each line.
    fn input(&self) -> ApplicationInput {
        ApplicationInput {
            title: self.title.clone(),
            plan: self.plan.clone(),
            goals: self.goals.clone(),
            beneficiaries: self.beneficiaries.clone(),
            timeline: self.timeline.clone(),
            budget: (self.budget.lines())
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(|line| match line.rsplit_once(char::is_whitespace) {
                    Some((item, amount)) => (item.trim().to_owned(), amount.to_owned()),
                    None => (line.to_owned(), String::new()),
                })
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ApplicationPage {
    round_id: Uuid,
    round_title: String,
    phase_label: String,
    closes: String,
    org_id: Uuid,
    org_name: String,
    application_id: Option<Uuid>,
    status: String,
    editable: bool,
    may_submit: bool,
    may_withdraw: bool,
    request: String,
    award: Option<String>,
    paid: String,
    project_id: Option<Uuid>,
    reports: Vec<ReportLine>,
    typed: Typed,
    errors: Vec<String>,
}

/// Where an application stands, as its leader reads it: from its own status up to the
/// award and the project.
fn standing(found: Option<&Application>, phase: Phase) -> &'static str {
    let Some(a) = found else { return "none" };
    match (a.status.as_str(), a.award_fen, a.project_id, phase) {
        ("draft", ..) => "draft",
        ("withdrawn", ..) => "withdrawn",
        (_, Some(_), Some(_), _) => "project",
        (_, Some(_), None, Phase::Posted) => "awarded-posted",
        (_, Some(_), None, Phase::Standing) => "awarded",
        (_, None, _, Phase::Posted | Phase::Standing) => "not-awarded",
        _ => "submitted",
    }
}

async fn application_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    (round_id, org_id): (Uuid, Uuid),
    typed: Option<Typed>,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let lang = context.lang();
    let now = Utc::now();
    let (round, org_name, found) =
        applications::application_page(&state.db, actor, round_id, org_id).await?;
    let phase = rounds::phase(&round, now);
    let open = matches!(phase, Phase::Upcoming | Phase::Applying);
    let status = found.as_ref().map_or("none", |a| a.status.as_str());
    let reports = match &found {
        Some(a) if a.project_id.is_some() => reports::reports_of(&state.db, a.id).await?,
        _ => Vec::new(),
    };
    let page = ApplicationPage {
        round_id,
        round_title: round.title.clone(),
        phase_label: phase_label(lang, phase),
        closes: views::format_day(lang, round.closes_on),
        org_id,
        org_name,
        application_id: found.as_ref().map(|a| a.id),
        status: lang.t(&format!(
            "round-application-{}",
            standing(found.as_ref(), phase)
        )),
        editable: open && matches!(status, "none" | "draft"),
        may_submit: phase == Phase::Applying && status == "draft",
        may_withdraw: open && status == "submitted",
        request: format_yuan(found.as_ref().map_or(0, |a| a.request_fen)),
        award: found.as_ref().and_then(|a| a.award_fen).map(format_yuan),
        paid: format_yuan(found.as_ref().map_or(0, |a| a.paid_fen)),
        project_id: found.as_ref().and_then(|a| a.project_id),
        reports: reports.iter().map(|r| ReportLine::of(lang, r)).collect(),
        typed: typed.unwrap_or_else(|| found.as_ref().map(Typed::of).unwrap_or_default()),
        errors: messages(lang, errors),
    };
    let html = super::super::render(state, context, "pages/round-apply", &page)?;
    Ok(if errors.is_empty() {
        html.into_response()
    } else {
        unprocessable(html)
    })
}

pub(super) async fn show_application(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path((round_id, org_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    application_page(&state, &context, &actor, (round_id, org_id), None, &[]).await
}

pub(super) async fn save_application(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path((round_id, org_id)): Path<(Uuid, Uuid)>,
    body: String,
) -> Result<Response, AppError> {
    let typed = Typed::from_body(&pairs(&body));
    let input = typed.input();
    match applications::save_draft(&state.db, &actor, round_id, org_id, &input, Utc::now()).await {
        Ok(_) => Ok(done(
            jar,
            "notice-round-draft-saved",
            format!("/rounds/{round_id}/apply/{org_id}"),
        )),
        Err(ProjectError::Invalid(errors)) => {
            application_page(
                &state,
                &context,
                &actor,
                (round_id, org_id),
                Some(typed),
                &errors,
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

/// Submit or withdraw; a refusal shows the application page with the reasons.
async fn change_application(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    jar: CookieJar,
    (application_id, submit): (Uuid, bool),
) -> Result<Response, AppError> {
    let found = applications::find_application(&state.db, application_id).await?;
    let now = Utc::now();
    let changed = if submit {
        applications::submit(&state.db, actor, application_id, now).await
    } else {
        applications::withdraw(&state.db, actor, application_id, now).await
    };
    let back = (found.round_id, found.organization_id);
    match changed {
        Ok(_) => Ok(done(
            jar,
            if submit {
                "notice-round-submitted"
            } else {
                "notice-round-withdrawn"
            },
            format!("/rounds/{}/apply/{}", back.0, back.1),
        )),
        Err(ProjectError::Invalid(errors)) => {
            application_page(state, context, actor, back, None, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(super) async fn submit_application(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    change_application(&state, &context, &actor, jar, (id, true)).await
}

pub(super) async fn withdraw_application(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    change_application(&state, &context, &actor, jar, (id, false)).await
}

pub(super) async fn send_report(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let body = pairs(&body);
    let found = applications::find_application(&state.db, id).await?;
    let back = (found.round_id, found.organization_id);
    let typed = (
        field(&body, "kind"),
        field(&body, "text"),
        field(&body, "reached"),
    );
    let sent = reports::submit_report(
        &state.db,
        &actor,
        id,
        (&typed.0, &typed.1, &typed.2),
        Utc::now(),
    )
    .await;
    match sent {
        Ok(_) => Ok(done(
            jar,
            "notice-round-report-sent",
            format!("/rounds/{}/apply/{}", back.0, back.1),
        )),
        Err(ProjectError::Invalid(errors)) => {
            application_page(&state, &context, &actor, back, None, &errors).await
        }
        Err(other) => Err(other.into()),
    }
}
