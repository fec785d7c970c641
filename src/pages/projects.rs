//! Projects and their funding: the public list and page with its ledger, creating and
//! editing projects, recording money and reversals, exports, and the staff overview.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use chrono::NaiveDate;
use member::orgs::Theme;
use member::{Actor, FieldError};
use project::ProjectError;
use project::ledger::{self, EntryInput, Source, Totals};
use project::money::format_yuan;
use project::projects::{self, ProjectFilter, ProjectInput, Status};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::{Choice, Form as FormView};
use super::invalid;
use super::orgs::theme_label;
use super::pager::Pager;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/projects", get(show_list))
        .route("/projects/new", get(show_new).post(submit_new))
        .route("/projects/{id}", get(show_detail))
        .route("/projects/{id}/edit", get(show_edit).post(submit_edit))
        .route("/projects/{id}/status", post(submit_status))
        .route("/projects/{id}/funding", post(submit_entry))
        .route(
            "/projects/{id}/funding/{entry}/reverse",
            get(show_reverse).post(submit_reverse),
        )
        .route("/projects/{id}/ledger.csv", get(project_csv))
        .route("/projects/{id}/ledger.xlsx", get(project_xlsx))
        .route("/funding", get(show_overview))
        .route("/funding/export.csv", get(overview_csv))
        .route("/funding/export.xlsx", get(overview_xlsx))
}

const PER_PAGE: u64 = 20;

fn status_label(lang: Lang, status: Status) -> String {
    lang.t(&format!("project-status-{}", status.as_str()))
}

fn source_label(lang: Lang, source: Source) -> String {
    lang.t(&format!("source-{}", source.as_str().replace('_', "-")))
}

/// Organizations whose projects this person may create: staff all, leaders theirs.
async fn manageable_orgs(
    state: &AppState,
    actor: &Actor,
) -> Result<Vec<member::Organization>, AppError> {
    let all = member::orgs::all_by_name(&state.db).await?;
    Ok(all
        .into_iter()
        .filter(|o| actor.can_manage_org(o.id))
        .collect())
}

// ---- list -----------------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ListQuery {
    theme: String,
    status: String,
    organization: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct ProjectCard {
    id: Uuid,
    title: String,
    organization: String,
    theme: String,
    status: &'static str,
    status_label: String,
    when: String,
}

#[derive(Serialize)]
struct ListPage {
    rows: Vec<ProjectCard>,
    total: u64,
    themes: Vec<Choice>,
    statuses: Vec<Choice>,
    organizations: Vec<Choice>,
    pager: Pager,
    can_create: bool,
    is_staff: bool,
    filtered: bool,
}

fn period(lang: Lang, starts_on: NaiveDate, ends_on: Option<NaiveDate>) -> String {
    match ends_on {
        Some(end) => format!(
            "{} – {}",
            views::format_day(lang, starts_on),
            views::format_day(lang, end)
        ),
        None => views::t_text(
            lang,
            "project-since",
            "date",
            &views::format_day(lang, starts_on),
        ),
    }
}

async fn show_list(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<ListQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let filter = ProjectFilter {
        theme: Theme::parse(&query.theme),
        status: Status::parse(&query.status),
        organization_id: query.organization.parse().ok(),
    };
    let page = crate::views::page_number(query.page);
    let listing = projects::list(&state.db, &filter, page, PER_PAGE).await?;
    let orgs = member::orgs::all_by_name(&state.db).await?;
    let actor = viewer.as_ref().map(|s| &s.actor);
    let page_data = ListPage {
        total: listing.total,
        rows: listing
            .rows
            .into_iter()
            .map(|row| ProjectCard {
                id: row.project.id,
                title: row.project.title,
                organization: row.organization_name,
                theme: theme_label(lang, row.project.theme),
                status: row.project.status.as_str(),
                status_label: status_label(lang, row.project.status),
                when: period(lang, row.project.starts_on, row.project.ends_on),
            })
            .collect(),
        themes: Theme::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: theme_label(lang, *t),
                selected: filter.theme == Some(*t),
            })
            .collect(),
        statuses: Status::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: status_label(lang, *s),
                selected: filter.status == Some(*s),
            })
            .collect(),
        organizations: orgs
            .iter()
            .filter(|o| o.stage.is_public() || actor.is_some_and(Actor::is_staff))
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: filter.organization_id == Some(o.id),
            })
            .collect(),
        pager: Pager::new(
            page,
            listing.total,
            PER_PAGE,
            "/projects",
            &[
                ("theme", query.theme.clone()),
                ("status", query.status.clone()),
                ("organization", query.organization.clone()),
            ],
        ),
        can_create: actor.is_some_and(|a| a.is_staff() || !a.leads.is_empty()),
        is_staff: actor.is_some_and(Actor::is_staff),
        filtered: filter.theme.is_some()
            || filter.status.is_some()
            || filter.organization_id.is_some(),
    };
    Ok(super::render(&state, &context, "pages/projects", &page_data)?.into_response())
}

