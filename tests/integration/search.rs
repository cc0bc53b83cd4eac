//! Golden search queries over the bundled content, and recall 1.0 against brute force for every
//! 1- and 2-character substring of the catalogue's titles.

use std::collections::{BTreeMap, BTreeSet};

use readpoint::content::IndexFields;
use readpoint::store::{FacetCount, MatchTier, SearchFacets, SearchRequest, Store, StoreError};
use readpoint::text::fold_str;

use crate::support::bundled_store;

fn search(store: &Store, query: &str) -> Vec<(String, MatchTier)> {
    let request = SearchRequest {
        query: query.into(),
        limit: 100,
        ..Default::default()
    };
    store
        .search(&request)
        .expect("search")
        .hits
        .into_iter()
        .map(|h| (h.id, h.tier))
        .collect()
}

fn ids(store: &Store, query: &str) -> BTreeSet<String> {
    search(store, query).into_iter().map(|(id, _)| id).collect()
}

#[test]
fn shebao_and_yibao_find_the_documents_that_mention_them() {
    let store = bundled_store();
    let shebao = ids(&store, "社保");
    assert!(shebao.contains("ce-2012-00013"), "{shebao:?}");
    assert!(shebao.contains("ar-ls-zwzx-2012"), "{shebao:?}");
    // Traditional finds Simplified, and the other way round.
    assert_eq!(ids(&store, "醫保"), ids(&store, "医保"));
    assert!(!ids(&store, "醫保").is_empty());
    assert_eq!(ids(&store, "並聯審批"), ids(&store, "并联审批"));
}

#[test]
fn title_hits_rank_before_body_hits() {
    let store = bundled_store();
    let hits = search(&store, "并联审批");
    let first_body = hits
        .iter()
        .position(|(_, tier)| *tier == MatchTier::Body)
        .unwrap_or(hits.len());
    assert!(
        first_body >= 6,
        "six titles or keyword lists say 并联审批: {hits:?}"
    );
    assert!(
        hits[..first_body]
            .iter()
            .all(|(_, tier)| *tier == MatchTier::Title)
    );
    assert!(
        hits[first_body..]
            .iter()
            .all(|(_, tier)| *tier == MatchTier::Body)
    );
}

#[test]
fn pinyin_initials_and_full_pinyin_find_titles() {
    let store = bundled_store();
    let blsp = search(&store, "blsp");
    let titled: BTreeSet<&str> = [
        "ce-2012-00009",
        "ce-2012-00010",
        "ce-2012-00011",
        "ce-2013-00003",
        "ce-2013-00004",
        "ce-2013-00005",
    ]
    .into();
    let found: BTreeSet<&str> = blsp.iter().map(|(id, _)| id.as_str()).collect();
    assert!(titled.is_subset(&found), "blsp → {blsp:?}");
    assert!(blsp.iter().all(|(_, tier)| *tier == MatchTier::Pinyin));
    assert_eq!(ids(&store, "binglianshenpi"), ids(&store, "blsp"));
    // While typing: an unfinished last syllable.
    assert!(ids(&store, "binglianshen").is_superset(&ids(&store, "binglianshenpi")));
}

#[test]
fn codes_digits_and_mixed_terms() {
    let store = bundled_store();
    assert_eq!(search(&store, "000000019/2012-00009")[0].0, "ce-2012-00009");
    assert_eq!(search(&store, "国办发〔2008〕36号")[0].0, "ce-2012-00006");
    let mixed = ids(&store, "311件");
    assert!(
        mixed.contains("ce-2013-00003") && mixed.contains("ar-ls-zwzx-2012"),
        "{mixed:?}"
    );
    // Full-width digits fold to half-width.
    assert_eq!(ids(&store, "３１１件"), mixed);
    assert!(ids(&store, "2012").len() > 20);
}

#[test]
fn highlights_mark_the_match() {
    let store = bundled_store();
    let request = SearchRequest {
        query: "醫保".into(),
        limit: 5,
        ..Default::default()
    };
    let results = store.search(&request).unwrap();
    let hit = results
        .hits
        .iter()
        .find(|h| h.id == "ce-2012-00013")
        .expect("hit");
    assert!(
        hit.snippet.marked("【", "】").contains("【医保】"),
        "{:?}",
        hit.snippet
    );
}

