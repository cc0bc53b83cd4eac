//! Search (搜索): the query typed on the on-screen keyboard (or a physical keyboard / IME), run
//! as the visitor types, one page of highlighted hits at a time, and the category and year chips
//! that filter them.
//!
//! Owns running a query and its chips on the store worker (highlighted, in the visitor's script)
//! and turning hits and chips into Slint values. The search session (generations, filters, the
//! hits on display) belongs to the search screen's controller. Must never: run SQL directly,
//! build Slint values on the worker.

use std::ops::Range;

use slint::ComponentHandle;

use super::labels::{ChipData, Labels};
use super::{Display, model};

use crate::store::{FacetCount, SearchRequest, Snippet, Store, StoreError};
use crate::ui::{AppWindow, FacetChipView, SearchAdapter, SearchHitView, TextPiece};

/// Hits per page (更多结果 loads the next).
pub const PAGE: usize = 20;
/// A query on display this long without a change is counted as a search (usage statistics).
pub const SETTLE_AFTER: std::time::Duration = std::time::Duration::from_secs(2);
/// Opening and closing marks around a match where a line wraps.
const MARK_OPEN: &str = "【";
const MARK_CLOSE: &str = "】";

/// A run of text, matched or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub hit: bool,
}

/// Splits `text` into plain and highlighted segments. `highlights` are character ranges, sorted;
/// ranges out of bounds are clipped and overlapping ones merged, so no input can panic.
pub fn segments(text: &str, highlights: &[Range<usize>]) -> Vec<Segment> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<Segment> = Vec::new();
    let mut push = |range: Range<usize>, hit: bool| {
        if range.start >= range.end {
            return;
        }
        let piece: String = chars[range].iter().collect();
        match out.last_mut() {
            Some(last) if last.hit == hit => last.text.push_str(&piece),
            _ => out.push(Segment { text: piece, hit }),
        }
    };
    let mut at = 0;
    for range in highlights {
        let start = range.start.clamp(at, chars.len());
        let end = range.end.clamp(start, chars.len());
        push(at..start, false);
        push(start..end, true);
        at = end;
    }
    push(at..chars.len(), false);
    out
}

/// The segments' text with `【` … `】` around each match.
pub fn marked(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        if segment.hit {
            out.push_str(MARK_OPEN);
            out.push_str(&segment.text);
            out.push_str(MARK_CLOSE);
        } else {
            out.push_str(&segment.text);
        }
    }
    out
}

/// The segments' text without marks.
pub fn plain(segments: &[Segment]) -> String {
    segments.iter().map(|s| s.text.as_str()).collect()
}

/// `snippet` as segments in the visitor's script.
fn display_segments(snippet: &Snippet, display: Display) -> Vec<Segment> {
    segments(&snippet.text, &snippet.highlights)
        .into_iter()
        .map(|s| Segment {
            text: display.text(&s.text),
            hit: s.hit,
        })
        .collect()
}

/// One hit as plain data, in the visitor's script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitData {
    pub id: String,
    pub kind: String,
    pub title: Vec<Segment>,
    pub snippet: Vec<Segment>,
    /// Date · category · publisher (for a match in an attachment: the file and page).
    pub meta: String,
    /// A match in an attachment: its place on the document and the page.
    pub attachment: Option<(usize, u32)>,
}

/// Matches inside attachments listed after the first page of documents, at most.
const ATTACHMENT_HITS: usize = 5;

/// One page of hits.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PageData {
    pub hits: Vec<HitData>,
    pub has_more: bool,
}

/// The counts behind the chips and the total.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FacetData {
    /// Matches under every filter.
    pub total: u64,
    /// Category chips, counted under the year filter.
    pub categories: Vec<ChipData>,
    /// Year chips, counted under the category filter.
    pub years: Vec<ChipData>,
}

