//! Invitations: mine to answer, an organization's waiting ones; accepting joins.

use chrono::{NaiveDate, Utc};
use sea_orm::entity::prelude::*;
use sea_orm::sea_query::Expr;
use sea_orm::{DatabaseConnection, QueryOrder};

use crate::entities::{invitation, membership, person};
use crate::{Actor, MemberError, audit, tx};

use super::skills::add_skills;
use super::{insert, lock_organization, require_manager};

/// An invitation with the inviting organization's name, for its person.
pub struct InvitationView {
    pub invitation: invitation::Model,
    pub organization: String,
}

/// The invitations a person has not yet answered, oldest first.
pub async fn my_invitations(
    db: &impl ConnectionTrait,
    actor: &Actor,
) -> Result<Vec<InvitationView>, MemberError> {
    let pending = invitation::Entity::find()
        .filter(invitation::Column::PersonId.eq(actor.person_id))
        .filter(invitation::Column::Status.eq("pending"))
        .order_by_asc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    let mut views = Vec::new();
    for invitation in pending {
        let organization = crate::orgs::find(db, invitation.organization_id)
            .await?
            .name;
        views.push(InvitationView {
            invitation,
            organization,
        });
    }
    Ok(views)
}

/// The invitations an organization is waiting on, with masked numbers only: for its
/// leaders and staff.
pub async fn waiting_invitations(
    db: &impl ConnectionTrait,
    actor: &Actor,
    organization_id: Uuid,
) -> Result<Vec<(invitation::Model, String)>, MemberError> {
    require_manager(actor, organization_id)?;
    let pending = invitation::Entity::find()
        .filter(invitation::Column::OrganizationId.eq(organization_id))
        .filter(invitation::Column::Status.eq("pending"))
        .order_by_asc(invitation::Column::CreatedAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for invitation in pending {
        let phone = person::Entity::find_by_id(invitation.person_id)
            .one(db)
            .await?
            .and_then(|p| p.phone)
            .map(|p| crate::fields::mask_phone(&p))
            .unwrap_or_default();
        out.push((invitation, phone));
    }
    Ok(out)
}

/// The invited person accepts (becomes a member with the role and skills given) or
/// declines. Only they can, and only once.
/// Accepting: a member with the role and skills the invitation offered (once: someone
/// already a member keeps their membership).
pub(super) async fn join_as_invited(
    txn: &impl ConnectionTrait,
    found: &invitation::Model,
    today: NaiveDate,
) -> Result<(), MemberError> {
    let member_now = membership::Entity::find()
        .filter(membership::Column::OrganizationId.eq(found.organization_id))
        .filter(membership::Column::PersonId.eq(found.person_id))
        .filter(membership::Column::LeftOn.is_null())
        .one(txn)
        .await?
        .is_some();
    if !member_now {
        insert(
            txn,
            found.organization_id,
            found.person_id,
            found.role,
            today,
        )
        .await?;
    }
    let skills: Vec<&str> = found.skills.split(',').filter(|s| !s.is_empty()).collect();
    add_skills(txn, found.person_id, &skills).await
}

pub async fn answer_invitation(
    db: &DatabaseConnection,
    actor: &Actor,
    invitation_id: Uuid,
    accept: bool,
    today: NaiveDate,
) -> Result<invitation::Model, MemberError> {
    let txn = tx::begin_write(db).await?;
    let found = invitation::Entity::find_by_id(invitation_id)
        .one(&txn)
        .await?
        .filter(|i| i.person_id == actor.person_id)
        .ok_or(MemberError::NotFound)?;
    lock_organization(&txn, found.organization_id).await?;
    let decided = invitation::Entity::update_many()
        .col_expr(
            invitation::Column::Status,
            Expr::value(if accept { "accepted" } else { "declined" }),
        )
        .col_expr(invitation::Column::DecidedAt, Expr::value(Utc::now()))
        .filter(invitation::Column::Id.eq(found.id))
        .filter(invitation::Column::Status.eq("pending"))
        .exec(&txn)
        .await?;
    if decided.rows_affected != 1 {
        return Err(MemberError::field(
            "invitation",
            "error-invitation-answered",
        ));
    }
    if accept {
        join_as_invited(&txn, &found, today).await?;
    }
    audit::record(
        &txn,
        Some(actor.person_id),
        if accept {
            "membership.accept"
        } else {
            "membership.decline"
        },
        "organization",
        Some(found.organization_id),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(found)
}

/// The invited person hears of it (in the app, and by their choices).
pub(crate) async fn tell_invited(
    txn: &impl ConnectionTrait,
    organization_id: Uuid,
    person_id: Uuid,
) -> Result<(), MemberError> {
    let org = crate::entities::organization::Entity::find_by_id(organization_id)
        .one(txn)
        .await?
        .ok_or(MemberError::NotFound)?;
    let notice =
        crate::notices::Notice::new(crate::notices::Kind::Invited, "/me").arg("org", org.name);
    crate::notices::send(txn, person_id, &notice, Utc::now()).await?;
    Ok(())
}
