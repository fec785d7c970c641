//! Triage and handling: a coordinator classifies a request (and may reclassify it); a big
//! matter is referred to a department until its answer is recorded, a small one is assigned
//! to an organization whose leader accepts it (or hands it back) and records the work done,
//! a private one is answered with guidance. Every step is a line of the timeline.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use member::entities::organization;
use member::fields::text;
use member::orgs::Stage;
use member::{Actor, FieldError};
use project::entities::project as project_entity;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, IntoActiveModel, Set};

use crate::entities::request;
use crate::kinds::{Class, Status, UpdateKind};
use crate::requests::{add_update, add_update_with_class, lock};
use crate::{Policy, TriageError};

fn refuse_status() -> TriageError {
    TriageError::field("status", "error-request-status-not-allowed")
}

/// A step in handling a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Classify,
    Accept,
    HandBack,
    Note,
    Resolve,
    Close,
}

impl Step {
    /// Who may take the step: staff classify and close; the leader of the organization a
    /// small matter is assigned to accepts it, hands it back, writes on it and resolves it
    /// (staff may write on and resolve any).
    fn permitted(self, actor: &Actor, found: &request::Model) -> bool {
        let small_manager = matches!(
            (found.class, found.organization_id),
            (Some(Class::Small), Some(org)) if actor.can_manage_org(org)
        );
        match self {
            Step::Classify | Step::Close => actor.is_staff(),
            Step::Accept | Step::HandBack => small_manager,
            Step::Note | Step::Resolve => actor.is_staff() || small_manager,
        }
    }

    /// When the step can be taken, by where the request stands.
    fn open_at(self, status: Status) -> bool {
        match self {
            Step::Classify => status.is_open(),
            Step::Accept => status == Status::Triaged,
            Step::HandBack => matches!(status, Status::Triaged | Status::InProgress),
            Step::Note => status != Status::Closed,
            Step::Resolve => status == Status::InProgress,
            Step::Close => status == Status::Resolved,
        }
    }

    /// Refuses the step when this person may not take it, or not now.
    fn check(self, actor: &Actor, found: &request::Model) -> Result<(), TriageError> {
        if !self.permitted(actor, found) {
            return Err(TriageError::Forbidden);
        }
        if !self.open_at(found.status) {
            return Err(refuse_status());
        }
        Ok(())
    }
}

/// The steps this person may take on this request now: what the page offers and the API
/// reports, decided by the same rule the steps themselves apply.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Steps {
    pub classify: bool,
    pub accept: bool,
    pub hand_back: bool,
    pub note: bool,
    pub resolve: bool,
    pub close: bool,
}

impl Steps {
    pub fn of(actor: &Actor, found: &request::Model) -> Steps {
        let may = |step: Step| step.check(actor, found).is_ok();
        Steps {
            classify: may(Step::Classify),
            accept: may(Step::Accept),
            hand_back: may(Step::HandBack),
            note: may(Step::Note),
            resolve: may(Step::Resolve),
            close: may(Step::Close),
        }
    }
}

/// The classification as typed: the class, why, and what the class needs.
#[derive(Clone, Debug, Default)]
pub struct ClassifyInput {
    pub class: String,
    pub reason: String,
    /// 大事: the department, referral date (`YYYY-MM-DD`, today when empty), reference.
    pub department: String,
    pub referred_on: String,
    pub reference_no: String,
    /// 小事: the organization, and optionally one of its projects.
    pub organization_id: String,
    pub project_id: String,
    /// 私事: the guidance given.
    pub guidance: String,
}

enum Handling {
    Big {
        department: String,
        referred_on: NaiveDate,
        reference_no: String,
    },
    Small {
        organization: organization::Model,
        project_id: Option<Uuid>,
    },
    Private {
        guidance: String,
    },
}

/// A big matter goes to a department: which, on which day, under which reference.
fn big_matter(
    errors: &mut Vec<FieldError>,
    input: &ClassifyInput,
    today: NaiveDate,
) -> Option<Handling> {
    let department = text(errors, "department", &input.department, 100, true);
    let reference_no = text(errors, "reference_no", &input.reference_no, 50, false);
    let referred_on = match input.referred_on.trim() {
        "" => Some(today),
        typed => match NaiveDate::parse_from_str(typed, "%Y-%m-%d") {
            Ok(day) if day <= today => Some(day),
            Ok(_) => {
                errors.push(FieldError::new("referred_on", "error-date-in-future"));
                None
            }
            Err(_) => {
                errors.push(FieldError::new("referred_on", "error-date-invalid"));
                None
            }
        },
    };
    referred_on.map(|referred_on| Handling::Big {
        department,
        referred_on,
        reference_no,
    })
}

