//! One project: its page and its funding ledger.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use member::{Actor, FieldError};
use project::ProjectError;
use project::ledger::{self, EntryInput, Source, Totals};
use project::money::format_yuan;
use project::projects::{self};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::pages::orgs::theme_label;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::{period, source_label, status_label};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct EntryForm {
    source: String,
    amount: String,
    received_on: String,
    contributor: String,
    contributor_count: String,
    note: String,
}

#[derive(Serialize)]
pub(super) struct LedgerLine {
    id: Uuid,
    date: String,
    source: String,
    amount: String,
    negative: bool,
    contributor: String,
    contributor_count: Option<i32>,
    note: String,
    reversal: bool,
    reversed: bool,
    recorded_by: String,
}

#[derive(Serialize)]
pub(super) struct SourceTotal {
    label: String,
    amount: String,
}

#[derive(Serialize)]
pub(super) struct DetailPage {
    id: Uuid,
    title: String,
    organization_id: Uuid,
    organization: String,
    partners: Vec<String>,
    theme: String,
    status: &'static str,
    status_label: String,
    when: String,
    community: String,
    description: String,
    goal_beneficiaries: Option<i32>,
    goal_text: String,
    total: String,
    by_source: Vec<SourceTotal>,
    ledger: Vec<LedgerLine>,
    can_manage: bool,
    next_statuses: Vec<Choice>,
    form: FormView,
    sources: Vec<Choice>,
    source_error: Option<String>,
    note: String,
    problem: Option<String>,
}

pub(super) fn source_totals(lang: Lang, totals: &Totals) -> Vec<SourceTotal> {
    totals
        .by_source
        .iter()
        .map(|(source, fen)| SourceTotal {
            label: source_label(lang, *source),
            amount: format_yuan(*fen),
        })
        .collect()
}

/// The form for money received, as typed (today's date by default).
fn entry_form(lang: Lang, input: &EntryForm, errors: &[FieldError]) -> FormView {
    let today = views::today().format("%Y-%m-%d").to_string();
    let received_on = if input.received_on.is_empty() {
        &today
    } else {
        &input.received_on
    };
    FormView::new(lang, errors)
        .field("amount", "text", &input.amount, "off")
        .hint("field-amount-hint")
        .field("received_on", "date", received_on, "off")
        .field("contributor", "text", &input.contributor, "off")
        .hint("field-contributor-hint")
        .field(
            "contributor_count",
            "number",
            &input.contributor_count,
            "off",
        )
        .optional()
}

impl LedgerLine {
    fn of(lang: Lang, line: ledger::LedgerLine) -> LedgerLine {
        LedgerLine {
            id: line.entry.id,
            date: views::format_day(lang, line.entry.received_on),
            source: source_label(lang, line.entry.source),
            amount: format_yuan(line.entry.amount_fen),
            negative: line.entry.amount_fen < 0,
            contributor: line.entry.contributor,
            contributor_count: line.entry.contributor_count,
            note: line.entry.note,
            reversal: line.entry.reverses_id.is_some(),
            reversed: line.reversed_by.is_some(),
            recorded_by: line.recorded_by_name,
        }
    }
}

pub(super) async fn detail_page(
    state: &AppState,
    context: &PageContext,
    actor: Option<&Actor>,
    id: Uuid,
    input: &EntryForm,
    errors: &[FieldError],
    problem: Option<String>,
) -> Result<DetailPage, AppError> {
    let lang = context.lang();
    let detail = projects::detail(&state.db, id).await?;
    // A project of an organization whose application is pending is as hidden as it is.
    if !detail.organization.stage.is_public()
        && !actor.is_some_and(|a| a.is_staff() || a.can_manage_org(detail.organization.id))
    {
        return Err(AppError::NotFound);
    }
    let lines = ledger::entries(&state.db, id).await?;
    let totals = ledger::totals(&lines);
    let found = detail.project;
    let can_manage = actor.is_some_and(|a| a.can_manage_org(found.organization_id));
    let form = entry_form(lang, input, errors);
    Ok(DetailPage {
        id: found.id,
        title: found.title,
        organization_id: detail.organization.id,
        organization: detail.organization.name,
        partners: detail.partners.into_iter().map(|p| p.name).collect(),
        theme: theme_label(lang, found.theme),
        status: found.status.as_str(),
        status_label: status_label(lang, found.status),
        when: period(lang, found.starts_on, found.ends_on),
        community: found.community,
        description: found.description,
        goal_beneficiaries: found.goal_beneficiaries,
        goal_text: found.goal_text,
        total: format_yuan(totals.total),
        by_source: source_totals(lang, &totals),
        ledger: lines
            .into_iter()
            .map(|line| LedgerLine::of(lang, line))
            .collect(),
        can_manage,
        next_statuses: found
            .status
            .next()
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: lang.t(&format!("project-status-action-{}", s.as_str())),
                selected: false,
            })
            .collect(),
        source_error: form.error_for("source"),
        sources: Source::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: source_label(lang, *s),
                selected: s.as_str() == input.source,
            })
            .collect(),
        note: input.note.clone(),
        problem,
        form,
    })
}

