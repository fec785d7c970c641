//! Organizations: the public directory and detail page, applying for incubation,
//! registering, editing, and moving an organization through its stages.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use member::fields::mask_phone;
use member::orgs::{self, DirectoryFilter, OrgInput, Registration, Stage, Theme};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::{Choice, Form as FormView};
use super::invalid;
use super::pager::Pager;
use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orgs", get(show_directory))
        .route("/orgs/apply", get(show_apply).post(submit_apply))
        .route("/orgs/new", get(show_new).post(submit_new))
        .route("/orgs/{id}", get(show_detail))
        .route("/orgs/{id}/edit", get(show_edit).post(submit_edit))
        .route("/orgs/{id}/stage", get(show_stage).post(submit_stage))
        .route("/orgs/{id}/logo", get(show_logo).post(upload_logo))
}

const PER_PAGE: u64 = 20;

pub(super) fn theme_label(lang: Lang, theme: Theme) -> String {
    lang.t(&format!("theme-{}", theme.as_str().replace('_', "-")))
}

pub(super) fn stage_label(lang: Lang, stage: Stage) -> String {
    lang.t(&format!("stage-{}", stage.as_str()))
}

fn registration_label(lang: Lang, registration: Registration) -> String {
    lang.t(&format!("registration-{}", registration.as_str()))
}

// ---- directory ----------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct DirectoryQuery {
    stage: String,
    theme: String,
    community: String,
    q: String,
    page: Option<u64>,
}

#[derive(Serialize)]
struct StageCount {
    stage: &'static str,
    label: String,
    count: u64,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct OrgCard {
    id: Uuid,
    name: String,
    theme: String,
    stage: &'static str,
    stage_label: String,
    community: String,
    member_count: u64,
}

#[derive(Serialize)]
struct DirectoryPage {
    q: String,
    stage_counts: Vec<StageCount>,
    themes: Vec<Choice>,
    communities: Vec<Choice>,
    stages: Vec<Choice>,
    total: u64,
    rows: Vec<OrgCard>,
    pager: Pager,
    can_register: bool,
    filtered: bool,
}

async fn show_directory(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(query): Query<DirectoryQuery>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let actor = viewer.as_ref().map(|s| &s.actor);
    let filter = DirectoryFilter {
        stage: Stage::parse(&query.stage),
        theme: Theme::parse(&query.theme),
        community: Some(query.community.clone()).filter(|c| !c.is_empty()),
        search: Some(query.q.clone()).filter(|q| !q.trim().is_empty()),
    };
    let page = crate::views::page_number(query.page);
    let directory = orgs::directory(&state.db, actor, &filter, page, PER_PAGE).await?;
    let filters = [
        ("theme", query.theme.clone()),
        ("community", query.community.clone()),
        ("q", query.q.clone()),
    ];
    let stage_counts = directory
        .stage_counts
        .iter()
        .map(|(stage, count)| StageCount {
            stage: stage.as_str(),
            label: stage_label(lang, *stage),
            count: *count,
            href: Pager::href("/orgs", &[("stage", stage.as_str().to_owned())]),
            current: filter.stage == Some(*stage),
        })
        .collect();
    let page_data = DirectoryPage {
        stage_counts,
        themes: Theme::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: theme_label(lang, *t),
                selected: filter.theme == Some(*t),
            })
            .collect(),
        stages: directory
            .stage_counts
            .iter()
            .map(|(s, _)| Choice {
                value: s.as_str().to_owned(),
                label: stage_label(lang, *s),
                selected: filter.stage == Some(*s),
            })
            .collect(),
        communities: directory
            .communities
            .iter()
            .map(|c| Choice {
                value: c.clone(),
                label: c.clone(),
                selected: *c == query.community,
            })
            .collect(),
        total: directory.total,
        rows: directory
            .rows
            .into_iter()
            .map(|row| OrgCard {
                id: row.org.id,
                name: row.org.name,
                theme: theme_label(lang, row.org.theme),
                stage: row.org.stage.as_str(),
                stage_label: stage_label(lang, row.org.stage),
                community: row.org.community,
                member_count: row.member_count,
            })
            .collect(),
        pager: Pager::new(
            page,
            directory.total,
            PER_PAGE,
            "/orgs",
            &[
                ("stage", query.stage.clone()),
                ("theme", query.theme.clone()),
                ("community", query.community.clone()),
                ("q", query.q.clone()),
            ],
        ),
        can_register: actor.is_some_and(|a| a.can_steer_incubation()),
        filtered: filter.stage.is_some() || filters.iter().any(|(_, v)| !v.is_empty()),
        q: query.q,
    };
    Ok(super::render(&state, &context, "pages/orgs", &page_data)?.into_response())
}