/// A small matter goes to an organization (incubating or graduated), perhaps under one of
/// its projects.
async fn small_matter(
    db: &impl ConnectionTrait,
    errors: &mut Vec<FieldError>,
    input: &ClassifyInput,
) -> Result<Option<Handling>, TriageError> {
    let organization = match input.organization_id.trim().parse::<Uuid>() {
        Ok(id) => organization::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|o| matches!(o.stage, Stage::Incubating | Stage::Graduated)),
        Err(_) => None,
    };
    if organization.is_none() {
        errors.push(FieldError::new("organization_id", "error-choose-one"));
    }
    let project_id = match input.project_id.trim() {
        "" => None,
        typed => {
            let found = match typed.parse::<Uuid>() {
                Ok(id) => project_entity::Entity::find_by_id(id).one(db).await?,
                Err(_) => None,
            };
            match (found, &organization) {
                (Some(p), Some(o)) if p.organization_id == o.id => Some(p.id),
                _ => {
                    errors.push(FieldError::new("project_id", "error-project-not-of-org"));
                    None
                }
            }
        }
    };
    Ok(organization.map(|organization| Handling::Small {
        organization,
        project_id,
    }))
}

async fn validate_classification(
    db: &impl ConnectionTrait,
    input: &ClassifyInput,
    today: NaiveDate,
) -> Result<(Class, String, Handling), TriageError> {
    let mut errors = Vec::new();
    let class = Class::parse(&input.class);
    if class.is_none() {
        errors.push(FieldError::new("class", "error-choose-one"));
    }
    let reason = text(&mut errors, "reason", &input.reason, 200, true);
    let handling = match class {
        Some(Class::Big) => big_matter(&mut errors, input, today),
        Some(Class::Small) => small_matter(db, &mut errors, input).await?,
        Some(Class::Private) => Some(Handling::Private {
            guidance: text(&mut errors, "guidance", &input.guidance, 2000, true),
        }),
        None => None,
    };
    match (class, handling, errors.is_empty()) {
        (Some(class), Some(handling), true) => Ok((class, reason, handling)),
        _ => Err(TriageError::Invalid(errors)),
    }
}

/// Classifies (or reclassifies) a request and starts its handling: a big matter is
/// referred and in progress, a small one waits for its organization to accept, a private
/// one is resolved with the guidance given. Staff only.
impl Handling {
    /// The request handled as its class asks; the step for its timeline and what it says.
    fn apply(self, active: &mut request::ActiveModel, now: DateTime<Utc>) -> (UpdateKind, String) {
        match self {
            Handling::Big {
                department,
                referred_on,
                reference_no,
            } => {
                let step_note = if reference_no.is_empty() {
                    format!("{department}（{referred_on}）")
                } else {
                    format!("{department}（{referred_on}，{reference_no}）")
                };
                active.department = Set(department);
                active.referred_on = Set(Some(referred_on));
                active.reference_no = Set(reference_no);
                active.status = Set(Status::InProgress);
                (UpdateKind::Referred, step_note)
            }
            Handling::Small {
                organization,
                project_id,
            } => {
                active.organization_id = Set(Some(organization.id));
                active.project_id = Set(project_id);
                active.status = Set(Status::Triaged);
                (UpdateKind::Assigned, organization.name)
            }
            Handling::Private { guidance } => {
                active.guidance = Set(guidance.clone());
                active.resolution = Set(guidance.clone());
                active.status = Set(Status::Resolved);
                active.resolved_at = Set(Some(now));
                (UpdateKind::Guided, guidance)
            }
        }
    }
}