// ---- the project form -----------------------------------------------------------------------

#[derive(Debug, Default)]
struct ProjectForm {
    organization_id: String,
    title: String,
    theme: String,
    description: String,
    starts_on: String,
    ends_on: String,
    goal_beneficiaries: String,
    goal_text: String,
    community: String,
    /// Checkboxes: one `partners=<id>` pair per ticked organization.
    partners: Vec<String>,
}

impl ProjectForm {
    fn input(&self) -> ProjectInput {
        ProjectInput {
            title: self.title.clone(),
            theme: self.theme.clone(),
            description: self.description.clone(),
            starts_on: self.starts_on.clone(),
            ends_on: self.ends_on.clone(),
            goal_beneficiaries: self.goal_beneficiaries.clone(),
            goal_text: self.goal_text.clone(),
            community: self.community.clone(),
            partners: self
                .partners
                .iter()
                .filter_map(|p| p.parse().ok())
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct ProjectFormPage {
    title: String,
    action: String,
    submit: String,
    cancel: String,
    /// New projects choose their organization; an existing one keeps it.
    organizations: Vec<Choice>,
    organization_error: Option<String>,
    form: FormView,
    themes: Vec<Choice>,
    theme_error: Option<String>,
    description: String,
    partners: Vec<Choice>,
}

async fn project_form_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    editing: Option<Uuid>,
    input: &ProjectForm,
    errors: &[FieldError],
) -> Result<ProjectFormPage, AppError> {
    let lang = context.lang();
    let form = FormView::new(lang, errors)
        .field("title", "text", &input.title, "off")
        .field("community", "text", &input.community, "off")
        .hint("field-community-hint")
        .field("starts_on", "date", &input.starts_on, "off")
        .field("ends_on", "date", &input.ends_on, "off")
        .optional()
        .field(
            "goal_beneficiaries",
            "number",
            &input.goal_beneficiaries,
            "off",
        )
        .optional()
        .hint("field-goal-beneficiaries-hint")
        .field("goal_text", "text", &input.goal_text, "off")
        .optional();
    let all_orgs = member::orgs::all_by_name(&state.db).await?;
    let organizations = match editing {
        Some(_) => Vec::new(),
        None => all_orgs
            .iter()
            .filter(|o| actor.can_manage_org(o.id))
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: o.id.to_string() == input.organization_id,
            })
            .collect(),
    };
    Ok(ProjectFormPage {
        title: lang.t(if editing.is_some() {
            "project-edit-title"
        } else {
            "project-new-title"
        }),
        action: match editing {
            Some(id) => format!("/projects/{id}/edit"),
            None => "/projects/new".to_owned(),
        },
        submit: lang.t(if editing.is_some() {
            "save"
        } else {
            "project-new-submit"
        }),
        cancel: lang.t("cancel-back"),
        organization_error: form.error_for("organization_id"),
        theme_error: form.error_for("theme"),
        organizations,
        themes: Theme::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: theme_label(lang, *t),
                selected: t.as_str() == input.theme,
            })
            .collect(),
        description: input.description.clone(),
        partners: all_orgs
            .iter()
            .filter(|o| o.id.to_string() != input.organization_id && o.stage.is_public())
            .map(|o| Choice {
                value: o.id.to_string(),
                label: o.name.clone(),
                selected: input.partners.contains(&o.id.to_string()),
            })
            .collect(),
        form,
    })
}

/// The project form has a repeated key (`partners=a&partners=b`), which axum's `Form`
/// cannot read into a list; the pairs are read one by one instead.
fn parse_project_form(body: &str) -> ProjectForm {
    let mut form = ProjectForm::default();
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    for (key, value) in pairs {
        match key.as_str() {
            "organization_id" => form.organization_id = value,
            "title" => form.title = value,
            "theme" => form.theme = value,
            "description" => form.description = value,
            "starts_on" => form.starts_on = value,
            "ends_on" => form.ends_on = value,
            "goal_beneficiaries" => form.goal_beneficiaries = value,
            "goal_text" => form.goal_text = value,
            "community" => form.community = value,
            "partners" => form.partners.push(value),
            _ => {}
        }
    }
    form
}