// ---- detail -------------------------------------------------------------------------------

#[derive(Serialize)]
struct HistoryLine {
    date: String,
    from: Option<String>,
    to: String,
    by: String,
    reason: String,
}

#[derive(Serialize)]
struct LeaderLine {
    name: String,
    phone: String,
}

#[derive(Serialize)]
struct DetailPage {
    id: Uuid,
    name: String,
    short_name: String,
    theme: String,
    stage: &'static str,
    stage_label: String,
    community: String,
    description: String,
    contact_name: String,
    contact_phone: String,
    registration: String,
    founded_on: Option<String>,
    member_count: u64,
    leaders: Vec<LeaderLine>,
    history: Vec<HistoryLine>,
    can_manage: bool,
    can_steer: bool,
    has_logo: bool,
    projects: Vec<ProjectLink>,
    activities: Vec<ProjectLink>,
    /// Activities that have begun, newest first: their records are on their pages.
    past_activities: Vec<ProjectLink>,
}

#[derive(Serialize)]
struct ProjectLink {
    id: Uuid,
    title: String,
    status: String,
}

async fn show_detail(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let lang = context.lang();
    let actor = viewer.as_ref().map(|s| &s.actor);
    let detail = orgs::detail(&state.db, actor, id).await?;
    let org = detail.org;
    let (coming, begun) =
        event::schedule::organized_by(&state.db, org.id, chrono::Utc::now(), 20).await?;
    // Drafts only for those who may see them (the rule lives in the event domain).
    let visible = |list: Vec<event::Event>| -> Vec<event::Event> {
        list.into_iter()
            .filter(|e| event::schedule::may_see(actor, e))
            .collect()
    };
    let activity_links = |list: &[event::Event]| -> Vec<ProjectLink> {
        list.iter()
            .map(|e| ProjectLink {
                id: e.id,
                status: format!(
                    "{} {}",
                    views::format_date(lang, e.starts_at),
                    views::format_clock_range(lang, e.starts_at, e.ends_at)
                ),
                title: e.title.clone(),
            })
            .collect()
    };
    let activities = (visible(coming), visible(begun));
    let page = DetailPage {
        id: org.id,
        short_name: org.short_name,
        theme: theme_label(lang, org.theme),
        stage: org.stage.as_str(),
        stage_label: stage_label(lang, org.stage),
        community: org.community,
        description: org.description,
        contact_name: org.contact_name,
        contact_phone: mask_phone(&org.contact_phone),
        registration: registration_label(lang, org.registration),
        founded_on: org.founded_on.map(|d| views::format_day(lang, d)),
        member_count: detail.member_count,
        leaders: detail
            .leaders
            .into_iter()
            .map(|p| LeaderLine {
                phone: p.phone.as_deref().map(mask_phone).unwrap_or_default(),
                name: p.name,
            })
            .collect(),
        history: detail
            .history
            .into_iter()
            .rev()
            .map(|step| HistoryLine {
                date: views::format_day(lang, step.change.on_date),
                from: step.change.from_stage.map(|s| stage_label(lang, s)),
                to: stage_label(lang, step.change.to_stage),
                by: step.by_name.unwrap_or_default(),
                reason: step.change.reason,
            })
            .collect(),
        can_manage: actor.is_some_and(|a| a.can_manage_org(org.id)),
        can_steer: actor.is_some_and(|a| a.can_steer_incubation()),
        has_logo: detail.has_logo,
        projects: project::projects::list(
            &state.db,
            &project::projects::ProjectFilter {
                organization_id: Some(org.id),
                ..Default::default()
            },
            1,
            50,
        )
        .await?
        .rows
        .into_iter()
        .map(|row| ProjectLink {
            id: row.project.id,
            title: row.project.title,
            status: lang.t(&format!("project-status-{}", row.project.status.as_str())),
        })
        .collect(),
        activities: activity_links(&activities.0),
        past_activities: activity_links(&activities.1),
        name: org.name,
    };
    Ok(super::render(&state, &context, "pages/org", &page)?.into_response())
}

