//! `weiyifang demo`: a living platform in one command, shaped after the source article —
//! 43 incubated organizations, 6,000 members, the six projects with their funding (the
//! 400-camera project among them), 17 market days held with their services and 30,000
//! residents served, and market days to come. Deterministic: the same data every time.
//! It refuses a database that already holds people or organizations.

use chrono::{DateTime, NaiveDate, Utc};
use event::stalls::Service;
use member::entities::{organization, person};
use sea_orm::{DatabaseConnection, EntityTrait, PaginatorTrait};

mod coming;
mod held;
mod orgs;
mod people;
mod projects;
mod requests;
mod rounds;

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

/// What every step of the fill works with.
struct Demo<'a> {
    db: &'a DatabaseConnection,
    today: NaiveDate,
    now: DateTime<Utc>,
}

/// Fills an empty database.
pub async fn fill(db: &DatabaseConnection, today: NaiveDate) -> Result<(), DemoError> {
    let people = person::Entity::find().count(db).await.map_err(fail)?;
    let orgs = organization::Entity::find().count(db).await.map_err(fail)?;
    if people > 0 || orgs > 0 {
        return Err(DemoError::NotEmpty);
    }
    let demo = Demo {
        db,
        today,
        now: Utc::now(),
    };
    let members = people::members(&demo).await?;
    let staff = people::staff(&demo).await?;
    let org_ids = orgs::organizations(&demo, &staff, &members).await?;
    orgs::applications(&demo, &members).await?;
    people::leader_and_volunteer(&demo, &members).await?;
    projects::projects(&demo, &staff, &org_ids).await?;
    rounds::rounds(&demo, &staff, &org_ids).await?;
    let held_stalls = held::market_days(&demo, &staff, &members, &org_ids).await?;
    let upcoming = coming::market_days(&demo, &staff, &org_ids).await?;
    coming::volunteer_place_and_certificate(&demo, &members, &org_ids, &upcoming).await?;
    requests::fill(&demo, &staff, &org_ids, &held_stalls).await
}