/// Runs one page of `req` (on the worker).
pub fn load_page(
    store: &Store,
    req: &SearchRequest,
    display: Display,
) -> Result<PageData, StoreError> {
    let results = store.search(req)?;
    let labels = Labels::load(store)?;
    let hits = results
        .hits
        .into_iter()
        .map(|hit| {
            let mut meta: Vec<String> = Vec::new();
            if let Some(date) = hit.date {
                meta.push(date);
            }
            if let Some(category) = &hit.category {
                meta.push(display.text(&labels.category(category)));
            }
            if let Some(publisher) = &hit.publisher {
                meta.push(display.text(publisher));
            }
            HitData {
                id: hit.id,
                kind: hit.kind,
                title: display_segments(&hit.title, display),
                snippet: display_segments(&hit.snippet, display),
                meta: meta.join(" · "),
                attachment: None,
            }
        })
        .collect();
    let mut hits: Vec<HitData> = hits;
    // Matches inside attachments (their rendered pages' text), after the first page of
    // documents; the filters are the documents' and do not apply to pages.
    let unfiltered = req.category.is_none() && req.year.is_none() && req.publisher.is_none();
    if req.offset == 0 && unfiltered {
        for hit in store.search_attachments(&req.query, ATTACHMENT_HITS)? {
            hits.push(HitData {
                id: hit.document,
                kind: "attachment".into(),
                title: display_segments(
                    &crate::store::Snippet {
                        text: hit.title,
                        highlights: Vec::new(),
                    },
                    display,
                ),
                snippet: display_segments(&hit.snippet, display),
                meta: display.text(&format!("附件 {} · 第 {} 页", hit.file_name, hit.page)),
                attachment: Some((hit.position, hit.page)),
            });
        }
    }
    Ok(PageData {
        hits,
        has_more: results.has_more,
    })
}

/// Counts the matches of `req` for the chips (on the worker), in one pass over the matches:
/// each facet is counted under the other facet's filter, so a chip shows what tapping it would
/// leave; a selected value is kept even when nothing matches it any more, so it can be tapped
/// off.
pub fn load_facets(
    store: &Store,
    req: &SearchRequest,
    display: Display,
) -> Result<FacetData, StoreError> {
    let facets = store.search_facets(req)?;
    let labels = Labels::load(store)?;
    let chips =
        |counts: Vec<FacetCount>, selected: Option<String>, label: &dyn Fn(&str) -> String| {
            let mut chips: Vec<ChipData> = counts
                .into_iter()
                .map(|c| ChipData {
                    label: label(&c.value),
                    value: c.value,
                    count: c.count,
                })
                .collect();
            if let Some(selected) = selected
                && !chips.iter().any(|c| c.value == selected)
            {
                chips.insert(
                    0,
                    ChipData {
                        label: label(&selected),
                        value: selected,
                        count: 0,
                    },
                );
            }
            chips
        };
    let categories = chips(facets.category, req.category.clone(), &|code| {
        display.text(&labels.category(code))
    });
    let years = chips(
        facets.year,
        req.year.map(|y| y.to_string()),
        &|year: &str| year.to_owned(),
    );
    Ok(FacetData {
        total: facets.total,
        categories,
        years,
    })
}

pub(crate) fn piece_model(segments: &[Segment]) -> slint::ModelRc<TextPiece> {
    model(
        segments
            .iter()
            .map(|s| TextPiece {
                text: s.text.as_str().into(),
                hit: s.hit,
            })
            .collect(),
    )
}

pub(crate) fn hit_view(hit: &HitData) -> SearchHitView {
    SearchHitView {
        id: hit.id.as_str().into(),
        kind: hit.kind.as_str().into(),
        title: plain(&hit.title).into(),
        title_pieces: piece_model(&hit.title),
        title_marked: marked(&hit.title).into(),
        snippet: plain(&hit.snippet).into(),
        snippet_pieces: piece_model(&hit.snippet),
        snippet_marked: marked(&hit.snippet).into(),
        meta: hit.meta.as_str().into(),
        attachment: hit
            .attachment
            .map_or(-1, |(position, _)| i32::try_from(position).unwrap_or(-1)),
        page: hit
            .attachment
            .map_or(0, |(_, page)| i32::try_from(page).unwrap_or(0)),
    }
}

pub(crate) fn chip_views(
    chips: &[ChipData],
    selected: Option<&str>,
) -> slint::ModelRc<FacetChipView> {
    model(
        chips
            .iter()
            .map(|c| FacetChipView {
                value: c.value.as_str().into(),
                label: c.label.as_str().into(),
                count: i32::try_from(c.count).unwrap_or(i32::MAX),
                selected: selected == Some(c.value.as_str()),
            })
            .collect(),
    )
}