// ---- the organization form: apply, register, edit ------------------------------------------

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct OrgForm {
    name: String,
    short_name: String,
    theme: String,
    community: String,
    description: String,
    contact_name: String,
    contact_phone: String,
    registration: String,
    founded_on: String,
    /// Apply only: why the organization wants incubation.
    reason: String,
    /// Register only: the first leader's phone.
    leader_phone: String,
}

impl OrgForm {
    /// The form filled with an organization's current details.
    fn from_org(org: member::Organization) -> Self {
        OrgForm {
            name: org.name,
            short_name: org.short_name,
            theme: org.theme.as_str().to_owned(),
            community: org.community,
            description: org.description,
            contact_name: org.contact_name,
            contact_phone: org.contact_phone,
            registration: org.registration.as_str().to_owned(),
            founded_on: org
                .founded_on
                .map(|d| d.format("%Y-%m-%d").to_string())
                .unwrap_or_default(),
            ..OrgForm::default()
        }
    }

    fn input(&self) -> OrgInput {
        OrgInput {
            name: self.name.clone(),
            short_name: self.short_name.clone(),
            theme: self.theme.clone(),
            community: self.community.clone(),
            description: self.description.clone(),
            contact_name: self.contact_name.clone(),
            contact_phone: self.contact_phone.clone(),
            registration: self.registration.clone(),
            founded_on: self.founded_on.clone(),
        }
    }
}

/// Which form: the words on top and the extra field differ.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OrgFormKind {
    Apply,
    Register,
    Edit,
}

#[derive(Serialize)]
struct OrgFormPage {
    title: String,
    lead: String,
    action: String,
    submit: String,
    cancel: String,
    form: FormView,
    themes: Vec<Choice>,
    theme_error: Option<String>,
    registrations: Vec<Choice>,
    description: String,
    description_error: Option<String>,
    /// Apply: the reason; Register: the leader's phone.
    extra: FormView,
    /// Edit only: where the logo form posts, and what went wrong with the last upload.
    logo_action: Option<String>,
    logo_error: Option<String>,
    show_reason: bool,
    reason: String,
    reason_error: Option<String>,
}

fn org_form_page(
    context: &PageContext,
    kind: OrgFormKind,
    action: String,
    input: &OrgForm,
    errors: &[FieldError],
) -> OrgFormPage {
    let lang = context.lang();
    let form = FormView::new(lang, errors)
        .field("name", "text", &input.name, "organization")
        .label("field-org-name")
        .field("short_name", "text", &input.short_name, "off")
        .optional()
        .hint("field-short-name-hint")
        .field("community", "text", &input.community, "off")
        .hint("field-community-hint")
        .field("contact_name", "text", &input.contact_name, "name")
        .field("contact_phone", "tel", &input.contact_phone, "tel")
        .field("founded_on", "date", &input.founded_on, "off")
        .optional();
    let extra = match kind {
        OrgFormKind::Register => FormView::new(lang, errors)
            .field("leader_phone", "tel", &input.leader_phone, "off")
            .optional()
            .hint("field-leader-phone-hint"),
        _ => FormView::new(lang, errors),
    };
    let error_for = |field: &str| form.error_for(field);
    let (title, lead, submit) = match kind {
        OrgFormKind::Apply => ("org-apply-title", "org-apply-lead", "org-apply-submit"),
        OrgFormKind::Register => ("org-new-title", "org-new-lead", "org-new-submit"),
        OrgFormKind::Edit => ("org-edit-title", "org-edit-lead", "save"),
    };
    let chosen_registration = if input.registration.is_empty() {
        "none"
    } else {
        &input.registration
    };
    OrgFormPage {
        title: lang.t(title),
        lead: lang.t(lead),
        submit: lang.t(submit),
        cancel: lang.t("cancel-back"),
        theme_error: error_for("theme"),
        description_error: error_for("description"),
        reason_error: error_for("reason"),
        themes: Theme::ALL
            .iter()
            .map(|t| Choice {
                value: t.as_str().to_owned(),
                label: theme_label(lang, *t),
                selected: t.as_str() == input.theme,
            })
            .collect(),
        registrations: Registration::ALL
            .iter()
            .map(|r| Choice {
                value: r.as_str().to_owned(),
                label: registration_label(lang, *r),
                selected: r.as_str() == chosen_registration,
            })
            .collect(),
        description: input.description.clone(),
        logo_action: (kind == OrgFormKind::Edit).then(|| action.replace("/edit", "/logo")),
        logo_error: None,
        show_reason: kind == OrgFormKind::Apply,
        reason: input.reason.clone(),
        action,
        form,
        extra,
    }
}

