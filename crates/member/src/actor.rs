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
    /// The organizations this person currently leads (filled in when a session or token
    /// is looked up).
    pub leads: Vec<Uuid>,
    /// Whether they still act for anyone they registered (pages offer signing them up;
    /// filled in with `leads`).
    pub helps: bool,
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

    /// Who may see a phone number unmasked: staff, the person, and the leaders of an
    /// organization the person belongs to (`person_orgs`: their current organizations).
    pub fn can_see_phone_of(&self, person_id: Uuid, person_orgs: &[Uuid]) -> bool {
        self.is_staff()
            || self.person_id == person_id
            || person_orgs.iter().any(|org| self.leads.contains(org))
    }

    /// Edit the organization, manage its members, stalls and projects: its leaders and
    /// staff. A leader of one organization has no say over another.
    pub fn can_manage_org(&self, organization_id: Uuid) -> bool {
        self.is_staff() || self.leads.contains(&organization_id)
    }

    /// Register organizations directly, admit or decline applications, move stages.
    pub fn can_steer_incubation(&self) -> bool {
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
            leads: Vec::new(),
            helps: false,
        }
    }

    #[test]
    fn volunteers_see_only_themselves() {
        let volunteer = actor(PlatformRole::Volunteer);
        assert!(volunteer.can_view_person(volunteer.person_id));
        assert!(!volunteer.can_view_person(Uuid::now_v7()));
        assert!(volunteer.can_see_phone_of(volunteer.person_id, &[]));
        assert!(!volunteer.can_see_phone_of(Uuid::now_v7(), &[Uuid::now_v7()]));
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

    #[test]
    fn a_leader_manages_only_their_own_organization() {
        let (mine, theirs) = (Uuid::now_v7(), Uuid::now_v7());
        let leader = Actor {
            leads: vec![mine],
            ..actor(PlatformRole::Volunteer)
        };
        assert!(leader.can_manage_org(mine));
        assert!(!leader.can_manage_org(theirs));
        assert!(leader.can_see_phone_of(Uuid::now_v7(), &[theirs, mine]));
        assert!(!leader.can_see_phone_of(Uuid::now_v7(), &[theirs]));
        assert!(!leader.can_steer_incubation());
        assert!(actor(PlatformRole::Coordinator).can_manage_org(theirs));
    }
}
