//! The organization form: apply, register, edit.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use member::orgs::{self, OrgInput, Registration, Theme};
use member::{FieldError, MemberError};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::auth::{self, SignedIn};
use crate::errors::AppError;
use crate::i18n::Lang;
use crate::pages::forms::{Choice, Form as FormView};
use crate::pages::invalid;
use crate::state::AppState;
use crate::templates::PageContext;
use crate::views;

use super::{registration_label, theme_label};

#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(default)]
pub(super) struct OrgForm {
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
    pub(super) fn from_org(org: member::Organization) -> Self {
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
pub(super) enum OrgFormKind {
    Apply,
    Register,
    Edit,
}

#[derive(Serialize)]
pub(super) struct OrgFormPage {
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
    pub(super) logo_error: Option<String>,
    show_reason: bool,
    reason: String,
    reason_error: Option<String>,
}

impl OrgForm {
    /// The text fields as typed, each with its refusal; and the leader's phone when staff
    /// register an organization.
    fn fields(&self, lang: Lang, kind: OrgFormKind, errors: &[FieldError]) -> (FormView, FormView) {
        let form = FormView::new(lang, errors)
            .field("name", "text", &self.name, "organization")
            .label("field-org-name")
            .field("short_name", "text", &self.short_name, "off")
            .optional()
            .hint("field-short-name-hint")
            .field("community", "text", &self.community, "off")
            .hint("field-community-hint")
            .field("contact_name", "text", &self.contact_name, "name")
            .field("contact_phone", "tel", &self.contact_phone, "tel")
            .field("founded_on", "date", &self.founded_on, "off")
            .optional();
        let extra = match kind {
            OrgFormKind::Register => FormView::new(lang, errors)
                .field("leader_phone", "tel", &self.leader_phone, "off")
                .optional()
                .hint("field-leader-phone-hint"),
            _ => FormView::new(lang, errors),
        };
        (form, extra)
    }
}

pub(super) fn org_form_page(
    context: &PageContext,
    kind: OrgFormKind,
    action: String,
    input: &OrgForm,
    errors: &[FieldError],
) -> OrgFormPage {
    let lang = context.lang();
    let (form, extra) = input.fields(lang, kind, errors);
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
        theme_error: form.error_for("theme"),
        description_error: form.error_for("description"),
        reason_error: form.error_for("reason"),
        themes: Choice::all(
            Theme::ALL,
            Theme::as_str,
            |t| theme_label(lang, t),
            Theme::parse(&input.theme),
        ),
        registrations: Choice::all(
            Registration::ALL,
            Registration::as_str,
            |r| registration_label(lang, r),
            Registration::parse(chosen_registration),
        ),
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
pub(super) async fn show_apply(
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
    Ok(crate::pages::render(&state, &context, "pages/org-form", &page)?.into_response())
}

pub(super) async fn submit_apply(
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

pub(super) async fn show_new(
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
    Ok(crate::pages::render(&state, &context, "pages/org-form", &page)?.into_response())
}

pub(super) async fn submit_new(
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

pub(super) async fn show_edit(
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
    Ok(crate::pages::render(&state, &context, "pages/org-form", &page)?.into_response())
}

pub(super) async fn submit_edit(
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
