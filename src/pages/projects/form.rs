//! The project form: create and edit.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use member::orgs::Theme;
use member::{Actor, FieldError};
use project::ProjectError;
use project::projects::{self, ProjectInput};
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

use super::detail::{EntryForm, detail_page};
use super::manageable_orgs;

#[derive(Debug, Default)]
pub(super) struct ProjectForm {
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
pub(super) struct ProjectFormPage {
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

impl ProjectForm {
    /// The text fields as typed, each with its refusal.
    fn fields(&self, lang: Lang, errors: &[FieldError]) -> FormView {
        FormView::new(lang, errors)
            .field("title", "text", &self.title, "off")
            .field("community", "text", &self.community, "off")
            .hint("field-community-hint")
            .field("starts_on", "date", &self.starts_on, "off")
            .field("ends_on", "date", &self.ends_on, "off")
            .optional()
            .field(
                "goal_beneficiaries",
                "number",
                &self.goal_beneficiaries,
                "off",
            )
            .optional()
            .hint("field-goal-beneficiaries-hint")
            .field("goal_text", "text", &self.goal_text, "off")
            .optional()
    }
}

pub(super) async fn project_form_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    editing: Option<Uuid>,
    input: &ProjectForm,
    errors: &[FieldError],
) -> Result<ProjectFormPage, AppError> {
    let lang = context.lang();
    let form = input.fields(lang, errors);
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
        title: lang.t(editing.map_or("project-new-title", |_| "project-edit-title")),
        action: editing.map_or("/projects/new".to_owned(), |id| {
            format!("/projects/{id}/edit")
        }),
        submit: lang.t(editing.map_or("project-new-submit", |_| "save")),
        cancel: lang.t("cancel-back"),
        organization_error: form.error_for("organization_id"),
        theme_error: form.error_for("theme"),
        organizations,
        themes: Choice::all(
            Theme::ALL,
            Theme::as_str,
            |t| theme_label(lang, t),
            Theme::parse(&input.theme),
        ),
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
pub(super) fn parse_project_form(body: &str) -> ProjectForm {
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

pub(super) async fn show_new(
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
    Ok(crate::pages::render(&state, &context, "pages/project-form", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(super) struct NewQuery {
    org: Option<String>,
}

pub(super) async fn submit_new(
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

pub(super) async fn show_edit(
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
    Ok(crate::pages::render(&state, &context, "pages/project-form", &page)?.into_response())
}

pub(super) async fn submit_edit(
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
pub(super) struct StatusForm {
    status: String,
}

pub(super) async fn submit_status(
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
