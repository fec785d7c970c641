//! An organization's members, for its leaders and staff: the list, adding someone,
//! roles, ending a membership, skills, roster import (upload → preview → confirm) and
//! export.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use axum_extra::extract::cookie::CookieJar;
use member::memberships::{self, MemberRole, MemberRow, NewMember, SKILLS};
use member::{Actor, FieldError, MemberError, accounts, orgs, roster};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::forms::Form as FormView;
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
        .route("/orgs/{id}/members", get(show_members).post(add_member))
        .route("/orgs/{id}/members/{mid}/role", post(change_role))
        .route("/orgs/{id}/members/{mid}/end", get(confirm_end).post(end))
        .route("/orgs/{id}/members/{mid}/phone", post(reveal_phone))
        .route("/orgs/{id}/members/{mid}/skills", post(set_skills))
        .route("/orgs/{id}/import", get(show_upload).post(upload))
        .route(
            "/orgs/{id}/import/{import_id}",
            get(show_preview).post(commit),
        )
        .route("/orgs/{id}/members.csv", get(export_csv))
        .route("/orgs/{id}/members.xlsx", get(export_xlsx))
}

fn role_label(lang: Lang, role: MemberRole) -> String {
    lang.t(&format!("member-role-{}", role.as_str()))
}

fn skill_labels(lang: Lang, skills: &[impl AsRef<str>]) -> String {
    let separator = if lang == Lang::ZhCn { "、" } else { ", " };
    skills
        .iter()
        .map(|s| lang.t(&format!("skill-{}", s.as_ref().replace('_', "-"))))
        .collect::<Vec<_>>()
        .join(separator)
}

/// The skills as a roster writes them, for the edit box: `理发、医疗`.
pub(super) fn skill_words(skills: &[String]) -> String {
    skills
        .iter()
        .map(|s| memberships::skill_word(s))
        .collect::<Vec<_>>()
        .join("、")
}

fn require_manager(actor: &Actor, organization_id: Uuid) -> Result<(), AppError> {
    if actor.can_manage_org(organization_id) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct MembersQuery {
    former: Option<String>,
    q: String,
    page: Option<u64>,
}

/// Members shown per page: a roster of thousands is paged and searchable.
const PER_PAGE: usize = 20;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct AddForm {
    name: String,
    phone: String,
    role: String,
    skills: String,
}

#[derive(Serialize)]
struct MemberLine {
    id: Uuid,
    person_id: Uuid,
    name: String,
    phone: String,
    role: String,
    is_leader: bool,
    joined: String,
    left: Option<String>,
    skills: String,
    skill_words: String,
    has_account: bool,
}

#[derive(Serialize)]
struct RoleChoice {
    value: &'static str,
    label: String,
    selected: bool,
}

#[derive(Serialize)]
struct MembersPage {
    id: Uuid,
    name: String,
    rows: Vec<MemberLine>,
    count: usize,
    former: bool,
    q: String,
    matching: usize,
    pager: Pager,
    problem: Option<String>,
    form: FormView,
    roles: Vec<RoleChoice>,
    skill_list: String,
    /// People invited and not yet answered: masked numbers only.
    invitations: Vec<InvitedLine>,
}

#[derive(Serialize)]
struct InvitedLine {
    phone: String,
    role: String,
    since: String,
}

impl MembersQuery {
    /// The rows whose name or phone has the term typed, the page asked for of them; with
    /// how many matched and the page number.
    fn search_and_page(&self, rows: Vec<MemberRow>) -> (Vec<MemberRow>, usize, u64) {
        let term = self.q.trim();
        let rows: Vec<MemberRow> = rows
            .into_iter()
            .filter(|r| {
                term.is_empty()
                    || r.person.name.contains(term)
                    || r.person.phone.as_deref().is_some_and(|p| p.contains(term))
            })
            .collect();
        let matching = rows.len();
        let page = crate::views::page_number(self.page);
        let skip = usize::try_from(page - 1)
            .unwrap_or(usize::MAX)
            .saturating_mul(PER_PAGE);
        let rows = rows.into_iter().skip(skip).take(PER_PAGE).collect();
        (rows, matching, page)
    }
}

impl AddForm {
    fn fields(&self, lang: Lang, errors: &[FieldError]) -> FormView {
        FormView::new(lang, errors)
            .field("phone", "tel", &self.phone, "off")
            .field("name", "text", &self.name, "off")
            .optional()
            .hint("field-member-name-hint")
            .field("skills", "text", &self.skills, "off")
            .optional()
    }
}

impl MemberLine {
    fn of(lang: Lang, row: MemberRow) -> MemberLine {
        MemberLine {
            id: row.membership.id,
            person_id: row.person.id,
            name: row.person.name.clone(),
            phone: row.phone_masked,
            role: role_label(lang, row.membership.role),
            is_leader: row.membership.role == MemberRole::Leader,
            joined: views::format_day(lang, row.membership.joined_on),
            left: row.membership.left_on.map(|d| views::format_day(lang, d)),
            skills: skill_labels(lang, &row.skills),
            skill_words: skill_words(&row.skills),
            has_account: row.has_account,
        }
    }
}

/// Every skill's word, as the hint beside a skills field lists them.
pub(super) fn skill_list() -> String {
    let words: Vec<&str> = SKILLS.iter().map(|(_, word)| *word).collect();
    words.join("、")
}

async fn members_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    organization_id: Uuid,
    query: &MembersQuery,
    (input, errors): (&AddForm, &[FieldError]),
    problem: Option<String>,
) -> Result<MembersPage, AppError> {
    let lang = context.lang();
    let org = orgs::find(&state.db, organization_id).await?;
    require_manager(actor, org.id)?;
    let former = query.former.is_some();
    let rows = memberships::list(&state.db, actor, org.id, former).await?;
    let count = rows
        .iter()
        .filter(|r| r.membership.left_on.is_none())
        .count();
    let (rows, matching, page) = query.search_and_page(rows);
    let pager = Pager::new(
        page,
        u64::try_from(matching).unwrap_or(u64::MAX),
        PER_PAGE as u64,
        &format!("/orgs/{}/members", org.id),
        &[
            ("q", query.q.clone()),
            ("former", query.former.clone().unwrap_or_default()),
        ],
    );
    let form = input.fields(lang, errors);
    let chosen = MemberRole::parse(&input.role).unwrap_or(MemberRole::Member);
    Ok(MembersPage {
        id: org.id,
        name: org.name,
        count,
        matching,
        pager,
        q: query.q.clone(),
        rows: rows
            .into_iter()
            .map(|row| MemberLine::of(lang, row))
            .collect(),
        former,
        problem,
        roles: [MemberRole::Member, MemberRole::Leader]
            .into_iter()
            .map(|role| RoleChoice {
                value: role.as_str(),
                label: role_label(lang, role),
                selected: role == chosen,
            })
            .collect(),
        invitations: memberships::waiting_invitations(&state.db, actor, org.id)
            .await?
            .into_iter()
            .map(|(invitation, phone)| InvitedLine {
                phone,
                role: role_label(lang, invitation.role),
                since: views::format_date(lang, invitation.created_at),
            })
            .collect(),
        skill_list: skill_list(),
        form,
    })
}

