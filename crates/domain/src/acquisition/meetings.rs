//! The acquisition team's meetings (seed 002 团队协作: 定期召开团队工作会议，分享拓户经验和信息，共同研究解决拓户
//! 工作中遇到的困难和问题): when, who attended, the topic and the minutes, and the actions agreed — each
//! given to one attendee with a day it is due, open until its owner (or the branch's supervisor) marks it
//! done.

use crate::FieldErrors;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// At most this many actions per meeting, and characters of the minutes.
pub const ACTIONS_MAX: usize = 20;
pub const MINUTES_MAX: usize = 5000;

code_enum!(
    /// Where an action stands.
    ActionState {
        Open = "open",
        Done = "done",
    }
);

impl ActionState {
    /// Marking done: an open action only.
    pub fn done(self) -> Option<Self> {
        match self {
            Self::Open => Some(Self::Done),
            Self::Done => None,
        }
    }
}

/// One action as entered: what, whose (an attendee), by when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDraft<P> {
    pub what: String,
    pub owner: P,
    pub due_on: Date,
}

/// Every broken rule of a meeting as entered: held on `held_on` (not after `today`), a topic, the minutes,
/// at least one attendee, and actions whose owners attended and whose days are not before the meeting.
pub fn check<P: PartialEq>(
    held_on: Option<Date>,
    today: Date,
    topic: &str,
    minutes: &str,
    attendees: &[P],
    actions: &[ActionDraft<P>],
) -> FieldErrors {
    let mut e = FieldErrors::new();
    match held_on {
        None => e.push("held_at", "required", "when the meeting took place"),
        Some(d) if d > today => e.push(
            "held_at",
            "past",
            "a meeting is recorded after it took place",
        ),
        Some(_) => {}
    }
    if topic.trim().is_empty() {
        e.push("topic", "required", "what the meeting was about");
    } else if topic.chars().count() > 200 {
        e.push("topic", "max_length", "must be at most 200 characters");
    }
    if minutes.trim().is_empty() {
        e.push("minutes", "required", "what was shared and decided");
    } else if minutes.chars().count() > MINUTES_MAX {
        e.push("minutes", "max_length", "must be at most 5000 characters");
    }
    if attendees.is_empty() {
        e.push("attendees", "required", "who attended");
    }
    if actions.len() > ACTIONS_MAX {
        e.push("actions", "max_items", "at most 20 actions per meeting");
    }
    for (i, a) in actions.iter().enumerate() {
        let f = |k: &str| format!("actions[{i}].{k}");
        if a.what.trim().is_empty() {
            e.push(f("what"), "required", "what is to be done");
        } else if a.what.chars().count() > 500 {
            e.push(f("what"), "max_length", "must be at most 500 characters");
        }
        if !attendees.contains(&a.owner) {
            e.push(
                f("owner"),
                "attendee",
                "an action is given to someone who attended",
            );
        }
        if held_on.is_some_and(|d| a.due_on < d) {
            e.push(
                f("due_on"),
                "after_meeting",
                "is due on or after the meeting",
            );
        }
    }
    e
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jiff::civil::date;

    fn rules(e: FieldErrors) -> Vec<String> {
        e.0.into_iter()
            .map(|x| format!("{}:{}", x.field, x.rule))
            .collect()
    }

    #[test]
    fn a_meeting_names_when_who_what_and_gives_its_actions_to_attendees() {
        let today = date(2026, 12, 4);
        let act = |owner: u8, due| ActionDraft {
            what: "整理名单".into(),
            owner,
            due_on: due,
        };
        assert!(
            check(
                Some(today),
                today,
                "周例会",
                "分享拜访经验",
                &[1, 2],
                &[act(2, today)]
            )
            .is_empty()
        );
        assert_eq!(
            rules(check(
                Some(date(2026, 12, 5)),
                today,
                " ",
                "",
                &[] as &[u8],
                &[act(3, date(2026, 12, 1))]
            )),
            vec![
                "held_at:past",
                "topic:required",
                "minutes:required",
                "attendees:required",
                "actions[0].owner:attendee",
                "actions[0].due_on:after_meeting"
            ]
        );
        assert_eq!(ActionState::Open.done(), Some(ActionState::Done));
        assert_eq!(ActionState::Done.done(), None);
    }
}
