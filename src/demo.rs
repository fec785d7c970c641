//! `weiyifang demo`: a living platform in one command, shaped after the source article —
//! 43 incubated organizations, 6,000 members, the six projects with their funding (the
//! 400-camera project among them), 17 market days held with their services and 30,000
//! residents served, and market days to come. Deterministic: the same data every time.
//! It refuses a database that already holds people or organizations.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use event::entities::{
    beneficiary_report, event as event_entity, hour_entry, service_record, shift, signup, stall,
};
use event::signups::SignupStatus;
use event::stalls::Service;
use event::{EventKind, EventStatus};
use member::entities::{account, membership, organization, person, person_skill};
use member::memberships::MemberRole;
use member::orgs::OrgInput;
use member::{Actor, PlatformRole};
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, PaginatorTrait, Set};
use uuid::Uuid;

/// The accounts a visitor can log in with: what they are, phone, password.
pub const DEMO_ACCOUNTS: &[(&str, &str, &str)] = &[
    ("管理员 admin", "17000009000", "demo-admin-2026"),
    ("协调员 coordinator", "17000009001", "demo-coordinator-2026"),
    ("组织负责人 leader", "17000000417", "demo-leader-2026"),
    ("志愿者 volunteer", "17000000422", "demo-volunteer-2026"),
];

const STAFF_NAMES: [&str; 2] = ["演示管理员", "南湖街道周主任"];

pub const ORGANIZATIONS: usize = 43;
pub const MEMBERS: usize = 6000;
pub const HELD_MARKET_DAYS: usize = 17;
pub const RESIDENTS_SERVED: i32 = 30_000;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "高",
];
const GIVEN: &[&str] = &[
    "秀英", "建国", "桂兰", "志强", "丽华", "海燕", "国庆", "玉兰", "小明", "春梅", "建华", "淑珍",
    "子涵", "明辉", "雅琴", "德福", "晓燕", "振华", "慧敏", "文杰",
];
const COMMUNITIES: &[&str] = &[
    "南湖社区",
    "北苑社区",
    "东城社区",
    "西街社区",
    "和平社区",
    "幸福里社区",
    "光明社区",
];
/// What kinds of organization there are (theme, name). Seven communities and eight kinds
/// (numbers with no common factor) give every organization a name of its own, such as
/// 南湖社区爱心理发队, without numbering.
const ORG_KINDS: &[(&str, &str)] = &[
    ("children", "童心守护队"),
    ("environment", "环保先锋队"),
    ("safety", "平安巡逻队"),
    ("elderly", "爱心理发队"),
    ("tidiness", "文明劝导队"),
    ("smart_community", "智慧社区服务队"),
    ("elderly", "健康义诊队"),
    ("other", "法律咨询服务队"),
];
/// Which kind of organization runs a stall of each service (indexes into ORG_KINDS).
const STALL_KINDS: [(Service, usize); 4] = [
    (Service::Haircut, 3),
    (Service::Clinic, 6),
    (Service::Consultation, 5),
    (Service::LegalAid, 7),
];
/// The demo leader's organization (南湖社区爱心理发队, incubating): its haircut stall is
/// at the latest market days, with the demo volunteer on it.
const LEADER_ORG: usize = 3;
/// The demo volunteer: a member of the leader's organization.
const VOLUNTEER: usize = 3 * (MEMBERS / ORGANIZATIONS) + 5;

/// Incubating or graduated: the organizations that run stalls (the stage of organization
/// `o` follows `o % 9`, so every kind has some of each).
fn active(o: usize) -> bool {
    o % 9 <= 6
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(
        "the database already holds people or organizations: the demo only fills an empty one (start from a new DATABASE_URL, or delete data/weiyifang.db)"
    )]
    NotEmpty,
    #[error("{0}")]
    Failed(String),
}

fn fail(e: impl std::fmt::Display) -> DemoError {
    DemoError::Failed(e.to_string())
}

fn name_of(n: usize) -> String {
    format!(
        "{}{}",
        SURNAMES[n % SURNAMES.len()],
        GIVEN[(n / SURNAMES.len() + n) % GIVEN.len()]
    )
}