async fn show_members(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    Query(query): Query<MembersQuery>,
) -> Result<Response, AppError> {
    let page = members_page(
        &state,
        &context,
        &actor,
        id,
        &query,
        (&AddForm::default(), &[]),
        None,
    )
    .await?;
    Ok(super::render(&state, &context, "pages/members", &page)?.into_response())
}

async fn add_member(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path(id): Path<Uuid>,
    Form(input): Form<AddForm>,
) -> Result<Response, AppError> {
    let new = NewMember {
        name: input.name.clone(),
        phone: input.phone.clone(),
        role: input.role.clone(),
        skills: input.skills.clone(),
    };
    match memberships::add_member(&state.db, &actor, id, &new, views::today()).await {
        Ok(memberships::Added::Invited { .. }) => {
            // The page lists the invitation, with the masked number only.
            let cookie = auth::flash_cookie("notice-member-invited");
            Ok((
                jar.add(cookie),
                Redirect::to(&format!("/orgs/{id}/members")),
            )
                .into_response())
        }
        Ok(memberships::Added::Member(added)) => match added.code {
            Some(code) => {
                let page = super::CodePage {
                    name: added.person.name,
                    code,
                    created: true,
                    valid_hours: accounts::RESET_CODE_VALID_FOR.num_hours(),
                    back: format!("/orgs/{id}/members"),
                    reset_url: format!("{}/reset", state.settings.origin()),
                };
                Ok(super::render(&state, &context, "pages/admin-code", &page)?.into_response())
            }
            None => {
                let jar = jar.add(auth::flash_cookie("notice-member-added"));
                Ok((jar, Redirect::to(&format!("/orgs/{id}/members"))).into_response())
            }
        },
        Err(MemberError::Invalid(errors)) => {
            let page = members_page(
                &state,
                &context,
                &actor,
                id,
                &MembersQuery::default(),
                (&input, &errors),
                None,
            )
            .await?;
            invalid(&state, &context, "pages/members", &page)
        }
        Err(other) => Err(other.into()),
    }
}

