//! Skills: the list a volunteer picks from, and each person's.

use std::collections::HashMap;

use sea_orm::entity::prelude::*;
use sea_orm::{DatabaseConnection, QueryOrder, QuerySelect, Set};

use crate::entities::person_skill;
use crate::{Actor, FieldError, MemberError, tx};

use super::current_organizations_of;

/// Volunteer skills, as codes with the Chinese word rosters use for them.
pub const SKILLS: &[(&str, &str)] = &[
    ("haircut", "理发"),
    ("medical", "医疗"),
    ("legal", "法律咨询"),
    ("counselling", "心理疏导"),
    ("tutoring", "课业辅导"),
    ("repair", "家电维修"),
    ("elderly_care", "助老服务"),
    ("patrol", "治安巡逻"),
    ("environment", "环保宣传"),
    ("digital", "手机电脑"),
    ("photography", "摄影"),
    ("cooking", "烹饪"),
];

/// A skill code from a code or its Chinese word.
pub fn parse_skill(input: &str) -> Option<&'static str> {
    let input = input.trim();
    SKILLS
        .iter()
        .find(|(code, word)| *code == input || *word == input)
        .map(|(code, _)| *code)
}

/// `理发、医疗` or `haircut, medical` → codes; the first unknown word is the error.
pub fn parse_skills(field: &'static str, input: &str) -> Result<Vec<&'static str>, FieldError> {
    let mut skills = Vec::new();
    for word in input
        .split(['、', ',', '，', ';', '；', '/', ' '])
        .filter(|w| !w.trim().is_empty())
    {
        let skill = parse_skill(word).ok_or(FieldError::new(field, "error-skill-unknown"))?;
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
    Ok(skills)
}

pub fn skill_word(code: &str) -> &str {
    SKILLS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, word)| word)
}

/// Skill codes per person, for many people at once.
/// The skills of each person, by code.
pub async fn skills_of(
    db: &impl ConnectionTrait,
    person_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<String>>, MemberError> {
    let mut skills: HashMap<Uuid, Vec<String>> = HashMap::new();
    for chunk in person_ids.chunks(500) {
        for row in person_skill::Entity::find()
            .filter(person_skill::Column::PersonId.is_in(chunk.to_vec()))
            .order_by_asc(person_skill::Column::Skill)
            .all(db)
            .await?
        {
            skills.entry(row.person_id).or_default().push(row.skill);
        }
    }
    Ok(skills)
}

pub(crate) async fn add_skills(
    db: &impl ConnectionTrait,
    person_id: Uuid,
    skills: &[&str],
) -> Result<(), MemberError> {
    let existing: Vec<String> = person_skill::Entity::find()
        .select_only()
        .column(person_skill::Column::Skill)
        .filter(person_skill::Column::PersonId.eq(person_id))
        .into_tuple()
        .all(db)
        .await?;
    let new: Vec<person_skill::ActiveModel> = skills
        .iter()
        .filter(|s| !existing.iter().any(|e| e == *s))
        .map(|skill| person_skill::ActiveModel {
            person_id: Set(person_id),
            skill: Set((*skill).to_owned()),
        })
        .collect();
    if !new.is_empty() {
        person_skill::Entity::insert_many(new).exec(db).await?;
    }
    Ok(())
}

/// Replaces a person's skills: the person themself, staff, or a leader of an
/// organization they belong to.
pub async fn set_skills(
    db: &DatabaseConnection,
    actor: &Actor,
    person_id: Uuid,
    input: &str,
) -> Result<Vec<&'static str>, MemberError> {
    let orgs = current_organizations_of(db, person_id).await?;
    let allowed = actor.person_id == person_id
        || actor.is_staff()
        || orgs.iter().any(|org| actor.leads.contains(org));
    if !allowed {
        return Err(MemberError::Forbidden);
    }
    let skills = parse_skills("skills", input)?;
    let txn = tx::begin_write(db).await?;
    person_skill::Entity::delete_many()
        .filter(person_skill::Column::PersonId.eq(person_id))
        .exec(&txn)
        .await?;
    add_skills(&txn, person_id, &skills).await?;
    txn.commit().await?;
    Ok(skills)
}