/// Demo phone numbers: 170 0000 nnnn, clearly not anyone's.
fn phone_of(n: usize) -> String {
    format!("1700000{n:04}")
}

async fn give_account(
    db: &DatabaseConnection,
    person_id: Uuid,
    role: PlatformRole,
    password: &str,
) -> Result<(), DemoError> {
    let password =
        member::Password::parse("password", password, None).map_err(|e| fail(e.reason))?;
    let hash = member::accounts::hash_password(&password)
        .await
        .map_err(fail)?;
    let now = Utc::now();
    account::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        password_hash: Set(hash),
        role: Set(role),
        disabled_at: Set(None),
        created_at: Set(now),
        password_changed_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(fail)?;
    Ok(())
}

/// Fills an empty database.
#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
pub async fn fill(db: &DatabaseConnection, today: NaiveDate) -> Result<(), DemoError> {
    let people = person::Entity::find().count(db).await.map_err(fail)?;
    let orgs = organization::Entity::find().count(db).await.map_err(fail)?;
    if people > 0 || orgs > 0 {
        return Err(DemoError::NotEmpty);
    }
    let now = Utc::now();

    // People: 6,000 members, then the street office's staff.
    let mut rows = Vec::with_capacity(MEMBERS);
    let mut ids = Vec::with_capacity(MEMBERS);
    for n in 0..MEMBERS {
        let id = Uuid::now_v7();
        ids.push(id);
        rows.push(person::ActiveModel {
            id: Set(id),
            name: Set(name_of(n)),
            phone: Set(Some(phone_of(n))),
            birth_date: Set(NaiveDate::from_ymd_opt(
                1950 + (n % 50) as i32,
                1 + (n % 12) as u32,
                1 + (n % 28) as u32,
            )),
            consent_version: Set(None),
            consent_at: Set(None),
            erased_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
    }
    for chunk in rows.chunks(500) {
        person::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(fail)?;
    }
    let skills = [
        "haircut",
        "medical",
        "legal",
        "counselling",
        "tutoring",
        "repair",
        "elderly_care",
        "patrol",
    ];
    let skill_rows: Vec<person_skill::ActiveModel> = ids
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 3 == 0)
        .map(|(n, id)| person_skill::ActiveModel {
            person_id: Set(*id),
            skill: Set(skills[n % skills.len()].to_owned()),
        })
        .collect();
    for chunk in skill_rows.chunks(500) {
        person_skill::Entity::insert_many(chunk.to_vec())
            .exec(db)
            .await
            .map_err(fail)?;
    }

    let mut staff_ids = Vec::new();
    for ((_, phone, _), name) in DEMO_ACCOUNTS[..2].iter().zip(STAFF_NAMES) {
        let id = Uuid::now_v7();
        person::ActiveModel {
            id: Set(id),
            name: Set(name.to_owned()),
            phone: Set(Some((*phone).to_owned())),
            birth_date: Set(None),
            consent_version: Set(None),
            consent_at: Set(None),
            erased_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .map_err(fail)?;
        staff_ids.push(id);
    }
    give_account(db, staff_ids[0], PlatformRole::Admin, DEMO_ACCOUNTS[0].2).await?;
    give_account(
        db,
        staff_ids[1],
        PlatformRole::Coordinator,
        DEMO_ACCOUNTS[1].2,
    )
    .await?;
    let staff = Actor {
        person_id: staff_ids[1],
        account_id: Uuid::now_v7(),
        name: STAFF_NAMES[1].to_owned(),
        role: PlatformRole::Coordinator,
        leads: Vec::new(),
    };

    // 43 organizations, each with ~140 members; the first member of each leads it.
    let per_org = MEMBERS / ORGANIZATIONS;
    let mut org_ids = Vec::new();
    for o in 0..ORGANIZATIONS {
        let (theme, kind) = ORG_KINDS[o % ORG_KINDS.len()];
        let community = COMMUNITIES[o % COMMUNITIES.len()];
        let input = OrgInput {
            name: if o < COMMUNITIES.len() * ORG_KINDS.len() {
                format!("{community}{kind}")
            } else {
                format!("{community}{kind}（第二队）")
            },
            short_name: String::new(),
            theme: theme.to_owned(),
            community: community.to_owned(),
            description: format!("{community}居民自发组成的{kind}，每月参加社区公益集市。"),
            contact_name: name_of(o * per_org),
            contact_phone: phone_of(o * per_org),
            registration: if o % 3 == 0 { "registered" } else { "filed" }.to_owned(),
            founded_on: format!("{}-03-01", 2018 + o % 6),
        };
        // Admitted to incubation half a year after founding: the stage history begins
        // then, so a past month's dashboard counts the organizations of that month.
        let incubated_on = NaiveDate::from_ymd_opt(2018 + (o % 6) as i32, 9, 1).unwrap_or(today);
        let org = member::orgs::register(db, &staff, &input, "", incubated_on)
            .await
            .map_err(fail)?;
        org_ids.push(org.id);
        let mut members = Vec::new();
        let last = if o == ORGANIZATIONS - 1 {
            MEMBERS
        } else {
            (o + 1) * per_org
        };
        for (k, person) in ids.iter().enumerate().take(last).skip(o * per_org) {
            members.push(membership::ActiveModel {
                id: Set(Uuid::now_v7()),
                organization_id: Set(org.id),
                person_id: Set(*person),
                role: Set(if k == o * per_org {
                    MemberRole::Leader
                } else {
                    MemberRole::Member
                }),
                joined_on: Set(NaiveDate::from_ymd_opt(
                    2019 + (k % 6) as i32,
                    1 + (k % 12) as u32,
                    1,
                )
                .unwrap_or(today)),
                left_on: Set(None),
                created_at: Set(now),
            });
            // A team that is suspended or has exited is no one's current team: its members
            // also serve in an active team of the same community's rota (o % 9 == 6).
            if !active(o) {
                members.push(membership::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    organization_id: Set(org_ids[o - (o % 9 - 6)]),
                    person_id: Set(*person),
                    role: Set(MemberRole::Member),
                    joined_on: Set(NaiveDate::from_ymd_opt(2024, 6, 1).unwrap_or(today)),
                    left_on: Set(None),
                    created_at: Set(now),
                });
            }
        }
        for chunk in members.chunks(500) {
            membership::Entity::insert_many(chunk.to_vec())
                .exec(db)
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
            member::orgs::transition(db, &staff, org.id, to, "", "按孵化评估结果", today)
                .await
                .map_err(fail)?;
        }
    }
    // Two applications waiting: not (yet) incubated, so not among the 43.
    for (n, name) in ["幸福里社区书法兴趣会", "和平社区亲子阅读会"]
        .iter()
        .enumerate()
    {
        let applicant = Actor {
            person_id: ids[MEMBERS - 1 - n],
            account_id: Uuid::now_v7(),
            name: String::new(),
            role: PlatformRole::Volunteer,
            leads: Vec::new(),
        };
        let input = OrgInput {
            name: (*name).to_owned(),
            theme: "other".to_owned(),
            community: "幸福里社区".to_owned(),
            contact_name: name_of(MEMBERS - 1 - n),
            contact_phone: phone_of(MEMBERS - 1 - n),
            ..OrgInput::default()
        };
        member::orgs::apply(db, &applicant, &input, "希望得到场地支持", today)
            .await
            .map_err(fail)?;
    }
    give_account(
        db,
        ids[LEADER_ORG * per_org],
        PlatformRole::Volunteer,
        DEMO_ACCOUNTS[2].2,
    )
    .await?;
    give_account(
        db,
        ids[VOLUNTEER],
        PlatformRole::Volunteer,
        DEMO_ACCOUNTS[3].2,
    )
    .await?;

    // The six projects of the article, with their money.
    let projects = [
        ("呵护童心·共筑欢乐家园", "children", 0usize),
        ("环保先锋·共建绿色家园", "environment", 1),
        ("治安巡逻·共护平安家园", "safety", 2),
        ("情系暮年·共创温馨家园", "elderly", 3),
        ("十乱整治·共塑洁净家园", "tidiness", 4),
        ("应用APP·共享智慧家园", "smart_community", 5),
    ];
    for (title, theme, org) in projects {
        let input = project::projects::ProjectInput {
            title: title.to_owned(),
            theme: theme.to_owned(),
            description: format!("{title}：社区社会组织牵头，居民共同参与。"),
            starts_on: "2025-01-01".to_owned(),
            community: COMMUNITIES[org % COMMUNITIES.len()].to_owned(),
            goal_beneficiaries: "1000".to_owned(),
            goal_text: if theme == "safety" {
                "安装400个高清摄像头".to_owned()
            } else {
                String::new()
            },
            ..Default::default()
        };
        let created = project::projects::create(db, &staff, org_ids[org], &input)
            .await
            .map_err(fail)?;
        project::projects::set_status(db, &staff, created.id, "active")
            .await
            .map_err(fail)?;
        let entries: Vec<(&str, &str, &str, &str)> = if theme == "safety" {
            vec![
                ("crowdfunding", "250000", "11000户居民", "11000"),
                ("unit_support", "750000", "160家单位", "160"),
            ]
        } else {
            vec![
                ("fund_grant", "20000", "区公益基金", ""),
                ("community_income", "8000", "社区公共收益", ""),
                ("donation", "1200.50", "爱心居民", "36"),
            ]
        };
        for (source, amount, contributor, count) in entries {
            let entry = project::ledger::EntryInput {
                source: source.to_owned(),
                amount: amount.to_owned(),
                received_on: "2025-03-15".to_owned(),
                contributor: contributor.to_owned(),
                contributor_count: count.to_owned(),
                note: String::new(),
            };
            project::ledger::record(db, &staff, created.id, &entry, today)
                .await
                .map_err(fail)?;
        }
    }

    // 17 market days held, on the second Saturday of the past months.
    let services = STALL_KINDS;
    let mut days = Vec::new();
    let (mut year, mut month) = (today.year(), today.month());
    while days.len() < HELD_MARKET_DAYS {
        (year, month) = if month == 1 {
            (year - 1, 12)
        } else {
            (year, month - 1)
        };
        if let Some(day) = NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Sat, 2) {
            days.push(day);
        }
    }
    days.reverse();
    let stalls_total = HELD_MARKET_DAYS * services.len();
    let per_stall = RESIDENTS_SERVED / stalls_total as i32;
    let mut remainder = RESIDENTS_SERVED - per_stall * stalls_total as i32;
    let nine = NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN);
    let mut held_stalls = Vec::new();
    for (d, day) in days.iter().enumerate() {
        let starts = event::schedule::at(*day, nine);
        let market = event_entity::ActiveModel {
            id: Set(Uuid::now_v7()),
            kind: Set(EventKind::Market),
            title: Set("南湖街道社区公益集市".to_owned()),
            place: Set(format!("{}广场", COMMUNITIES[d % COMMUNITIES.len()])),
            starts_at: Set(starts),
            ends_at: Set(starts + Duration::minutes(150)),
            status: Set(EventStatus::Reported),
            created_at: Set(now),
            description: Set("义务理发、义诊、法律和政策咨询。".to_owned()),
            organizer_id: Set(None),
            project_id: Set(None),
            signup_closes_at: Set(None),
            cancel_reason: Set(None),
        }
        .insert(db)
        .await
        .map_err(fail)?;
        for (service, kind) in &services {
            // A stall is run by an active organization of the fitting kind, in turn; the
            // latest six haircut stalls by the demo leader's team.
            let fitting: Vec<usize> = (0..ORGANIZATIONS)
                .filter(|o| o % ORG_KINDS.len() == *kind && active(*o))
                .collect();
            let org = if *service == Service::Haircut && d + 6 >= HELD_MARKET_DAYS {
                LEADER_ORG
            } else {
                fitting[d % fitting.len()]
            };
            let created = stall::ActiveModel {
                id: Set(Uuid::now_v7()),
                event_id: Set(market.id),
                organization_id: Set(org_ids[org]),
                service: Set(*service),
                description: Set(String::new()),
                created_at: Set(now),
            }
            .insert(db)
            .await
            .map_err(fail)?;
            held_stalls.push((created.id, starts));
            let volunteers = 4;
            let shift_row = shift::ActiveModel {
                id: Set(Uuid::now_v7()),
                stall_id: Set(created.id),
                starts_at: Set(starts),
                ends_at: Set(starts + Duration::minutes(150)),
                capacity: Set(volunteers),
                confirmed_count: Set(volunteers),
                required_skill: Set(None),
                created_at: Set(now),
                checkin_token: Set(None),
            }
            .insert(db)
            .await
            .map_err(fail)?;
            for v in 0..volunteers as usize {
                // The organization's own members, the demo volunteer first on her team's.
                let person = if org == LEADER_ORG && v == 0 {
                    ids[VOLUNTEER]
                } else {
                    ids[org * per_org + 10 + (v + 4 * d) % (per_org - 10)]
                };
                let signup_row = signup::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    shift_id: Set(shift_row.id),
                    person_id: Set(person),
                    status: Set(SignupStatus::Confirmed),
                    created_at: Set(now),
                    confirmed_at: Set(Some(now)),
                    cancelled_at: Set(None),
                    added_by: Set(None),
                }
                .insert(db)
                .await
                .map_err(fail)?;
                let record = service_record::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    signup_id: Set(signup_row.id),
                    shift_id: Set(shift_row.id),
                    person_id: Set(person),
                    checked_in_at: Set(Some(starts)),
                    checked_out_at: Set(Some(starts + Duration::minutes(150))),
                    attendance: Set(Some("attended".to_owned())),
                    created_at: Set(now),
                }
                .insert(db)
                .await
                .map_err(fail)?;
                hour_entry::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    record_id: Set(record.id),
                    tenths: Set(25),
                    reason: Set(String::new()),
                    entered_by: Set(staff.person_id),
                    entered_at: Set(now),
                }
                .insert(db)
                .await
                .map_err(fail)?;
                // In the audit log like hours confirmed on the attendance page.
                member::audit::record(
                    db,
                    Some(staff.person_id),
                    "service.hours_confirm",
                    "person",
                    Some(person),
                    "2.5",
                )
                .await
                .map_err(fail)?;
            }
            let extra = i32::from(remainder > 0);
            remainder -= extra;
            let total = per_stall + extra;
            let elderly = total * 6 / 10;
            let children = total / 10;
            beneficiary_report::ActiveModel {
                id: Set(Uuid::now_v7()),
                stall_id: Set(created.id),
                total: Set(total),
                elderly: Set(Some(elderly)),
                children: Set(Some(children)),
                disabled: Set(Some(total / 20)),
                other: Set(Some(total - elderly - children - total / 20)),
                reason: Set(String::new()),
                entered_by: Set(staff.person_id),
                entered_at: Set(now),
            }
            .insert(db)
            .await
            .map_err(fail)?;
            member::audit::record(
                db,
                Some(staff.person_id),
                "service.beneficiaries_report",
                "event",
                Some(market.id),
                format!("total {total}"),
            )
            .await
            .map_err(fail)?;
        }
    }

    // Market days to come: three months, published, with stalls and shifts to sign up for.
    let input = event::schedule::ScheduleInput {
        market: event::schedule::MarketInput {
            title: "南湖街道社区公益集市".to_owned(),
            place: "南湖社区广场".to_owned(),
            description: "义务理发、义诊、法律和政策咨询。欢迎居民参加，志愿者请在线报名。"
                .to_owned(),
            starts: "09:00".to_owned(),
            ends: "11:30".to_owned(),
        },
        nth: "2".to_owned(),
        weekday: "sat".to_owned(),
        months: "4".to_owned(),
    };
    event::schedule::schedule(db, &staff, &input, today)
        .await
        .map_err(fail)?;
    let drafts = event::schedule::StaffFilter {
        status: Some(EventStatus::Draft),
        ..Default::default()
    };
    let (upcoming, _) = event::schedule::for_staff(db, &staff, &drafts, 1, 100)
        .await
        .map_err(fail)?;
    for market in upcoming
        .iter()
        .filter(|m| m.kind == event::EventKind::Market && m.starts_at > now)
    {
        // Stalls by fitting organizations (all incubating or graduated).
        for (org, service) in [(LEADER_ORG, "haircut"), (6, "clinic"), (15, "legal_aid")] {
            let stall = event::stalls::add_stall(
                db,
                &staff,
                market.id,
                &org_ids[org].to_string(),
                service,
                "",
            )
            .await
            .map_err(fail)?;
            for (starts, ends) in [("09:00", "10:15"), ("10:15", "11:30")] {
                let input = event::stalls::ShiftInput {
                    starts: starts.to_owned(),
                    ends: ends.to_owned(),
                    capacity: "4".to_owned(),
                    required_skill: String::new(),
                };
                event::stalls::add_shift(db, &staff, stall.id, &input)
                    .await
                    .map_err(fail)?;
            }
        }
        event::schedule::publish(db, &staff, market.id)
            .await
            .map_err(fail)?;
    }
    // The demo volunteer has a place at the next market day open for sign-up, and a
    // certificate of her past year's service to print.
    let volunteer = Actor {
        person_id: ids[VOLUNTEER],
        account_id: Uuid::now_v7(),
        name: name_of(VOLUNTEER),
        role: PlatformRole::Volunteer,
        leads: Vec::new(),
    };
    let next_open = upcoming
        .iter()
        .find(|m| m.kind == EventKind::Market && event::schedule::signup_closes_at(m) > now);
    if let Some(market) = next_open {
        let stalls = event::stalls::stalls_of(db, market.id)
            .await
            .map_err(fail)?;
        if let Some(shift) = stalls
            .iter()
            .find(|s| s.stall.organization_id == org_ids[LEADER_ORG])
            .and_then(|s| s.shifts.first())
        {
            event::signups::sign_up(db, &volunteer, shift.id, now)
                .await
                .map_err(fail)?;
        }
    }
    let year_ago = (today - Duration::days(365)).format("%Y-%m-%d").to_string();
    event::certificates::issue(
        db,
        &volunteer,
        &year_ago,
        &today.format("%Y-%m-%d").to_string(),
        &event::certificates::IdentityInput::default(),
        &event::certificates::Issuer {
            name: "南湖街道办事处".to_owned(),
            leader: "周主任".to_owned(),
            clerk: "微益坊服务台".to_owned(),
            contact: "0571-00000000".to_owned(),
        },
        now,
    )
    .await
    .map_err(fail)?;
    fill_requests(db, &staff, &org_ids, &held_stalls).await
}