/// A refusal about one row of the list (the last leader, say): the list again, with
/// the reason on top.
async fn refused(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    organization_id: Uuid,
    errors: &[FieldError],
) -> Result<Response, AppError> {
    let problem = errors.first().map(|e| context.lang().t(e.reason));
    let page = members_page(
        state,
        context,
        actor,
        organization_id,
        &MembersQuery::default(),
        (&AddForm::default(), &[]),
        problem,
    )
    .await?;
    invalid(state, context, "pages/members", &page)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct RoleForm {
    role: String,
}

async fn change_role(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path((id, mid)): Path<(Uuid, Uuid)>,
    Form(input): Form<RoleForm>,
) -> Result<Response, AppError> {
    match memberships::change_role(&state.db, &actor, id, mid, &input.role).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-member-role-changed"));
            Ok((jar, Redirect::to(&format!("/orgs/{id}/members"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => refused(&state, &context, &actor, id, &errors).await,
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct EndPage {
    id: Uuid,
    mid: Uuid,
    org_name: String,
    name: String,
}

async fn confirm_end(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path((id, mid)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let org = orgs::find(&state.db, id).await?;
    let (_, person) = memberships::membership_with_person(&state.db, &actor, id, mid).await?;
    let page = EndPage {
        id,
        mid,
        org_name: org.name,
        name: person.name,
    };
    Ok(super::render(&state, &context, "pages/member-end", &page)?.into_response())
}

async fn end(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path((id, mid)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    match memberships::end_membership(&state.db, &actor, id, mid, views::today()).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-member-ended"));
            Ok((jar, Redirect::to(&format!("/orgs/{id}/members"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => refused(&state, &context, &actor, id, &errors).await,
        Err(other) => Err(other.into()),
    }
}

async fn reveal_phone(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path((id, mid)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let (_, person) = memberships::membership_with_person(&state.db, &actor, id, mid).await?;
    let (person, phone) = accounts::reveal_phone(&state.db, &actor, person.id).await?;
    let page = super::PhonePage {
        name: person.name,
        phone,
        back: format!("/orgs/{id}/members"),
    };
    Ok(super::render(&state, &context, "pages/admin-phone", &page)?.into_response())
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SkillsForm {
    skills: String,
}

async fn set_skills(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path((id, mid)): Path<(Uuid, Uuid)>,
    Form(input): Form<SkillsForm>,
) -> Result<Response, AppError> {
    let (_, person) = memberships::membership_with_person(&state.db, &actor, id, mid).await?;
    match memberships::set_skills(&state.db, &actor, person.id, &input.skills).await {
        Ok(_) => {
            let jar = jar.add(auth::flash_cookie("notice-skills-saved"));
            Ok((jar, Redirect::to(&format!("/orgs/{id}/members"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => refused(&state, &context, &actor, id, &errors).await,
        Err(other) => Err(other.into()),
    }
}

// ---- roster import --------------------------------------------------------------------------

#[derive(Serialize)]
struct UploadPage {
    id: Uuid,
    name: String,
    error: Option<String>,
    pending: Vec<PendingImport>,
}

#[derive(Serialize)]
struct PendingImport {
    href: String,
    file_name: String,
    at: String,
}

async fn upload_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    id: Uuid,
    error: Option<String>,
) -> Result<UploadPage, AppError> {
    let org = orgs::find(&state.db, id).await?;
    require_manager(actor, org.id)?;
    let pending = roster::pending(&state.db, actor, org.id)
        .await?
        .into_iter()
        .map(|import| PendingImport {
            href: format!("/orgs/{id}/import/{}", import.id),
            file_name: import.file_name,
            at: views::format_date_time(context.lang(), import.created_at),
        })
        .collect();
    Ok(UploadPage {
        id: org.id,
        name: org.name,
        error,
        pending,
    })
}

async fn show_upload(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let page = upload_page(&state, &context, &actor, id, None).await?;
    Ok(super::render(&state, &context, "pages/import", &page)?.into_response())
}

async fn upload(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, AppError> {
    require_manager(&actor, id)?;
    let result = match crate::files::read_file(multipart).await? {
        Some((name, bytes)) => roster::upload(&state.db, &actor, id, &name, &bytes).await,
        None => Err(MemberError::field("file", "error-import-no-file")),
    };
    match result {
        Ok(import_id) => {
            Ok(Redirect::to(&format!("/orgs/{id}/import/{import_id}")).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let error = errors.first().map(|e| context.lang().t(e.reason));
            let page = upload_page(&state, &context, &actor, id, error).await?;
            invalid(&state, &context, "pages/import", &page)
        }
        Err(other) => Err(other.into()),
    }
}

#[derive(Serialize)]
struct PreviewLine {
    line: usize,
    name: String,
    phone: String,
    role: String,
    skills: String,
    existing: bool,
    problem: Option<String>,
}

#[derive(Serialize)]
struct PreviewPage {
    id: Uuid,
    name: String,
    import_id: Uuid,
    file_name: String,
    good: usize,
    bad: usize,
    committed: bool,
    /// Bad rows first, so nobody scrolls through 6,000 good ones to find them.
    bad_rows: Vec<PreviewLine>,
    good_rows: Vec<PreviewLine>,
    more_good: usize,
    problem: Option<String>,
}

/// Good rows shown in the preview; the rest are counted.
const GOOD_ROWS_SHOWN: usize = 50;

async fn preview_page(
    state: &AppState,
    context: &PageContext,
    actor: &Actor,
    id: Uuid,
    import_id: Uuid,
    problem: Option<String>,
) -> Result<PreviewPage, AppError> {
    let lang = context.lang();
    let org = orgs::find(&state.db, id).await?;
    let (import, preview) = roster::preview(&state.db, actor, id, import_id).await?;
    let line = |row: &roster::PreviewRow| PreviewLine {
        line: row.line,
        name: row.name.clone(),
        phone: row.phone.clone(),
        role: row.role.map(|r| role_label(lang, r)).unwrap_or_default(),
        skills: skill_labels(lang, &row.skills),
        existing: row.existing,
        problem: row.problem.map(|key| lang.t(key)),
    };
    let bad_rows: Vec<PreviewLine> = preview
        .rows
        .iter()
        .filter(|r| r.problem.is_some())
        .map(line)
        .collect();
    let good_rows: Vec<PreviewLine> = preview
        .rows
        .iter()
        .filter(|r| r.problem.is_none())
        .take(GOOD_ROWS_SHOWN)
        .map(line)
        .collect();
    Ok(PreviewPage {
        id,
        name: org.name,
        import_id,
        file_name: import.file_name,
        good: preview.good,
        bad: preview.bad,
        committed: import.committed_at.is_some(),
        more_good: preview.good.saturating_sub(good_rows.len()),
        bad_rows,
        good_rows,
        problem,
    })
}

async fn show_preview(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    Path((id, import_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    let page = preview_page(&state, &context, &actor, id, import_id, None).await?;
    Ok(super::render(&state, &context, "pages/import-preview", &page)?.into_response())
}

async fn commit(
    State(state): State<AppState>,
    context: PageContext,
    SignedIn { actor, .. }: SignedIn,
    jar: CookieJar,
    Path((id, import_id)): Path<(Uuid, Uuid)>,
) -> Result<Response, AppError> {
    match roster::commit(&state.db, &actor, id, import_id, views::today()).await {
        Ok(done) => {
            let added = u64::try_from(done.added).unwrap_or(u64::MAX);
            let cookie = if done.invited > 0 {
                // Some were invited: the page lists them, waiting for their answer.
                auth::flash_cookie_count("notice-import-done-invited", added)
            } else {
                auth::flash_cookie_count("notice-import-done", added)
            };
            let jar = jar.add(cookie);
            Ok((jar, Redirect::to(&format!("/orgs/{id}/members"))).into_response())
        }
        Err(MemberError::Invalid(errors)) => {
            let problem = errors.first().map(|e| context.lang().t(e.reason));
            let page = preview_page(&state, &context, &actor, id, import_id, problem).await?;
            invalid(&state, &context, "pages/import-preview", &page)
        }
        Err(other) => Err(other.into()),
    }
}

// ---- roster export --------------------------------------------------------------------------

async fn export_csv(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let org = orgs::find(&state.db, id).await?;
    let rows = roster::export_rows(&state.db, &actor, id, "csv").await?;
    let body = roster::to_csv(&rows)?;
    Ok(crate::files::download(
        &format!("{}-成员.csv", org.short_name),
        "roster.csv",
        crate::files::CSV,
        body,
    ))
}

async fn export_xlsx(
    State(state): State<AppState>,
    SignedIn { actor, .. }: SignedIn,
    Path(id): Path<Uuid>,
) -> Result<Response, AppError> {
    let org = orgs::find(&state.db, id).await?;
    let rows = roster::export_rows(&state.db, &actor, id, "xlsx").await?;
    let body = roster::to_xlsx(&rows, &org.short_name)?;
    Ok(crate::files::download(
        &format!("{}-成员.xlsx", org.short_name),
        "roster.xlsx",
        crate::files::XLSX,
        body,
    ))
}