async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(query): Query<NewQuery>,
) -> Result<Response, AppError> {
    if manageable_orgs(&state, &actor).await?.is_empty() {
        return Err(AppError::Forbidden);
    }
    let input = ProjectForm {
        organization_id: query.org.unwrap_or_default(),
        ..ProjectForm::default()
    };
    let page = project_form_page(&state, &context, &actor, None, &input, &[]).await?;
    Ok(super::render(&state, &context, "pages/project-form", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
struct NewQuery {
    org: Option<String>,
}

async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    body: String,
) -> Result<Response, AppError> {
    let input = parse_project_form(&body);
    let Ok(organization_id) = input.organization_id.parse::<Uuid>() else {
        let errors = [FieldError::new("organization_id", "error-choose-one")];
        let page = project_form_page(&state, &context, &actor, None, &input, &errors).await?;
        return invalid(&state, &context, "pages/project-form", &page);
    };
    match projects::create(&state.db, &actor, organization_id, &input.input()).await {
        Ok(created) => {
            let jar = jar.add(auth::flash_cookie("notice-project-created"));
            Ok((jar, Redirect::to(&format!("/projects/{}", created.id))).into_response())
        }
        Err(ProjectError::Invalid(errors)) => {
            let page = project_form_page(&state, &context, &actor, None, &input, &errors).await?;
            invalid(&state, &context, "pages/project-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}

async fn show_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let detail = projects::detail(&state.db, id).await?;
    let found = &detail.project;
    if !actor.can_manage_org(found.organization_id) {
        return Err(AppError::Forbidden);
    }
    let input = ProjectForm {
        organization_id: found.organization_id.to_string(),
        title: found.title.clone(),
        theme: found.theme.as_str().to_owned(),
        description: found.description.clone(),
        starts_on: found.starts_on.format("%Y-%m-%d").to_string(),
        ends_on: found
            .ends_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
        goal_beneficiaries: found
            .goal_beneficiaries
            .map(|n| n.to_string())
            .unwrap_or_default(),
        goal_text: found.goal_text.clone(),
        community: found.community.clone(),
        partners: detail.partners.iter().map(|p| p.id.to_string()).collect(),
    };
    let page = project_form_page(&state, &context, &actor, Some(id), &input, &[]).await?;
    Ok(super::render(&state, &context, "pages/project-form", &page)?.into_response())
}

async fn submit_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    body: String,
) -> Result<Response, AppError> {
    let mut input = parse_project_form(&body);
    input.organization_id = projects::find(&state.db, id)
        .await?
        .organization_id
        .to_string();
    match projects::update(&state.db, &actor, id, &input.input()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-project-saved"));
            Ok((jar, Redirect::to(&format!("/projects/{id}"))).into_response())
        }
        Err(ProjectError::Invalid(errors)) => {
            let page =
                project_form_page(&state, &context, &actor, Some(id), &input, &errors).await?;
            invalid(&state, &context, "pages/project-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StatusForm {
    status: String,
}

async fn submit_status(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<StatusForm>,
) -> Result<Response, AppError> {
    match projects::set_status(&state.db, &actor, id, &input.status).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-project-status-changed"));
            Ok((jar, Redirect::to(&format!("/projects/{id}"))).into_response())
        }
        Err(ProjectError::Invalid(errors)) => {
            let page = detail_page(
                &state,
                &context,
                Some(&actor),
                id,
                &EntryForm::default(),
                &[],
                errors.first().map(|e| context.lang().t(e.reason)),
            )
            .await?;
            invalid(&state, &context, "pages/project", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- detail and ledger -------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct EntryForm {
    source: String,
    amount: String,
    received_on: String,
    contributor: String,
    contributor_count: String,
    note: String,
}

#[derive(Serialize)]
struct LedgerLine {
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
struct SourceTotal {
    label: String,
    amount: String,
}

#[derive(Serialize)]
struct DetailPage {
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

fn source_totals(lang: Lang, totals: &Totals) -> Vec<SourceTotal> {
    totals
        .by_source
        .iter()
        .map(|(source, fen)| SourceTotal {
            label: source_label(lang, *source),
            amount: format_yuan(*fen),
        })
        .collect()
}

async fn detail_page(
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
    let today = views::today().format("%Y-%m-%d").to_string();
    let form = FormView::new(lang, errors)
        .field("amount", "text", &input.amount, "off")
        .hint("field-amount-hint")
        .field(
            "received_on",
            "date",
            if input.received_on.is_empty() {
                &today
            } else {
                &input.received_on
            },
            "off",
        )
        .field("contributor", "text", &input.contributor, "off")
        .hint("field-contributor-hint")
        .field(
            "contributor_count",
            "number",
            &input.contributor_count,
            "off",
        )
        .optional();
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
            .map(|line| LedgerLine {
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
            })
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

async fn show_detail(
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
    Ok(super::render(&state, &context, "pages/project", &page)?.into_response())
}

async fn submit_entry(
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
struct ReversePage {
    id: Uuid,
    entry: Uuid,
    title: String,
    line: String,
    reason: String,
    reason_error: Option<String>,
}

async fn reverse_page(
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

async fn show_reverse(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path((id, entry)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let page = reverse_page(&state, &context, &actor, id, entry, "", None).await?;
    Ok(super::render(&state, &context, "pages/funding-reverse", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReverseForm {
    reason: String,
}

async fn submit_reverse(
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

// ---- exports and the overview ---------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PeriodQuery {
    from: String,
    until: String,
}

impl PeriodQuery {
    /// Both ends as dates; a malformed one is a field error.
    fn dates(&self) -> Result<(Option<NaiveDate>, Option<NaiveDate>), FieldError> {
        let parse = |field: &'static str, s: &str| match s.trim() {
            "" => Ok(None),
            typed => NaiveDate::parse_from_str(typed, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| FieldError::new(field, "error-date-invalid")),
        };
        Ok((parse("from", &self.from)?, parse("until", &self.until)?))
    }
}

async fn export(
    state: &AppState,
    actor: &Actor,
    project_id: Option<Uuid>,
    period: &PeriodQuery,
    format: &'static str,
) -> Result<Response, AppError> {
    let (from, until) = period
        .dates()
        .map_err(|e| AppError::InvalidFields(vec![e]))?;
    let rows = ledger::export_rows(&state.db, actor, project_id, from, until, format).await?;
    let (name, fallback) = match (from, until) {
        (Some(f), Some(u)) => (
            format!("资金台账-{f}-{u}.{format}"),
            format!("ledger-{f}-{u}.{format}"),
        ),
        _ => (format!("资金台账.{format}"), format!("ledger.{format}")),
    };
    Ok(match format {
        "csv" => super::download(
            &name,
            &fallback,
            "text/csv; charset=utf-8",
            ledger::to_csv(&rows)?,
        ),
        _ => super::download(
            &name,
            &fallback,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ledger::to_xlsx(&rows)?,
        ),
    })
}

async fn project_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, Some(id), &period, "csv").await
}

async fn project_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, Some(id), &period, "xlsx").await
}

async fn overview_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, None, &period, "csv").await
}

async fn overview_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    export(&state, &actor, None, &period, "xlsx").await
}

#[derive(Serialize)]
struct GroupTotal {
    label: String,
    href: Option<String>,
    total: String,
    by_source: Vec<String>,
}

#[derive(Serialize)]
struct OverviewPage {
    from: String,
    until: String,
    filter_error: Option<String>,
    total: String,
    sources: Vec<String>,
    source_totals: Vec<String>,
    by_organization: Vec<GroupTotal>,
    by_project: Vec<GroupTotal>,
    by_year: Vec<GroupTotal>,
    export_query: String,
}

/// One row of an overview table: the total and the amount from each source, in the
/// order of `Source::ALL` (the table's columns).
fn group(label: String, href: Option<String>, totals: &Totals) -> GroupTotal {
    GroupTotal {
        label,
        href,
        total: format_yuan(totals.total),
        by_source: Source::ALL
            .iter()
            .map(|s| format_yuan(totals.by_source.get(s).copied().unwrap_or(0)))
            .collect(),
    }
}

async fn show_overview(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Query(period): Query<PeriodQuery>,
) -> Result<Response, AppError> {
    if !actor.is_staff() {
        return Err(AppError::Forbidden);
    }
    let lang = context.lang();
    let (dates, filter_error) = match period.dates() {
        Ok(dates) => (dates, None),
        Err(e) => ((None, None), Some(lang.t(e.reason))),
    };
    let overview = ledger::overview(&state.db, &actor, dates.0, dates.1).await?;
    let page = OverviewPage {
        filter_error,
        total: format_yuan(overview.all.total),
        sources: Source::ALL.iter().map(|s| source_label(lang, *s)).collect(),
        source_totals: Source::ALL
            .iter()
            .map(|s| format_yuan(overview.all.by_source.get(s).copied().unwrap_or(0)))
            .collect(),
        by_organization: overview
            .by_organization
            .iter()
            .map(|(name, t)| group(name.clone(), None, t))
            .collect(),
        by_project: overview
            .by_project
            .iter()
            .map(|(id, title, t)| group(title.clone(), Some(format!("/projects/{id}")), t))
            .collect(),
        by_year: overview
            .by_year
            .iter()
            .map(|(year, t)| group(year.to_string(), None, t))
            .collect(),
        export_query: Pager::href(
            "",
            &[
                ("from", period.from.clone()),
                ("until", period.until.clone()),
            ],
        ),
        from: period.from,
        until: period.until,
    };
    Ok(super::render(&state, &context, "pages/funding", &page)?.into_response())
}