#[test]
fn empty_absurd_and_unknown_queries_get_clear_answers() {
    let store = bundled_store();
    for query in ["", "   ", "，。！", "%%%"] {
        let request = SearchRequest {
            query: query.into(),
            limit: 5,
            ..Default::default()
        };
        assert!(
            matches!(store.search(&request), Err(StoreError::Query(_))),
            "{query:?}"
        );
    }
    let request = SearchRequest {
        query: "a".repeat(500),
        limit: 5,
        ..Default::default()
    };
    assert!(matches!(store.search(&request), Err(StoreError::Query(_))));
    // FTS5 syntax in the query is just text.
    for query in [
        "AND",
        "\"社保",
        "社保 OR 医保",
        "NEAR(社 保)",
        "title:社保",
        "*",
    ] {
        let request = SearchRequest {
            query: query.into(),
            limit: 5,
            ..Default::default()
        };
        let _ = store.search(&request);
    }
    assert!(search(&store, "量子纠缠").is_empty());
    assert!(search(&store, "zzzzqqqq").is_empty());
}

/// Pages through `query` `limit` hits at a time: every match is listed once, across the tiers.
fn assert_pages_hold_every_match_once(store: &Store, query: &str, limit: usize) {
    let all: BTreeSet<String> = store
        .search_all_ids(&SearchRequest {
            query: query.into(),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .collect();
    let mut paged = Vec::new();
    let mut offset = 0;
    loop {
        let page = store
            .search(&SearchRequest {
                query: query.into(),
                offset,
                limit,
                ..Default::default()
            })
            .unwrap();
        offset += limit;
        paged.extend(page.hits.into_iter().map(|h| h.id));
        if !page.has_more {
            break;
        }
    }
    let unique: BTreeSet<String> = paged.iter().cloned().collect();
    assert_eq!(
        unique.len(),
        paged.len(),
        "{query}: no duplicates across pages"
    );
    assert_eq!(unique, all, "{query}: the pages hold every match");
}

#[test]
fn paging_returns_every_hit_once() {
    let store = bundled_store();
    // A phrase; single characters (looked up without positions); both in one query.
    for query in ["公开", "社", "社 审", "公开 社", "2012 年"] {
        assert_pages_hold_every_match_once(&store, query, 7);
    }
}

#[test]
fn facets_count_every_match() {
    let store = bundled_store();
    let facets = store
        .search_facets(&SearchRequest {
            query: "并联审批".into(),
            ..Default::default()
        })
        .unwrap();
    let ids = store
        .search_all_ids(&SearchRequest {
            query: "并联审批".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(facets.total as usize, ids.len());
    assert!(
        facets
            .category
            .iter()
            .any(|f| f.value == "BLSP" && f.count >= 5),
        "{facets:?}"
    );
    // A facet filter narrows the results.
    let request = SearchRequest {
        query: "并联审批".into(),
        category: Some("BLSP".into()),
        limit: 100,
        ..Default::default()
    };
    let filtered = store.search(&request).unwrap();
    assert!(
        filtered
            .hits
            .iter()
            .all(|h| h.category.as_deref() == Some("BLSP"))
    );
}

/// Brute force over every shown document's text: the ids whose folded text contains `needle`.
fn brute_force(store: &Store, needle: &str) -> BTreeSet<String> {
    let needle = fold_str(needle);
    let mut out = BTreeSet::new();
    for kind in [
        "guide_section",
        "catalogue_entry",
        "annual_report",
        "procedure",
        "form_template",
        "reading_point_group",
    ] {
        for row in store
            .documents_of_kind(readpoint::content::Kind::from_wire(kind))
            .unwrap()
        {
            let doc = row.document;
            let f = doc.index_fields();
            let sides = [
                format!(
                    "{}\n{}\n{}",
                    f.title,
                    f.keywords.join("\n"),
                    f.codes.join("\n")
                ),
                format!("{}\n{}", f.summary, f.body),
            ];
            if sides.iter().any(|s| fold_str(s).contains(&needle)) {
                out.insert(row.id.clone());
            }
        }
    }
    out
}

#[test]
fn recall_is_complete_for_every_one_and_two_character_substring_of_titles() {
    let store = bundled_store();
    let mut needles = BTreeSet::new();
    for row in store
        .documents_of_kind(readpoint::content::Kind::CatalogueEntry)
        .unwrap()
    {
        let chars: Vec<char> = row
            .title
            .chars()
            .filter(|c| readpoint::text::fold::is_cjk(*c))
            .collect();
        needles.extend(chars.iter().map(|c| c.to_string()));
        needles.extend(chars.windows(2).map(|w| w.iter().collect::<String>()));
    }
    assert!(needles.len() > 300);
    for needle in &needles {
        assert_recall(&store, needle);
    }
}

/// The index finds every document brute force finds; for CJK-only needles, exactly those.
/// (Letters and digits match word prefixes, so a number may also find a longer number.)
fn assert_recall(store: &Store, needle: &str) {
    let expected = brute_force(store, needle);
    let found: BTreeSet<String> = store
        .search_all_ids(&SearchRequest {
            query: needle.to_owned(),
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .collect();
    assert!(
        expected.is_subset(&found),
        "{needle}: missing {:?}",
        expected.difference(&found).collect::<Vec<_>>()
    );
    if needle.chars().all(readpoint::text::fold::is_cjk) {
        assert_eq!(found, expected, "{needle}: extra results");
    }
}

#[test]
fn recall_is_complete_for_longer_substrings_and_numbers() {
    let store = bundled_store();
    let mut needles = BTreeSet::new();
    for row in store
        .documents_of_kind(readpoint::content::Kind::CatalogueEntry)
        .unwrap()
    {
        let chars: Vec<char> = row.title.chars().collect();
        let word = |c: &char| c.is_ascii_alphanumeric();
        for n in [3, 4, 6] {
            for (i, w) in chars.windows(n).enumerate() {
                // Letters and digits match from the start of a word (`2012`, not `012`).
                if i > 0 && word(&chars[i]) && word(&chars[i - 1]) {
                    continue;
                }
                needles.insert(w.iter().collect::<String>());
            }
        }
    }
    needles.extend(["2012", "311", "5879件", "262亿元", "2012年", "〔2012〕9号"].map(String::from));
    for needle in &needles {
        // Only needles that are runs of the text itself: punctuation inside a window is a
        // separator, not something a visitor types.
        if needle
            .chars()
            .any(|c| !readpoint::text::fold::is_cjk(c) && !c.is_alphanumeric())
            && !needle.contains('〔')
        {
            continue;
        }
        assert_recall(&store, needle);
    }
}

#[test]
fn pinyin_pages_hold_every_match_once() {
    let store = bundled_store();
    for query in ["zf", "xx", "blsp", "zhengfu", "gk"] {
        assert_pages_hold_every_match_once(&store, query, 5);
    }
}

#[test]
fn recall_is_complete_for_queries_of_several_terms() {
    let store = bundled_store();
    // Each term somewhere in the document, in the title side or the text, in any order: single
    // characters, phrases and numbers together.
    let queries = [
        "社 审",
        "审 社",
        "信 息 公",
        "公开 社",
        "社 公开",
        "2012 年",
        "年 2012",
        "申请 局",
        "乐 山 信息公开",
    ];
    for query in queries {
        let mut terms = query.split(' ');
        let first = brute_force(&store, terms.next().expect("a term"));
        let expected = terms.fold(first, |found, term| {
            found
                .intersection(&brute_force(&store, term))
                .cloned()
                .collect()
        });
        assert!(
            !expected.is_empty(),
            "{query}: the bundled content has matches"
        );
        let found: BTreeSet<String> = store
            .search_all_ids(&SearchRequest {
                query: query.to_owned(),
                ..Default::default()
            })
            .unwrap()
            .into_iter()
            .collect();
        if query.contains("2012") {
            assert!(expected.is_subset(&found), "{query}");
        } else {
            assert_eq!(found, expected, "{query}");
        }
    }
}

#[test]
fn numbers_inside_letter_words_are_found() {
    let kiosk = crate::support::TempKiosk::new();
    let mut store = kiosk.store();
    let mut doc: serde_json::Value =
        serde_json::from_str(readpoint::import::BUNDLED_CONTENT).unwrap();
    let mut entry = doc["documents"]
        .as_array_mut()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "ce-2012-00001")
        .cloned()
        .unwrap();
    entry["id"] = "ce-2014-00100".into();
    entry["title"] = "窗口服务通过ISO9001质量管理体系认证".into();
    let file =
        serde_json::json!({ "format": "readpoint-shard/1", "documents": [entry] }).to_string();
    let path = crate::support::write_file(&kiosk.home, "iso.json", &file);
    readpoint::import::import_file(&mut store, &path).unwrap();
    for query in ["9001", "ISO9001", "iso", "ＩＳＯ９００１质量", "通过iso"] {
        assert!(ids(&store, query).contains("ce-2014-00100"), "{query}");
    }
}

/// Facet counts the long way: every matching id (the join with its document row, with the
/// filters in SQL), each document's own facet values.
fn counted_one_by_one(store: &Store, request: &SearchRequest) -> SearchFacets {
    // Each facet under the other facets' filters: the matches with its own filter cleared.
    let tally = |request: &SearchRequest, value: &dyn Fn(IndexFields) -> Option<String>| {
        let mut map = BTreeMap::<String, u64>::new();
        for id in store.search_all_ids(request).unwrap() {
            let row = store.document(&id).unwrap().expect("a matching document");
            if let Some(value) = value(row.document.index_fields()) {
                *map.entry(value).or_default() += 1;
            }
        }
        map
    };
    let category = tally(
        &SearchRequest {
            category: None,
            ..request.clone()
        },
        &|fields| fields.category,
    );
    let year = tally(
        &SearchRequest {
            year: None,
            ..request.clone()
        },
        &|fields| fields.year.map(|y| y.to_string()),
    );
    let publisher = tally(
        &SearchRequest {
            publisher: None,
            ..request.clone()
        },
        &|fields| fields.publisher,
    );
    let facet = |map: BTreeMap<String, u64>, newest_first: bool| {
        let mut v: Vec<FacetCount> = map
            .into_iter()
            .map(|(value, count)| FacetCount { value, count })
            .collect();
        if newest_first {
            v.sort_by(|a, b| b.value.cmp(&a.value));
        } else {
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        }
        v
    };
    SearchFacets {
        total: store.search_all_ids(request).unwrap().len() as u64,
        category: facet(category, false),
        year: facet(year, true),
        publisher: facet(publisher, false),
    }
}

#[test]
fn search_facets_agree_with_every_match_under_every_filter_and_follow_each_commit() {
    let mut store = bundled_store();
    let publisher = store
        .document("ce-2012-00001")
        .unwrap()
        .expect("ce-2012-00001")
        .document
        .index_fields()
        .publisher
        .expect("a publisher");
    let requests = |query: &str| {
        let base = SearchRequest {
            query: query.into(),
            ..Default::default()
        };
        vec![
            base.clone(),
            SearchRequest {
                category: Some("BLSP".into()),
                ..base.clone()
            },
            SearchRequest {
                year: Some(2012),
                ..base.clone()
            },
            SearchRequest {
                publisher: Some(publisher.clone()),
                year: Some(2012),
                ..base.clone()
            },
            SearchRequest {
                category: Some("no such category".into()),
                ..base
            },
        ]
    };
    let queries = [
        "信息",
        "审批",
        "社",
        "blsp",
        "xxgk",
        "2012",
        "乐市",
        "社 审批",
        "信 息",
    ];
    for query in queries {
        for request in requests(query) {
            assert_eq!(
                store.search_facets(&request).unwrap(),
                counted_one_by_one(&store, &request),
                "{request:?}"
            );
        }
    }
    // A new document: the counts follow the commit.
    let before = store.search_facets(&requests("信息")[0].clone()).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(
        &store
            .document("ce-2012-00001")
            .unwrap()
            .expect("the entry")
            .document
            .raw
            .to_json(),
    )
    .unwrap();
    doc["id"] = "ce-2012-99999".into();
    doc["title"] = "信息公开补充目录".into();
    let doc = readpoint::content::Document::from_value(doc).expect("valid");
    store.upsert(&[doc], "import:extra.json", None).unwrap();
    let after = store.search_facets(&requests("信息")[0].clone()).unwrap();
    assert_eq!(after.total, before.total + 1);
    assert_eq!(after, counted_one_by_one(&store, &requests("信息")[0]));
}