/// 三事分流 as it would look after half a year: residents' requests of every class and
/// status, most resolved and rated, and residents' ratings of the market-day stalls. Made
/// through the domain's own functions, back-dated, so every figure is one it could produce.
#[expect(clippy::too_many_lines, reason = "not yet split (issue 16)")]
async fn fill_requests(
    db: &DatabaseConnection,
    staff: &Actor,
    org_ids: &[Uuid],
    held_stalls: &[(Uuid, chrono::DateTime<Utc>)],
) -> Result<(), DemoError> {
    use triage::handling::{self, ClassifyInput};
    use triage::ratings::{self, RatingInput};
    use triage::requests::{self, RequestInput};

    const MATTERS: &[(&str, &str, &str)] = &[
        ("parking", "楼下消防通道晚上常被私家车占用", "big"),
        ("environment", "垃圾分类点的桶满了没人清运", "small"),
        ("disputes", "楼上装修噪音，晚上十点后还在施工", "private"),
        ("facilities", "小区路灯坏了好几盏，晚上看不清路", "small"),
        ("safety", "小区后门的监控坏了", "big"),
        ("elderly_children", "独居老人想找人陪着去医院", "small"),
        ("parking", "共享单车堆在单元门口", "small"),
        ("disputes", "邻居在楼道堆放杂物", "private"),
    ];
    let policy = triage::Policy::default();
    let now = Utc::now();
    let requests_total = 48;
    for n in 0..requests_total {
        let (category, description, class) = MATTERS[n % MATTERS.len()];
        // Oldest first, about four days apart, the newest two days ago.
        let at = now - Duration::days(2 + 4 * (requests_total - n) as i64);
        let input = RequestInput {
            category: category.to_owned(),
            description: description.to_owned(),
            community: COMMUNITIES[n % COMMUNITIES.len()].to_owned(),
            place: format!("{}栋", 1 + n % 12),
            contact_name: name_of(MEMBERS + n),
            contact_phone: phone_of(7000 + n),
            may_contact: n % 2 == 0,
            channel: ["phone", "visit", "wechat"][n % 3].to_owned(),
        };
        let created = if n % 4 == 0 {
            requests::submit_on_behalf(db, staff, &input, at).await
        } else {
            requests::submit_public(db, &policy, &input, &format!("demo-{n}"), at).await
        }
        .map_err(fail)?;
        // The newest requests are still being handled; two are not yet triaged.
        if n >= requests_total - 2 {
            continue;
        }
        let triaged = at + Duration::hours(20);
        let classify = ClassifyInput {
            class: class.to_owned(),
            reason: "按三事分流规则".to_owned(),
            department: ["区城管局", "区交警大队", "区住建局"][n % 3].to_owned(),
            reference_no: format!("QX-{:04}", 100 + n),
            // Organizations 0, 1 and 3 are incubating or graduated: they take small matters.
            organization_id: org_ids[[0, 1, 3][n % 3]].to_string(),
            guidance: "请找小区业主委员会或楼长协商，社区可提供调解室。".to_owned(),
            ..ClassifyInput::default()
        };
        handling::classify(
            db,
            staff,
            &policy,
            created.id,
            &classify,
            triaged,
            triaged
                .with_timezone(&crate::views::shanghai())
                .date_naive(),
        )
        .await
        .map_err(fail)?;
        if n >= requests_total - 6 {
            continue;
        }
        let done = triaged + Duration::days(2);
        match class {
            "small" => {
                handling::accept(db, staff, created.id, triaged + Duration::hours(4))
                    .await
                    .map_err(fail)?;
                handling::resolve(db, staff, created.id, "组织志愿者上门处理，已解决", done)
                    .await
                    .map_err(fail)?;
            }
            "big" => {
                handling::resolve(db, staff, created.id, "部门答复：已现场处置", done)
                    .await
                    .map_err(fail)?;
            }
            _ => {}
        }
        // Most residents rate the result; one in six is not satisfied.
        if n % 5 != 4 {
            let level = match n % 6 {
                5 => "unsatisfied",
                2 => "basic",
                _ => "satisfied",
            };
            let rating = RatingInput {
                level: level.to_owned(),
                ..RatingInput::default()
            };
            ratings::rate_request(
                db,
                &policy,
                &created.tracking_code,
                &rating,
                &format!("demo-{n}"),
                done + Duration::days(1),
            )
            .await
            .map_err(fail)?;
        }
    }
    // Ratings at the stalls: a dozen residents per stall, nine in ten satisfied.
    let mut rater = 0u64;
    for (stall, starts) in held_stalls {
        for r in 0..12u64 {
            rater += 1;
            let level = match rater % 10 {
                9 => "unsatisfied",
                7 | 8 => "basic",
                _ => "satisfied",
            };
            let input = RatingInput {
                level: level.to_owned(),
                ..RatingInput::default()
            };
            ratings::rate_stall(
                db,
                &policy,
                *stall,
                &input,
                &format!("{rater:064x}"),
                &format!("demo-stall-{rater}"),
                *starts + Duration::minutes(10 * r as i64),
            )
            .await
            .map_err(fail)?;
        }
    }
    Ok(())
}
