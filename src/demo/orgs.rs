//! The demo's organizations: 43 incubated ones of every stage, each with about 140
//! members led by its first, and two applications waiting.

use chrono::NaiveDate;
use member::entities::membership;
use member::memberships::MemberRole;
use member::orgs::OrgInput;
use member::{Actor, PlatformRole};
use sea_orm::{EntityTrait, Set};
use uuid::Uuid;

use super::{
    COMMUNITIES, Demo, DemoError, MEMBERS, ORG_KINDS, ORGANIZATIONS, active, fail, name_of,
    phone_of,
};

const PER_ORG: usize = MEMBERS / ORGANIZATIONS;

/// Registers the 43 organizations with their members and stage histories; their ids in
/// order.
pub(super) async fn organizations(
    demo: &Demo<'_>,
    staff: &Actor,
    members: &[Uuid],
) -> Result<Vec<Uuid>, DemoError> {
    let mut org_ids = Vec::new();
    for o in 0..ORGANIZATIONS {
        let input = org_input(o);
        // Admitted to incubation half a year after founding: the stage history begins
        // then, so a past month's dashboard counts the organizations of that month.
        let incubated_on =
            NaiveDate::from_ymd_opt(2018 + (o % 6) as i32, 9, 1).unwrap_or(demo.today);
        let org = member::orgs::register(demo.db, staff, &input, "", incubated_on)
            .await
            .map_err(fail)?;
        org_ids.push(org.id);
        let rows = memberships(demo, o, &org_ids, members);
        for chunk in rows.chunks(500) {
            membership::Entity::insert_many(chunk.to_vec())
                .exec(demo.db)
                .await
                .map_err(fail)?;
        }
        // Every incubation stage is represented.
        let path: &[&str] = match o % 9 {
            0..=3 => &[],
            4..=6 => &["graduated"],
            7 => &["suspended"],
            _ => &["exited"],
        };
        for to in path {
            let reason = "按孵化评估结果";
            member::orgs::transition(demo.db, staff, org.id, to, "", reason, demo.today)
                .await
                .map_err(fail)?;
        }
    }
    Ok(org_ids)
}

/// Organization `o`: a community's team of one kind, such as 南湖社区爱心理发队.
fn org_input(o: usize) -> OrgInput {
    let (theme, kind) = ORG_KINDS[o % ORG_KINDS.len()];
    let community = COMMUNITIES[o % COMMUNITIES.len()];
    OrgInput {
        name: if o < COMMUNITIES.len() * ORG_KINDS.len() {
            format!("{community}{kind}")
        } else {
            format!("{community}{kind}（第二队）")
        },
        short_name: String::new(),
        theme: theme.to_owned(),
        community: community.to_owned(),
        description: format!("{community}居民自发组成的{kind}，每月参加社区公益集市。"),
        contact_name: name_of(o * PER_ORG),
        contact_phone: phone_of(o * PER_ORG),
        registration: if o.is_multiple_of(3) {
            "registered"
        } else {
            "filed"
        }
        .to_owned(),
        founded_on: format!("{}-03-01", 2018 + o % 6),
    }
}

/// The members of organization `o` (the last one takes the rest), its first the leader.
fn memberships(
    demo: &Demo<'_>,
    o: usize,
    org_ids: &[Uuid],
    members: &[Uuid],
) -> Vec<membership::ActiveModel> {
    let last = if o == ORGANIZATIONS - 1 {
        MEMBERS
    } else {
        (o + 1) * PER_ORG
    };
    let row =
        |org: Uuid, person: Uuid, role, joined_on: Option<NaiveDate>| membership::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(org),
            person_id: Set(person),
            role: Set(role),
            joined_on: Set(joined_on.unwrap_or(demo.today)),
            left_on: Set(None),
            created_at: Set(demo.now),
        };
    let mut rows = Vec::new();
    for (k, person) in members.iter().enumerate().take(last).skip(o * PER_ORG) {
        let role = if k == o * PER_ORG {
            MemberRole::Leader
        } else {
            MemberRole::Member
        };
        let joined = NaiveDate::from_ymd_opt(2019 + (k % 6) as i32, 1 + (k % 12) as u32, 1);
        rows.push(row(org_ids[o], *person, role, joined));
        // A team that is suspended or has exited is no one's current team: its members
        // also serve in an active team of the same community's rota (o % 9 == 6).
        if !active(o) {
            let joined = NaiveDate::from_ymd_opt(2024, 6, 1);
            rows.push(row(
                org_ids[o - (o % 9 - 6)],
                *person,
                MemberRole::Member,
                joined,
            ));
        }
    }
    rows
}

/// Two applications waiting: not (yet) incubated, so not among the 43.
pub(super) async fn applications(demo: &Demo<'_>, members: &[Uuid]) -> Result<(), DemoError> {
    for (n, name) in ["幸福里社区书法兴趣会", "和平社区亲子阅读会"]
        .iter()
        .enumerate()
    {
        let applicant = Actor {
            person_id: members[MEMBERS - 1 - n],
            account_id: Uuid::now_v7(),
            name: String::new(),
            role: PlatformRole::Volunteer,
            leads: Vec::new(),
            helps: false,
        };
        let input = OrgInput {
            name: (*name).to_owned(),
            theme: "other".to_owned(),
            community: "幸福里社区".to_owned(),
            contact_name: name_of(MEMBERS - 1 - n),
            contact_phone: phone_of(MEMBERS - 1 - n),
            ..OrgInput::default()
        };
        member::orgs::apply(demo.db, &applicant, &input, "希望得到场地支持", demo.today)
            .await
            .map_err(fail)?;
    }
    Ok(())
}
