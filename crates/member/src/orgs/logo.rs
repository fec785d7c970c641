//! An organization's logo: a small PNG or JPEG, checked by its bytes.

use chrono::Utc;
use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, Set};

use crate::entities::organization_logo;
use crate::{Actor, MemberError, audit, tx};

use super::find;

/// The largest logo accepted: a logo is a small picture, not a photo album.
pub const MAX_LOGO_BYTES: usize = 300 * 1024;

/// The image type of a logo, from its first bytes (never from what the browser claims).
pub(super) fn image_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.len() > 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// Leaders and staff set (or replace) the organization's logo: PNG, JPEG or WebP.
pub async fn set_logo(
    db: &DatabaseConnection,
    actor: &Actor,
    organization_id: Uuid,
    bytes: &[u8],
) -> Result<(), MemberError> {
    let org = find(db, organization_id).await?;
    if !actor.can_manage_org(org.id) {
        return Err(MemberError::Forbidden);
    }
    if bytes.len() > MAX_LOGO_BYTES {
        return Err(MemberError::field("logo", "error-logo-too-big"));
    }
    let content_type = image_type(bytes).ok_or(MemberError::field("logo", "error-logo-format"))?;
    let txn = tx::begin_write(db).await?;
    organization_logo::Entity::delete_by_id(org.id)
        .exec(&txn)
        .await?;
    organization_logo::ActiveModel {
        organization_id: Set(org.id),
        content_type: Set(content_type.to_owned()),
        bytes: Set(bytes.to_vec()),
        updated_at: Set(Utc::now()),
    }
    .insert(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor.person_id),
        "organization.update",
        "organization",
        Some(org.id),
        "logo",
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The logo of an organization anyone may see, if it has one.
pub async fn logo(
    db: &impl ConnectionTrait,
    viewer: Option<&Actor>,
    organization_id: Uuid,
) -> Result<organization_logo::Model, MemberError> {
    // The same visibility as the detail page.
    let org = find(db, organization_id).await?;
    if !org.stage.is_public()
        && !viewer.is_some_and(|a| a.is_staff() || Some(a.person_id) == org.applicant_id)
    {
        return Err(MemberError::NotFound);
    }
    organization_logo::Entity::find_by_id(org.id)
        .one(db)
        .await?
        .ok_or(MemberError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logos_are_recognised_by_their_bytes() {
        assert_eq!(image_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(image_type(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(image_type(b"RIFF\0\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(image_type(b"<svg onload=alert(1)>"), None);
        assert_eq!(image_type(b"GIF89a"), None);
    }
}