pub(super) async fn show_detail(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let actor = viewer.as_ref().map(|s| &s.actor);
    let page = detail_page(
        &state,
        &context,
        actor,
        id,
        &EntryForm::default(),
        &[],
        None,
    )
    .await?;
    Ok(crate::pages::render(&state, &context, "pages/project", &page)?.into_response())
}

pub(super) async fn submit_entry(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<EntryForm>,
) -> Result<Response, AppError> {
    let entry = EntryInput {
        source: input.source.clone(),
        amount: input.amount.clone(),
        received_on: input.received_on.clone(),
        contributor: input.contributor.clone(),
        contributor_count: input.contributor_count.clone(),
        note: input.note.clone(),
    };
    match ledger::record(&state.db, &actor, id, &entry, views::today()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-funding-recorded"));
            Ok((jar, Redirect::to(&format!("/projects/{id}#ledger"))).into_response())
        }
        Err(ProjectError::Invalid(errors)) => {
            let page =
                detail_page(&state, &context, Some(&actor), id, &input, &errors, None).await?;
            invalid(&state, &context, "pages/project", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
pub(super) struct ReversePage {
    id: Uuid,
    entry: Uuid,
    title: String,
    line: String,
    reason: String,
    reason_error: Option<String>,
}

pub(super) async fn reverse_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    id: Uuid,
    entry: Uuid,
    reason: &str,
    reason_error: Option<String>,
) -> Result<ReversePage, AppError> {
    let lang = context.lang();
    let found = projects::find(&state.db, id).await?;
    if !actor.can_manage_org(found.organization_id) {
        return Err(AppError::Forbidden);
    }
    // The entry as this project's ledger shows it; one that is not in it (a wrong link)
    // leaves the line empty and the domain's refusal says why.
    let line = ledger::entries(&state.db, id)
        .await?
        .into_iter()
        .find(|l| l.entry.id == entry)
        .map(|line| {
            format!(
                "{} · {} · {} · {}",
                views::format_day(lang, line.entry.received_on),
                source_label(lang, line.entry.source),
                format_yuan(line.entry.amount_fen),
                line.entry.contributor
            )
        });
    if line.is_none() && reason_error.is_none() {
        return Err(AppError::NotFound);
    }
    Ok(ReversePage {
        id,
        entry,
        title: found.title,
        line: line.unwrap_or_default(),
        reason: reason.to_owned(),
        reason_error,
    })
}

pub(super) async fn show_reverse(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path((id, entry)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let page = reverse_page(&state, &context, &actor, id, entry, "", None).await?;
    Ok(crate::pages::render(&state, &context, "pages/funding-reverse", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct ReverseForm {
    reason: String,
}

pub(super) async fn submit_reverse(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path((id, entry)): Path<(Uuid, Uuid)>,
    Form(input): Form<ReverseForm>,
) -> Result<Response, AppError> {
    match ledger::reverse(&state.db, &actor, id, entry, &input.reason, views::today()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-funding-reversed"));
            Ok((jar, Redirect::to(&format!("/projects/{id}#ledger"))).into_response())
        }
        Err(ProjectError::Invalid(errors)) => {
            let message = errors.first().map(|e| context.lang().t(e.reason));
            let page =
                reverse_page(&state, &context, &actor, id, entry, &input.reason, message).await?;
            invalid(&state, &context, "pages/funding-reverse", &page)
        }
        Err(other) => Err(other.into()),
    }
}
