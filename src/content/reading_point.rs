//! `reading_point_group`: a group of 政府信息查阅点 (reading points) at one administrative level.
//!
//! When sources disagree on how many points there are (218 in one section of the seed report,
//! 248 in another), `count` is null and every candidate is kept with its quote: this module never
//! reconciles them. Pure: never performs I/O.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::{Map, Value};

use super::common::Provenance;
use super::problem::{FromJson, Reader, index, join};

/// One figure a source gives for the number of reading points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CountCandidate {
    /// The number stated.
    pub value: u32,
    /// The sentence that states it.
    pub quote: String,
    /// Where in the source, e.g. 一（四）.
    pub section: String,
}

/// Reading points at one level (市级, 县级, 乡镇（街道）).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReadingPointGroup {
    /// Administrative level.
    pub level: String,
    /// Name of the group.
    pub name: String,
    /// How many points, when the sources agree; `None` when they do not (see `count_candidates`).
    pub count: Option<u32>,
    /// Every figure the sources give, each with its quote; never reconciled.
    pub count_candidates: Vec<CountCandidate>,
    /// Names of the members, when listed.
    pub members: Vec<String>,
    /// What the points offer (纸质信息查阅…).
    pub features: Vec<String>,
    /// How the kiosk must present the count (e.g. never show a total).
    pub display_rule: Option<String>,
    /// Id of a data-quality note about the group.
    pub data_quality_ref: Option<String>,
    /// Where the facts come from.
    pub provenance: Option<Provenance>,
}

impl FromJson for CountCandidate {
    fn from_json(r: &mut Reader, obj: &Map<String, Value>, path: &str) -> Option<CountCandidate> {
        let value = r.required(obj, path, "value");
        let quote = r.text(obj, path, "quote");
        let section = r.text(obj, path, "section");
        Some(CountCandidate {
            value: value?,
            quote: quote?,
            section: section?,
        })
    }
}

impl FromJson for ReadingPointGroup {
    fn from_json(
        r: &mut Reader,
        obj: &Map<String, Value>,
        path: &str,
    ) -> Option<ReadingPointGroup> {
        let level = r.text(obj, path, "level");
        let name = r.text(obj, path, "name");
        let count: Option<u32> = r.optional(obj, path, "count");
        let count_candidates = r.objects(obj, path, "count_candidates");
        let members: Option<Vec<String>> = r.list(obj, path, "members");
        if let Some(members) = &members {
            if let Some(count) = count
                && !members.is_empty()
                && u32::try_from(members.len()).ok() != Some(count)
            {
                r.report(
                    join(path, "members"),
                    format!(
                        "expected {count} members (the count), found {}",
                        members.len()
                    ),
                );
            }
            let mut seen = HashSet::new();
            for (i, member) in members.iter().enumerate() {
                if !seen.insert(member.as_str()) {
                    r.report(
                        index(&join(path, "members"), i),
                        format!("duplicate member {member:?}"),
                    );
                }
            }
        }
        let features = r.list(obj, path, "features");
        let display_rule = r.optional_text(obj, path, "display_rule");
        let data_quality_ref = r.optional_text(obj, path, "data_quality_ref");
        let provenance = r.optional_nested(obj, path, "provenance");
        Some(ReadingPointGroup {
            level: level?,
            name: name?,
            count,
            count_candidates: count_candidates?,
            members: members?,
            features: features?,
            display_rule,
            data_quality_ref,
            provenance,
        })
    }
}

impl ReadingPointGroup {
    /// True when the sources disagree on the count: show every candidate with its quote.
    pub fn is_disputed(&self) -> bool {
        self.count.is_none() && self.count_candidates.len() > 1
    }
}
