//! Who is acting, and what they may do. Pages and the API both ask these questions;
//! nothing else decides.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// Platform-wide role of an account. Organization roles (leader, member) come from
/// memberships; everyone with an account can act as a volunteer for themselves.
#[derive(Copy, Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum PlatformRole {
    /// Runs the platform; creates coordinators.
    #[sea_orm(string_value = "admin")]
    Admin,
    /// Street or community staff (社区/街道工作人员).
    #[sea_orm(string_value = "coordinator")]
    Coordinator,
    /// Everyone else: volunteers, members, leaders.
    #[sea_orm(string_value = "volunteer")]
    Volunteer,
}

impl PlatformRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformRole::Admin => "admin",
            PlatformRole::Coordinator => "coordinator",
            PlatformRole::Volunteer => "volunteer",
        }
    }

    pub fn parse(input: &str) -> Option<PlatformRole> {
        match input {
            "admin" => Some(PlatformRole::Admin),
            "coordinator" => Some(PlatformRole::Coordinator),
            "volunteer" => Some(PlatformRole::Volunteer),
            _ => None,
        }
    }
}

/// A signed-in person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub person_id: Uuid,
    pub account_id: Uuid,
    pub name: String,
    pub role: PlatformRole,
}

impl Actor {
    /// Coordinators and admins: the street office's staff.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, PlatformRole::Admin | PlatformRole::Coordinator)
    }

    pub fn can_manage_accounts(&self) -> bool {
        self.is_staff()
    }

    /// Admins create any role; coordinators create volunteers' accounts only.
    pub fn can_grant_role(&self, role: PlatformRole) -> bool {
        match self.role {
            PlatformRole::Admin => true,
            PlatformRole::Coordinator => role == PlatformRole::Volunteer,
            PlatformRole::Volunteer => false,
        }
    }

    pub fn can_view_person(&self, person_id: Uuid) -> bool {
        self.is_staff() || self.person_id == person_id
    }

    /// Who may see a phone number unmasked. Leaders of the person's organizations will
    /// be added with memberships.
    pub fn can_reveal_phone_of(&self, _person_id: Uuid) -> bool {
        self.is_staff()
    }

    pub fn can_read_audit_log(&self) -> bool {
        self.is_staff()
    }

    /// Only coordinators export personal data in bulk.
    pub fn can_export_personal_data(&self) -> bool {
        self.is_staff()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: PlatformRole) -> Actor {
        Actor {
            person_id: Uuid::now_v7(),
            account_id: Uuid::now_v7(),
            name: "张三".into(),
            role,
        }
    }

    #[test]
    fn volunteers_see_only_themselves() {
        let volunteer = actor(PlatformRole::Volunteer);
        assert!(volunteer.can_view_person(volunteer.person_id));
        assert!(!volunteer.can_view_person(Uuid::now_v7()));
        assert!(!volunteer.can_reveal_phone_of(volunteer.person_id));
        assert!(!volunteer.can_manage_accounts());
        assert!(!volunteer.can_read_audit_log());
    }

    #[test]
    fn coordinators_create_volunteers_and_admins_create_anyone() {
        let coordinator = actor(PlatformRole::Coordinator);
        assert!(coordinator.can_grant_role(PlatformRole::Volunteer));
        assert!(!coordinator.can_grant_role(PlatformRole::Coordinator));
        assert!(!coordinator.can_grant_role(PlatformRole::Admin));
        let admin = actor(PlatformRole::Admin);
        assert!(admin.can_grant_role(PlatformRole::Coordinator));
        assert!(admin.can_read_audit_log());
    }
}