pub async fn classify(
    db: &DatabaseConnection,
    actor: &Actor,
    policy: &Policy,
    id: Uuid,
    input: &ClassifyInput,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<request::Model, TriageError> {
    if !actor.is_staff() {
        return Err(TriageError::Forbidden);
    }
    let (class, reason, handling) = validate_classification(db, input, today).await?;
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    Step::Classify.check(actor, &found)?;
    let kind = if found.class.is_some() {
        UpdateKind::Reclassified
    } else {
        UpdateKind::Classified
    };
    let due_at = found.clock_from + Duration::days(policy.days_for(class));
    let mut active = found.clone().into_active_model();
    active.class = Set(Some(class));
    active.class_reason = Set(reason.clone());
    active.due_at = Set(Some(due_at));
    active.updated_at = Set(now);
    // What belonged to another class is cleared: a leader no longer sees a request that
    // became a big matter.
    active.organization_id = Set(None);
    active.project_id = Set(None);
    active.department = Set(String::new());
    active.referred_on = Set(None);
    active.reference_no = Set(String::new());
    active.guidance = Set(String::new());
    let (step, step_note) = handling.apply(&mut active, now);
    let updated = active.update(&txn).await?;
    add_update_with_class(
        &txn,
        id,
        Some(actor.person_id),
        kind,
        reason,
        Some(class),
        now,
    )
    .await?;
    add_update(&txn, id, Some(actor.person_id), step, step_note, now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The organization's leader takes on a small matter assigned to it.
pub async fn accept(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    Step::Accept.check(actor, &found)?;
    let mut active = found.into_active_model();
    active.status = Set(Status::InProgress);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    add_update(
        &txn,
        id,
        Some(actor.person_id),
        UpdateKind::Accepted,
        "",
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// The organization gives a small matter back to the coordinators, with a reason; it
/// waits to be triaged again.
pub async fn hand_back(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let mut errors = Vec::new();
    let reason = text(&mut errors, "reason", reason, 500, true);
    if !errors.is_empty() {
        return Err(TriageError::Invalid(errors));
    }
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    Step::HandBack.check(actor, &found)?;
    let mut active = found.into_active_model();
    active.status = Set(Status::Received);
    active.organization_id = Set(None);
    active.project_id = Set(None);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    add_update(
        &txn,
        id,
        Some(actor.person_id),
        UpdateKind::HandedBack,
        reason,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

fn required_note(input: &str) -> Result<String, TriageError> {
    let mut errors = Vec::new();
    let note = text(&mut errors, "note", input, 2000, true);
    if errors.is_empty() {
        Ok(note)
    } else {
        Err(TriageError::Invalid(errors))
    }
}

/// A follow-up or progress note (a call to the department, a step of the work).
pub async fn add_note(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    note: &str,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let note = required_note(note)?;
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    Step::Note.check(actor, &found)?;
    add_update(
        &txn,
        id,
        Some(actor.person_id),
        UpdateKind::Progress,
        note,
        now,
    )
    .await?;
    let mut active = found.into_active_model();
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Records how a request in progress was solved: the department's answer for a big matter
/// (staff), the work done for a small one (its organization's leader or staff).
pub async fn resolve(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    resolution: &str,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let resolution = required_note(resolution)?;
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    Step::Resolve.check(actor, &found)?;
    let mut active = found.into_active_model();
    active.status = Set(Status::Resolved);
    active.resolution = Set(resolution.clone());
    active.resolved_at = Set(Some(now));
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    add_update(
        &txn,
        id,
        Some(actor.person_id),
        UpdateKind::Resolved,
        resolution,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// A coordinator closes a resolved request (a satisfied rating closes it by itself).
pub async fn close(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    Step::Close.check(actor, &found)?;
    let mut active = found.into_active_model();
    active.status = Set(Status::Closed);
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    add_update(&txn, id, Some(actor.person_id), UpdateKind::Closed, "", now).await?;
    txn.commit().await?;
    Ok(updated)
}

/// A cleaned summary for the public board (empty withdraws it). Staff only: they make
/// sure it names nobody.
pub async fn publish_summary(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    summary: &str,
    now: DateTime<Utc>,
) -> Result<request::Model, TriageError> {
    if !actor.is_staff() {
        return Err(TriageError::Forbidden);
    }
    let mut errors = Vec::new();
    let summary = text(&mut errors, "summary", summary, 300, false);
    if !errors.is_empty() {
        return Err(TriageError::Invalid(errors));
    }
    let txn = member::tx::begin_write(db).await?;
    let found = lock(&txn, id).await?;
    let mut active = found.into_active_model();
    active.public_summary = Set(summary.clone());
    active.updated_at = Set(now);
    let updated = active.update(&txn).await?;
    add_update(
        &txn,
        id,
        Some(actor.person_id),
        UpdateKind::Summary,
        summary,
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