/// The application form, for everyone: a visitor fills it in first and logs in or
/// registers when she sends it. What she typed comes back with her (in the address she
/// returns to), so nothing is typed twice.
async fn show_apply(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    Query(typed): Query<OrgForm>,
) -> Result<Response, AppError> {
    let mut page = org_form_page(
        &context,
        OrgFormKind::Apply,
        "/orgs/apply".into(),
        &typed,
        &[],
    );
    if viewer.is_none() {
        page.lead = format!("{} {}", page.lead, context.lang().t("org-apply-login-note"));
    }
    Ok(super::render(&state, &context, "pages/org-form", &page)?.into_response())
}

async fn submit_apply(
    State(state): State<AppState>,
    context: PageContext,
    viewer: Option<SignedIn>,
    jar: CookieJar,
    Form(input): Form<OrgForm>,
) -> Result<Response, AppError> {
    let Some(SignedIn { actor, .. }) = viewer else {
        // To log in (or register) first, and back to the form as it was typed.
        let typed = serde_urlencoded::to_string(&input).unwrap_or_default();
        let back = format!("/orgs/apply?{typed}");
        let query = serde_urlencoded::to_string([("next", back)]).unwrap_or_default();
        let jar = jar.add(auth::flash_cookie("notice-apply-login-first"));
        return Ok((jar, Redirect::to(&format!("/login?{query}"))).into_response());
    };
    match orgs::apply(
        &state.db,
        &actor,
        &input.input(),
        &input.reason,
        views::today(),
    )
    .await
    {
        Ok(org) => {
            let jar = jar.add(auth::flash_cookie("notice-org-applied"));
            Ok((jar, Redirect::to(&format!("/orgs/{}", org.id))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = org_form_page(
                &context,
                OrgFormKind::Apply,
                "/orgs/apply".into(),
                &input,
                &errors,
            );
            invalid(&state, &context, "pages/org-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}

async fn show_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
) -> Result<Response, AppError> {
    if !actor.can_steer_incubation() {
        return Err(AppError::Forbidden);
    }
    let page = org_form_page(
        &context,
        OrgFormKind::Register,
        "/orgs/new".into(),
        &OrgForm::default(),
        &[],
    );
    Ok(super::render(&state, &context, "pages/org-form", &page)?.into_response())
}

async fn submit_new(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Form(input): Form<OrgForm>,
) -> Result<Response, AppError> {
    match orgs::register(
        &state.db,
        &actor,
        &input.input(),
        &input.leader_phone,
        views::today(),
    )
    .await
    {
        Ok(org) => {
            let jar = jar.add(auth::flash_cookie("notice-org-registered"));
            Ok((jar, Redirect::to(&format!("/orgs/{}", org.id))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = org_form_page(
                &context,
                OrgFormKind::Register,
                "/orgs/new".into(),
                &input,
                &errors,
            );
            invalid(&state, &context, "pages/org-form", &page)
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
    let org = orgs::find(&state.db, id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(AppError::Forbidden);
    }
    let input = OrgForm::from_org(org);
    let page = org_form_page(
        &context,
        OrgFormKind::Edit,
        format!("/orgs/{id}/edit"),
        &input,
        &[],
    );
    Ok(super::render(&state, &context, "pages/org-form", &page)?.into_response())
}

async fn submit_edit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<OrgForm>,
) -> Result<Response, AppError> {
    match orgs::update(&state.db, &actor, id, &input.input(), views::today()).await {
        Ok(org) => {
            let jar = jar.add(auth::flash_cookie("notice-org-saved"));
            Ok((jar, Redirect::to(&format!("/orgs/{}", org.id))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let page = org_form_page(
                &context,
                OrgFormKind::Edit,
                format!("/orgs/{id}/edit"),
                &input,
                &errors,
            );
            invalid(&state, &context, "pages/org-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- stage changes --------------------------------------------------------------------------

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StageForm {
    to: String,
    on_date: String,
    reason: String,
}

#[derive(Serialize)]
struct StagePage {
    id: Uuid,
    name: String,
    current: String,
    targets: Vec<Choice>,
    target_error: Option<String>,
    form: FormView,
    reason: String,
    reason_error: Option<String>,
    final_stage: bool,
}

fn stage_page(
    context: &PageContext,
    org: &member::Organization,
    input: &StageForm,
    errors: &[FieldError],
) -> StagePage {
    let lang = context.lang();
    let date = if input.on_date.is_empty() {
        views::today().format("%Y-%m-%d").to_string()
    } else {
        input.on_date.clone()
    };
    let form = FormView::new(lang, errors).field("on_date", "date", &date, "off");
    StagePage {
        id: org.id,
        name: org.name.clone(),
        current: stage_label(lang, org.stage),
        targets: org
            .stage
            .next()
            .iter()
            .map(|s| Choice {
                value: s.as_str().to_owned(),
                label: lang.t(&format!("stage-action-{}", s.as_str())),
                selected: s.as_str() == input.to,
            })
            .collect(),
        target_error: form.error_for("to"),
        reason_error: form.error_for("reason"),
        reason: input.reason.clone(),
        final_stage: org.stage.next().is_empty(),
        form,
    }
}

async fn show_stage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    if !actor.can_steer_incubation() {
        return Err(AppError::Forbidden);
    }
    let org = orgs::find(&state.db, id).await?;
    let page = stage_page(&context, &org, &StageForm::default(), &[]);
    Ok(super::render(&state, &context, "pages/org-stage", &page)?.into_response())
}

async fn submit_stage(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<StageForm>,
) -> Result<Response, AppError> {
    let result = orgs::transition(
        &state.db,
        &actor,
        id,
        &input.to,
        &input.on_date,
        &input.reason,
        views::today(),
    )
    .await;
    match result {
        Ok(org) => {
            let jar = jar.add(auth::flash_cookie("notice-org-stage-changed"));
            Ok((jar, Redirect::to(&format!("/orgs/{}", org.id))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let org = orgs::find(&state.db, id).await?;
            let page = stage_page(&context, &org, &input, &errors);
            invalid(&state, &context, "pages/org-stage", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- logo -----------------------------------------------------------------------------------

async fn show_logo(
    State(state): State<AppState>,
    viewer: Option<SignedIn>,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let logo = orgs::logo(&state.db, viewer.as_ref().map(|s| &s.actor), id).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, logo.content_type),
            (
                axum::http::header::CACHE_CONTROL,
                "private, max-age=300".to_owned(),
            ),
        ],
        logo.bytes,
    )
        .into_response())
}

async fn upload_logo(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, AppError> {
    let org = orgs::find(&state.db, id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(AppError::Forbidden);
    }
    let result = match super::read_file(multipart).await? {
        Some((_, bytes)) => orgs::set_logo(&state.db, &actor, id, &bytes).await,
        None => Err(MemberError::field("logo", "error-import-no-file")),
    };
    match result {
        Ok(()) => {
            let jar = jar.add(auth::flash_cookie("notice-org-saved"));
            Ok((jar, Redirect::to(&format!("/orgs/{id}"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let input = OrgForm::from_org(org);
            let mut page = org_form_page(
                &context,
                OrgFormKind::Edit,
                format!("/orgs/{id}/edit"),
                &input,
                &[],
            );
            page.logo_error = errors.first().map(|e| context.lang().t(e.reason));
            invalid(&state, &context, "pages/org-form", &page)
        }
        Err(other) => Err(other.into()),
    }
}
