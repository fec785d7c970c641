//! The closed vocabularies of requests: what they are about, how they came in, their
//! class and status, what an update records, and how satisfied a resident is.

use sea_orm::entity::prelude::*;
use serde::Serialize;

/// `ALL`, `as_str` (the stored value, also the catalogue key's suffix) and `parse`.
macro_rules! vocabulary {
    ($name:ident { $($variant:ident => $value:literal),+ $(,)? }) => {
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value),+
                }
            }

            pub fn parse(input: &str) -> Option<$name> {
                match input.trim() {
                    $($value => Some($name::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

/// What a request is about.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum Category {
    #[sea_orm(string_value = "environment")]
    Environment,
    #[sea_orm(string_value = "parking")]
    Parking,
    #[sea_orm(string_value = "safety")]
    Safety,
    #[sea_orm(string_value = "facilities")]
    Facilities,
    #[sea_orm(string_value = "elderly_children")]
    ElderlyChildren,
    #[sea_orm(string_value = "disputes")]
    Disputes,
    #[sea_orm(string_value = "other")]
    Other,
}

vocabulary!(Category {
    Environment => "environment",
    Parking => "parking",
    Safety => "safety",
    Facilities => "facilities",
    ElderlyChildren => "elderly_children",
    Disputes => "disputes",
    Other => "other",
});

/// How a request reached the community.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// The resident's own submission on the public page.
    #[sea_orm(string_value = "web")]
    Web,
    #[sea_orm(string_value = "phone")]
    Phone,
    #[sea_orm(string_value = "visit")]
    Visit,
    #[sea_orm(string_value = "wechat")]
    Wechat,
}

vocabulary!(Channel {
    Web => "web",
    Phone => "phone",
    Visit => "visit",
    Wechat => "wechat",
});

/// 大事, 小事, 私事.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Class {
    /// The government is responsible: referred to a department.
    #[sea_orm(string_value = "big")]
    Big,
    /// The community, its organizations and residents solve it together.
    #[sea_orm(string_value = "small")]
    Small,
    /// Residents are guided to solve it themselves.
    #[sea_orm(string_value = "private")]
    Private,
}

vocabulary!(Class {
    Big => "big",
    Small => "small",
    Private => "private",
});

/// received → triaged → in progress → resolved → closed, or reopened.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Status {
    #[sea_orm(string_value = "received")]
    Received,
    /// Classified; a small matter waits here for its organization to accept it.
    #[sea_orm(string_value = "triaged")]
    Triaged,
    #[sea_orm(string_value = "in_progress")]
    InProgress,
    #[sea_orm(string_value = "resolved")]
    Resolved,
    #[sea_orm(string_value = "closed")]
    Closed,
    /// The resident was not satisfied and asked for another look.
    #[sea_orm(string_value = "reopened")]
    Reopened,
}

vocabulary!(Status {
    Received => "received",
    Triaged => "triaged",
    InProgress => "in_progress",
    Resolved => "resolved",
    Closed => "closed",
    Reopened => "reopened",
});

impl Status {
    /// Still someone's to do: counts towards its deadline.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Resolved | Status::Closed)
    }
}

/// One line of a request's timeline.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(24))")]
#[serde(rename_all = "snake_case")]
pub enum UpdateKind {
    #[sea_orm(string_value = "submitted")]
    Submitted,
    #[sea_orm(string_value = "classified")]
    Classified,
    #[sea_orm(string_value = "reclassified")]
    Reclassified,
    #[sea_orm(string_value = "referred")]
    Referred,
    #[sea_orm(string_value = "assigned")]
    Assigned,
    #[sea_orm(string_value = "accepted")]
    Accepted,
    #[sea_orm(string_value = "handed_back")]
    HandedBack,
    #[sea_orm(string_value = "guided")]
    Guided,
    #[sea_orm(string_value = "progress")]
    Progress,
    #[sea_orm(string_value = "resolved")]
    Resolved,
    #[sea_orm(string_value = "closed")]
    Closed,
    #[sea_orm(string_value = "rated")]
    Rated,
    #[sea_orm(string_value = "reopened")]
    Reopened,
    #[sea_orm(string_value = "summary")]
    Summary,
}

vocabulary!(UpdateKind {
    Submitted => "submitted",
    Classified => "classified",
    Reclassified => "reclassified",
    Referred => "referred",
    Assigned => "assigned",
    Accepted => "accepted",
    HandedBack => "handed_back",
    Guided => "guided",
    Progress => "progress",
    Resolved => "resolved",
    Closed => "closed",
    Rated => "rated",
    Reopened => "reopened",
    Summary => "summary",
});

impl UpdateKind {
    /// The steps a resident is told of: their request went somewhere, was taken on, answered,
    /// done, closed or taken up again (not notes, ratings, or a class changed and then
    /// routed in the same act, which tells once by its route).
    pub fn tells_resident(self) -> bool {
        matches!(
            self,
            UpdateKind::Referred
                | UpdateKind::Accepted
                | UpdateKind::Guided
                | UpdateKind::Resolved
                | UpdateKind::Closed
                | UpdateKind::Reopened
        )
    }
}

/// 满意, 基本满意, 不满意.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, EnumIter, DeriveActiveEnum, Serialize)]
#[sea_orm(rs_type = "String", db_type = "String(StringLen::N(16))")]
#[serde(rename_all = "snake_case")]
pub enum Level {
    #[sea_orm(string_value = "satisfied")]
    Satisfied,
    #[sea_orm(string_value = "basic")]
    Basic,
    #[sea_orm(string_value = "unsatisfied")]
    Unsatisfied,
}

vocabulary!(Level {
    Satisfied => "satisfied",
    Basic => "basic",
    Unsatisfied => "unsatisfied",
});

impl Level {
    /// Counted as satisfied in the satisfaction rate.
    pub fn is_satisfied(self) -> bool {
        !matches!(self, Level::Unsatisfied)
    }
}

impl UpdateKind {
    /// The handlers' working notes and reasons (triage reasons, progress notes, a hand-back
    /// reason): they stay among the handlers, and a resident's tracking view shows what was
    /// done without them.
    pub fn note_is_internal(self) -> bool {
        matches!(
            self,
            UpdateKind::Classified
                | UpdateKind::Reclassified
                | UpdateKind::Assigned
                | UpdateKind::Accepted
                | UpdateKind::HandedBack
                | UpdateKind::Progress
        )
    }
}