/// What the visitor looked for and did not find, for the 申请表: the query on display and the
/// labels of the category and year chips they had selected (UI thread; reads the screen).
pub fn wanted(app: &AppWindow) -> Option<String> {
    use slint::Model;
    let adapter = app.global::<SearchAdapter>();
    let query = adapter.get_query();
    if query.trim().is_empty() {
        return None;
    }
    let selected = |chips: slint::ModelRc<FacetChipView>| {
        chips
            .iter()
            .find(|chip| chip.selected)
            .map(|chip| chip.label.to_string())
    };
    Some(super::printables::wanted_description(
        &query,
        selected(adapter.get_categories()).as_deref(),
        selected(adapter.get_years()).as_deref(),
    ))
}

#[cfg(test)]
#[allow(clippy::single_range_in_vec_init)] // one highlight is the common case
mod tests {
    use super::*;
    use crate::view_models::bundled_store;

    fn seg(text: &str, hit: bool) -> Segment {
        Segment {
            text: text.to_owned(),
            hit,
        }
    }

    #[test]
    fn segments_split_text_at_character_ranges() {
        assert_eq!(
            segments("进驻社保医保", &[2..4]),
            vec![seg("进驻", false), seg("社保", true), seg("医保", false)]
        );
        assert_eq!(
            segments("社保医保", &[0..2, 2..4]),
            vec![seg("社保医保", true)],
            "adjacent matches join"
        );
        assert_eq!(
            segments("a社保", &[1..3]),
            vec![seg("a", false), seg("社保", true)]
        );
        assert_eq!(segments("无匹配", &[]), vec![seg("无匹配", false)]);
        assert_eq!(segments("", &[]), vec![]);
    }

    #[test]
    fn segments_never_panic_on_bad_ranges() {
        assert_eq!(
            segments("社保", &[1..9]),
            vec![seg("社", false), seg("保", true)]
        );
        assert_eq!(segments("社保", &[5..9]), vec![seg("社保", false)]);
        #[allow(clippy::reversed_empty_ranges)]
        let reversed = [2..1];
        assert_eq!(segments("社保医", &reversed), vec![seg("社保医", false)]);
        assert_eq!(
            segments("社保医保", &[0..3, 1..4]),
            vec![seg("社保医保", true)],
            "overlapping ranges merge"
        );
    }

    #[test]
    fn marked_brackets_matches_and_plain_drops_marks() {
        let parts = segments("进驻社保医保", &[2..4]);
        assert_eq!(marked(&parts), "进驻【社保】医保");
        assert_eq!(plain(&parts), "进驻社保医保");
        let snippet = Snippet {
            text: "进驻社保医保".into(),
            highlights: vec![2..4],
        };
        assert_eq!(marked(&parts), snippet.marked("【", "】"));
    }

    #[test]
    fn pages_and_facets_of_the_bundled_content() {
        let store = bundled_store();
        let req = SearchRequest {
            query: "社保".into(),
            limit: PAGE,
            ..SearchRequest::default()
        };
        let page = load_page(&store, &req, Display::default()).unwrap();
        let hit = page
            .hits
            .iter()
            .find(|h| h.id == "ce-2012-00013")
            .expect("the 一站式 entry mentions 社保");
        assert!(hit.snippet.iter().any(|s| s.hit && s.text == "社保"));
        assert!(
            hit.meta.contains("便民服务"),
            "category label: {}",
            hit.meta
        );
        assert!(hit.meta.contains("2012-07-02"), "{}", hit.meta);

        let facets = load_facets(&store, &req, Display::default()).unwrap();
        assert_eq!(facets.total as usize, page.hits.len());
        assert!(facets.categories.iter().any(|c| c.label == "便民服务"));
        assert!(facets.years.iter().any(|y| y.value == "2012"));

        let filtered = SearchRequest {
            category: Some("BMFW".into()),
            ..req.clone()
        };
        let facets = load_facets(&store, &filtered, Display::default()).unwrap();
        assert_eq!(facets.total, 1);

        let traditional = load_page(&store, &req, Display { traditional: true }).unwrap();
        assert!(
            traditional
                .hits
                .iter()
                .any(|h| plain(&h.title).contains("公共服務")),
            "titles in Traditional"
        );
    }
}
