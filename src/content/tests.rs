//! Tests of the content model against the sample dataset (`content/sample-content.json`) and
//! against deliberately broken copies of its documents. The dataset is compiled in: these tests
//! never read files or touch the network.

use serde_json::{Value, json};

use super::*;

const SAMPLE: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/content/sample-content.json"
));

fn sample_values() -> Vec<Value> {
    match ContentFile::parse(SAMPLE) {
        Ok(file) => file.documents,
        Err(e) => panic!("sample does not parse: {e}"),
    }
}

fn sample_documents() -> Vec<Document> {
    sample_values()
        .into_iter()
        .map(|v| match Document::from_value(v) {
            Ok(d) => d,
            Err(problems) => panic!("sample document invalid: {problems:?}"),
        })
        .collect()
}

/// The JSON of one sample document, to be broken by a test.
fn value_of(id: &str) -> Value {
    sample_values()
        .into_iter()
        .find(|v| v["id"] == id)
        .unwrap_or_else(|| panic!("no sample document {id}"))
}

fn document(value: Value) -> Document {
    match Document::from_value(value) {
        Ok(d) => d,
        Err(problems) => panic!("unexpected problems: {problems:#?}"),
    }
}

fn document_of(id: &str) -> Document {
    document(value_of(id))
}

fn problems(value: Value) -> Vec<Problem> {
    match Document::from_value(value) {
        Ok(d) => panic!("expected problems, document {} is valid", d.id),
        Err(problems) => problems,
    }
}

fn fields(problems: &[Problem]) -> Vec<&str> {
    problems.iter().map(|p| p.field.as_str()).collect()
}

/// The sample set with one document replaced by `replacement`.
fn set_with(replacement: Value) -> Vec<Document> {
    let id = replacement["id"].clone();
    let mut replacement = Some(replacement);
    sample_values()
        .into_iter()
        .map(|v| {
            if v["id"] == id {
                replacement.take().map_or(v, |r| r)
            } else {
                v
            }
        })
        .map(document)
        .collect()
}

fn report_format(documents: &[Document], id: &str) -> ReportFormat {
    documents
        .iter()
        .find(|d| d.id == id)
        .and_then(Document::as_report_format)
        .cloned()
        .unwrap_or_else(|| panic!("no report format {id}"))
}

fn cell(text: &str, row: usize, col: usize, row_span: usize, col_span: usize) -> HeaderCell {
    HeaderCell {
        text: text.to_string(),
        row,
        col,
        row_span,
        col_span,
    }
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------- the sample as a whole

#[test]
fn sample_parses_validates_and_has_every_kind() {
    let file = ContentFile::parse(SAMPLE).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(file.format, SHARD_FORMAT);
    assert!(file.dataset.is_some());
    assert_eq!(file.documents.len(), 63);
    let (documents, problems) = file.into_documents();
    assert_eq!(problems, Vec::<Problem>::new());
    assert_eq!(documents.len(), 63);
    let count = |kind: Kind| documents.iter().filter(|d| d.kind == kind).count();
    assert_eq!(count(Kind::GuideSection), 5);
    assert_eq!(count(Kind::CatalogueEntry), 34);
    assert_eq!(count(Kind::AnnualReport), 2);
    assert_eq!(count(Kind::Procedure), 1);
    assert_eq!(count(Kind::FormTemplate), 1);
    assert_eq!(count(Kind::ReadingPointGroup), 3);
    assert_eq!(count(Kind::ReportFormat), 3);
    assert_eq!(count(Kind::Taxonomy), 9);
    assert_eq!(count(Kind::Agency), 5);
    assert!(documents.iter().all(|d| d.kind_name == d.kind.as_str()));
    assert_eq!(validate_set(&documents), Vec::<Problem>::new());
}

#[test]
fn raw_is_the_exact_input() {
    for value in sample_values() {
        let d = document(value.clone());
        assert!(d.raw.is(&value));
    }
}

#[test]
fn sample_tables_pass_their_checks() {
    let documents = sample_documents();
    let format = report_format(&documents, "gov-2021");
    let report = document_of("ar-ls-zwzx-2022-sample");
    let report = report
        .as_annual_report()
        .unwrap_or_else(|| panic!("not a report"));
    for table in &report.tables {
        let template = format
            .table(&table.template_table_id)
            .unwrap_or_else(|| panic!("no template {}", table.template_table_id));
        assert_eq!(check_table(template, &table.cells), vec![]);
    }
}

#[test]
fn sample_typed_values() {
    let documents = sample_documents();
    let township = documents
        .iter()
        .find_map(|d| match &d.data {
            DocumentData::ReadingPointGroup(g) if d.id == "loc-township" => Some(g),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no loc-township"));
    assert_eq!(township.count, None);
    let candidates: Vec<u32> = township.count_candidates.iter().map(|c| c.value).collect();
    assert_eq!(
        candidates,
        [218, 248],
        "both figures are kept, never reconciled"
    );
    assert!(township.is_disputed());

    let guide = document_of("guide-ls-zwzx-2013-s03");
    let guide = guide
        .as_guide_section()
        .unwrap_or_else(|| panic!("not a guide"));
    assert_eq!(guide.status, GuideStatus::Historical);
    let contact = guide
        .contact
        .as_ref()
        .unwrap_or_else(|| panic!("no contact"));
    assert_eq!(contact.postcode.as_deref(), Some("614000"));
    assert!(!contact.verified);

    let form = documents
        .iter()
        .find_map(|d| match &d.data {
            DocumentData::FormTemplate(f) => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no form"));
    let office = form
        .groups
        .iter()
        .find(|g| g.key == "office_use")
        .unwrap_or_else(|| panic!("no group"));
    assert!(office.office_use_only);
    assert!(
        office.fields.iter().all(|f| !f.required),
        "required defaults to false"
    );
    let id_number = form
        .groups
        .iter()
        .flat_map(|g| &g.fields)
        .find(|f| f.key == "id_number");
    assert!(id_number.is_some_and(|f| f.sensitive && f.field_type == FieldType::Text));

    let entry = document_of("ce-2012-00022");
    let entry = entry
        .as_catalogue_entry()
        .unwrap_or_else(|| panic!("not an entry"));
    assert_eq!(entry.disclosure_mode, DisclosureMode::OnRequest);
    assert!(entry.disclosure_mode_reason.is_some());
    let law = document_of("ce-2012-00005");
    let law = law
        .as_catalogue_entry()
        .unwrap_or_else(|| panic!("not an entry"));
    assert_eq!(law.validity, Validity::Amended);
    assert_eq!(law.effective_date, Some(date("2008-05-01")));
}

// ---------------------------------------------------------------- one document, bad inputs

#[test]
fn missing_title_is_reported() {
    let mut v = value_of("ce-2012-00001");
    v.as_object_mut().map(|o| o.remove("title"));
    let found = problems(v);
    assert_eq!(
        found,
        [Problem::new(
            "ce-2012-00001",
            "title",
            "required field is missing"
        )]
    );
}

#[test]
fn empty_title_is_reported() {
    let mut v = value_of("procedure-ysqgk-2019");
    v["title"] = json!("  ");
    assert_eq!(fields(&problems(v)), ["title"]);
}

#[test]
fn bad_date_is_reported_with_what_was_expected() {
    let mut v = value_of("ce-2012-00001");
    v["generated_date"] = json!("2012-13-01");
    let found = problems(v);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].field, "generated_date");
    assert_eq!(
        found[0].message,
        "expected a date YYYY-MM-DD, found \"2012-13-01\" (there is no month 13)"
    );
}

#[test]
fn bad_index_no_is_reported() {
    let mut v = value_of("ce-2012-00001");
    v["index_no"] = json!("000000019/12-1");
    let found = problems(v);
    assert_eq!(fields(&found), ["index_no"]);
    assert!(
        found[0].message.contains("000000019/2012-00001"),
        "{}",
        found[0].message
    );
}

#[test]
fn html_in_a_report_paragraph_is_reported_at_its_path() {
    let mut v = value_of("ar-ls-zwzx-2012");
    v["sections"][3]["paragraphs"][0]["text"] = json!("<p>中心没有接到申请。</p>");
    let found = problems(v);
    assert_eq!(fields(&found), ["sections[3].paragraphs[0].text"]);
    assert!(found[0].message.contains("\"<p>\""), "{}", found[0].message);
}

#[test]
fn script_and_control_characters_anywhere_are_reported() {
    let mut v = value_of("guide-ls-zwzx-2013-s03");
    v["contact"]["phone"] = json!("<script>alert(1)</script>");
    v["paragraphs"][1] = json!("第二段\u{1b}[31m");
    v["x_future_field"] = json!(["</b>"]);
    let found = problems(v);
    assert_eq!(
        fields(&found),
        ["contact.phone", "paragraphs[1]", "x_future_field[0]"]
    );
    assert!(found[1].message.contains("U+001B"));
}

#[test]
fn every_problem_of_one_document_is_reported() {
    let mut v = value_of("ce-2012-00009");
    let obj = v.as_object_mut().unwrap_or_else(|| panic!("not an object"));
    obj.remove("title");
    obj.insert("published_date".into(), json!("2012-02-30"));
    obj.insert("index_no".into(), json!("ABC/2012-00009"));
    obj.insert("summary".into(), json!("概述<br>第二行"));
    obj.insert("disclosure_mode".into(), json!("公开"));
    obj.insert("attachments".into(), json!([{"sha256": "ABC", "size": 1, "media_type": "application/pdf", "file_name": "a.pdf"}]));
    obj.insert("publisher".into(), json!({"id": "ag-ls-zwzx"}));
    let found = problems(v);
    let mut got = fields(&found);
    got.sort_unstable();
    assert_eq!(
        got,
        [
            "attachments[0].sha256",
            "disclosure_mode",
            "index_no",
            "published_date",
            "publisher.name",
            "summary",
            "title"
        ],
        "{found:#?}"
    );
    let mode = found
        .iter()
        .find(|p| p.field == "disclosure_mode")
        .map(|p| p.message.as_str());
    assert!(
        mode.is_some_and(|m| m.contains("主动公开") && m.contains("依申请公开")),
        "{mode:?}"
    );
    let publisher = found
        .iter()
        .find(|p| p.field == "publisher.name")
        .map(|p| p.message.as_str());
    assert_eq!(publisher, Some("required field is missing"));
}

#[test]
fn published_before_generated_is_reported() {
    let mut v = value_of("ce-2012-00009");
    v["published_date"] = json!("2011-12-31");
    let found = problems(v);
    assert_eq!(fields(&found), ["published_date"]);
}

#[test]
fn cell_that_is_not_a_number_is_reported_at_its_path() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["tables"][4]["cells"]["new"]["total"] = json!("12");
    v["tables"][5]["cells"]["cases"] = json!(3);
    let found = problems(v);
    assert_eq!(
        fields(&found),
        ["tables[4].cells.new.total", "tables[5].cells.cases"]
    );
    assert_eq!(
        found[0].message,
        "expected a number, found the string \"12\""
    );
}

#[test]
fn report_document_level_rules() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["published_date"] = json!("2022-06-01");
    v["sections"][2]["tables"] = json!(["t9_missing"]);
    v["statistical_period"]["from"] = json!("2021-01-01");
    let found = problems(v);
    assert_eq!(
        fields(&found),
        [
            "statistical_period.from",
            "published_date",
            "sections[2].tables[0]"
        ],
        "{found:#?}"
    );
}

#[test]
fn missing_id_or_kind() {
    let found = problems(json!({"kind": "catalogue_entry"}));
    assert_eq!(
        found,
        [Problem::new(
            document::NO_ID,
            "id",
            "required field is missing"
        )]
    );
    let found = problems(json!({"id": "x", "kind": 3}));
    assert_eq!(fields(&found), ["kind"]);
    assert_eq!(found[0].doc_id, "x");
    let found = problems(json!({"id": 5}));
    assert_eq!(fields(&found), ["id", "kind"]);
    let found = problems(json!("catalogue_entry"));
    assert_eq!(fields(&found), [""]);
}

#[test]
fn unknown_kind_is_kept_but_not_shown() {
    let value =
        json!({"id": "vid-1", "kind": "video_clip", "title": "<b>anything</b>", "extra": [1, 2]});
    let d = document(value.clone());
    assert_eq!(d.kind, Kind::Unknown);
    assert_eq!(d.kind_name, "video_clip");
    assert_eq!(d.data, DocumentData::Unknown);
    assert!(!d.is_shown());
    assert!(d.raw.is(&value));
    assert_eq!(d.index_fields(), IndexFields::default());
    // It takes part in set validation like any other document.
    let mut documents = sample_documents();
    documents.push(d);
    assert_eq!(validate_set(&documents), vec![]);
}

#[test]
fn control_and_invisible_characters_are_refused_in_every_id_and_kind() {
    // The document's own id: not even a line break or a tab, which plain text allows.
    for id in [
        "ce-1\n",
        "ce\t1",
        "ce-1\u{1b}[2J",
        "ce-\u{202e}1",
        "ce\u{200b}-1",
    ] {
        let mut v = value_of("ce-2012-00001");
        v["id"] = json!(id);
        let found = problems(v);
        assert_eq!(fields(&found), ["id"], "{id:?}: {found:?}");
        assert!(found[0].message.contains("U+"), "{found:?}");
    }
    // References to ids.
    let mut v = value_of("ce-2012-00001");
    v["related_ids"] = json!(["ce-2012-00009", "ce-2012-00002\r"]);
    assert_eq!(fields(&problems(v)), ["related_ids[1]"]);
    let mut v = value_of("guide-ls-zwzx-2013-s03");
    v["guide_id"] = json!("guide\u{7}");
    assert_eq!(fields(&problems(v)), ["guide_id"]);
    // Text fields keep their line breaks.
    let mut v = value_of("guide-ls-zwzx-2013-s03");
    v["paragraphs"][1] = json!("第一行\n第二行\t");
    document(v);

    // Unknown kinds: kept unread, but their id and kind are checked.
    for (id, kind, field) in [
        ("vid-1\n", "video_clip", "id"),
        ("vid-1", "video\u{1b}clip", "kind"),
        ("vid-1", "video_clip\u{2066}", "kind"),
    ] {
        let found = problems(json!({"id": id, "kind": kind, "title": "<b>x</b>"}));
        assert_eq!(fields(&found), [field], "{id:?} {kind:?}");
    }
    assert_eq!(
        document(json!({"id": "vid-1", "kind": "video_clip", "x": "a\u{1b}b"})).kind,
        Kind::Unknown,
        "the rest of an unknown kind is not read"
    );
}

#[test]
fn problems_print_control_characters_escaped() {
    let found = problems(json!({"id": "x\u{1b}]0;pwned\u{7}\nINFO forged", "kind": "video_clip"}));
    let shown = found[0].to_string();
    assert!(!shown.chars().any(|c| c.is_control()), "{shown:?}");
    assert!(
        shown.starts_with("x\\u{1b}]0;pwned\\u{7}\\nINFO forged: id: "),
        "{shown}"
    );
    assert_eq!(escape_hidden("医保 x"), "医保 x");
    assert_eq!(escape_hidden("a\u{202e}b"), "a\\u{202e}b");
}

#[test]
fn unknown_fields_are_ignored_and_kept() {
    let mut v = value_of("ce-2012-00001");
    v["x_new_field"] = json!({"nested": "值"});
    let d = document(v);
    assert_eq!(
        d.raw.shown_field("x_new_field.nested").as_deref(),
        Some("值")
    );
}

#[test]
fn kinds_round_trip_their_wire_names() {
    for kind in Kind::KNOWN {
        assert_eq!(Kind::from_wire(kind.as_str()), kind);
    }
    assert_eq!(Kind::from_wire("unknown"), Kind::Unknown);
    assert_eq!(Kind::Unknown.as_str(), "unknown");
    let shown: Vec<Kind> = Kind::KNOWN.into_iter().filter(Kind::is_shown).collect();
    assert_eq!(
        shown,
        [
            Kind::GuideSection,
            Kind::CatalogueEntry,
            Kind::AnnualReport,
            Kind::Procedure,
            Kind::FormTemplate,
            Kind::ReadingPointGroup
        ]
    );
}

#[test]
fn reference_kind_rules() {
    let mut v = value_of("gov-2021");
    v["format_id"] = json!("gov-2022");
    v["tables"][4]["rows"][1]["key"] = json!("new");
    v["tables"][4]["checks"][0]["target_col"] = json!("totl");
    let found = problems(v);
    assert_eq!(
        fields(&found),
        [
            "tables[4].rows[1].key",
            "tables[4].checks[0].target_col",
            "tables[4].checks[2].lhs_rows[1]",
            "format_id",
        ],
        "{found:#?}"
    );

    let mut v = value_of("tax-genre");
    v["id"] = json!("tax-genres");
    v["terms"][1]["code"] = json!("命令");
    assert_eq!(fields(&problems(v)), ["terms[1].code", "id"]);

    let mut v = value_of("ag-ls-zwzx");
    v["org_code"] = json!("0000-0019");
    v["contact"]["postcode"] = json!("6140");
    assert_eq!(fields(&problems(v)), ["org_code", "contact.postcode"]);
}

#[test]
fn template_rows_and_checks_are_well_formed() {
    let mut v = value_of("gov-2021");
    // 一、… becomes a group over 三、本年度办理结果/（一）予以公开 while still being a row.
    v["tables"][4]["rows"][0]["label_path"] = json!(["三、本年度办理结果"]);
    v["tables"][4]["checks"][0]["source_cols"] = json!([]);
    v["tables"][4]["checks"][0]["rows"] = json!([]);
    if let Some(rows) = v["tables"][4]["checks"][1]["source_rows"].as_array_mut() {
        rows.push(json!("result_total"));
    }
    v["tables"][4]["checks"][2]["rhs_rows"] = json!([]);
    v["tables"][4]["checks"][2]["cols"] = json!([]);
    if let Some(cols) = v["tables"][5]["checks"][0]["source_cols"].as_array_mut() {
        cols.push(json!("review_total"));
    }
    let found = problems(v);
    assert_eq!(
        fields(&found),
        [
            "tables[4].rows[0].label_path",
            "tables[4].checks[0].source_cols",
            "tables[4].checks[0].rows",
            "tables[4].checks[1].target_row",
            "tables[4].checks[2].rhs_rows",
            "tables[4].checks[2].cols",
            "tables[5].checks[0].target_col",
        ],
        "{found:#?}"
    );
    assert!(
        found[0]
            .message
            .contains("is both a row and a group over row \"granted\""),
        "{}",
        found[0].message
    );
    assert!(
        found[1].message.starts_with("expected at least one key"),
        "{}",
        found[1].message
    );
    assert!(
        found[3]
            .message
            .contains("target row \"result_total\" is also one of its own sources"),
        "{}",
        found[3].message
    );
    assert!(
        found[6]
            .message
            .contains("target column \"review_total\" is also one of its own sources"),
        "{}",
        found[6].message
    );
}

#[test]
fn form_and_reading_point_rules() {
    let mut v = value_of("form-ysqgk-2019");
    v["groups"][1]["applies_if"] = json!({"type": "外国人"});
    v["groups"][4]["fields"][0]["options"] = json!([]);
    v["groups"][3]["fields"][1]["options"] = json!(["a"]);
    let found = problems(v);
    assert_eq!(
        fields(&found),
        [
            "groups[3].fields[1].options",
            "groups[4].fields[0].options",
            "groups[1].applies_if.type"
        ],
        "{found:#?}"
    );

    let mut v = value_of("form-ysqgk-2019");
    v["groups"][2]["fields"][1]["type"] = json!("dropdown");
    v["groups"][4]["label"] = json!(7);
    let found = problems(v);
    assert_eq!(
        fields(&found),
        ["groups[2].fields[1].type", "groups[4].label"],
        "{found:#?}"
    );
    assert!(
        found[0].message.contains("unknown variant `dropdown`"),
        "{}",
        found[0].message
    );

    let mut v = value_of("loc-county");
    v["count"] = json!(12);
    assert_eq!(fields(&problems(v)), ["members"]);
}

// ---------------------------------------------------------------- the set, bad inputs

#[test]
fn wrong_total_names_check_row_column_expected_and_found() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["tables"][4]["cells"]["granted"]["total"] = json!(6);
    let found = validate_set(&set_with(v));
    assert_eq!(
        fields(&found),
        [
            "tables[4].cells.granted.total",
            "tables[4].cells.result_total.total"
        ],
        "{found:#?}"
    );
    assert!(
        found[1].message.starts_with("check \"result_total\""),
        "{}",
        found[1].message
    );
    assert!(
        found[1]
            .message
            .contains("expected 13 (the sum of rows granted, partial,")
    );
    assert!(
        found[1].message.ends_with("found 12"),
        "{}",
        found[1].message
    );
    let message = &found[0].message;
    for part in [
        "check \"total_col\"",
        "“总计”列 = 自然人 + 各类法人或其他组织",
        "row \"granted\" (（一）予以公开)",
        "column \"total\" (总计)",
        "expected 5",
        "found 6",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }
}

#[test]
fn balance_failure_names_both_sides() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    // Shift one application from 结转下年度 to nowhere: both the new and carried-out cells stay
    // consistent with their row sums, but 一 + 二 ≠ 三 + 四.
    v["tables"][4]["cells"]["carried_out"]["natural"] = json!(0);
    v["tables"][4]["cells"]["carried_out"]["total"] = json!(0);
    let found = validate_set(&set_with(v));
    let messages: Vec<&str> = found.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        fields(&found),
        ["tables[4].cells", "tables[4].cells"],
        "{messages:#?}"
    );
    assert!(messages[0].contains("check \"balance\""), "{}", messages[0]);
    assert!(
        messages[0].contains("column \"natural\" (自然人)"),
        "{}",
        messages[0]
    );
    assert!(
        messages[0]
            .contains("expected 10 (new + carried_in), found 9 (result_total + carried_out)"),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("column \"total\""), "{}", messages[1]);
}

#[test]
fn check_table_reports_each_failure() {
    let documents = sample_documents();
    let format = report_format(&documents, "gov-2021");
    let template = format
        .table("t4_review_litigation")
        .unwrap_or_else(|| panic!("no t4"));
    let report = document_of("ar-ls-zwzx-2022-sample");
    let mut cells = report
        .as_annual_report()
        .and_then(|r| r.table("t4_review_litigation"))
        .map(|t| t.cells.clone())
        .unwrap_or_default();
    if let Some(row) = cells.get_mut("cases") {
        row.insert("lit_direct_pending".into(), CellValue::Int(2));
        row.remove("review_total");
    }
    let failures = check_table(template, &cells);
    assert_eq!(failures.len(), 2, "{failures:#?}");
    assert_eq!(failures[0].check_id, "review_total");
    assert_eq!((failures[0].expected, failures[0].found), (Some(1.0), None));
    assert!(
        failures[0]
            .message
            .contains("cannot be evaluated, missing cells: cases.review_total")
    );
    assert_eq!(failures[1].check_id, "lit_direct_total");
    assert_eq!(
        (failures[1].row.as_str(), failures[1].col.as_str()),
        ("cases", "lit_direct_total")
    );
    assert_eq!(
        (failures[1].expected, failures[1].found),
        (Some(2.0), Some(0.0))
    );
}

#[test]
fn large_totals_off_by_one_are_reported() {
    let documents = sample_documents();
    let format = report_format(&documents, "gov-2021");
    let template = format
        .table("t4_review_litigation")
        .unwrap_or_else(|| panic!("no t4"));
    let report = document_of("ar-ls-zwzx-2022-sample");
    let mut cells = report
        .as_annual_report()
        .and_then(|r| r.table("t4_review_litigation"))
        .map(|t| t.cells.clone())
        .unwrap_or_default();
    let Some(row) = cells.get_mut("cases") else {
        panic!("no row cases");
    };
    for col in ["review_corrected", "review_other", "review_pending"] {
        row.insert(col.into(), CellValue::Int(0));
    }
    row.insert("review_upheld".into(), CellValue::Int(1_234_567_890));
    row.insert("review_total".into(), CellValue::Int(1_234_567_891));
    let failures = check_table(template, &cells);
    assert_eq!(failures.len(), 1, "{failures:#?}");
    assert!(
        failures[0]
            .message
            .contains("expected 1234567890 (the sum of columns")
            && failures[0].message.ends_with("found 1234567891"),
        "{}",
        failures[0].message
    );
    let Some(row) = cells.get_mut("cases") else {
        panic!("no row cases");
    };
    row.insert("review_total".into(), CellValue::Int(1_234_567_890));
    assert_eq!(check_table(template, &cells), []);
}

#[test]
fn unknown_row_and_column_keys() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["tables"][4]["cells"]["bogus"] = json!({"natural": 0});
    v["tables"][5]["cells"]["cases"]["appeals"] = json!(0);
    v["tables"][0]["cells"]["rules"]["label"] = json!(0);
    let found = validate_set(&set_with(v));
    assert_eq!(
        fields(&found),
        [
            "tables[0].cells.rules.label",
            "tables[4].cells.bogus",
            "tables[5].cells.cases.appeals"
        ],
        "{found:#?}"
    );
    assert!(
        found[1].message.starts_with("unknown row key \"bogus\""),
        "{}",
        found[1].message
    );
    assert!(
        found[2]
            .message
            .starts_with("unknown column key \"appeals\""),
        "{}",
        found[2].message
    );
}

#[test]
fn decimal_in_int_column_and_negative_count() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["tables"][5]["cells"]["cases"]["review_upheld"] = json!(1.0);
    v["tables"][1]["cells"]["licensing"]["decisions"] = json!(-3);
    v["tables"][3]["cells"]["fees"]["amount"] = json!(12);
    let found = validate_set(&set_with(v));
    assert_eq!(
        fields(&found),
        [
            "tables[1].cells.licensing.decisions",
            "tables[5].cells.cases.review_upheld"
        ],
        "{found:#?}"
    );
    assert!(
        found[0].message.contains("found -3"),
        "{}",
        found[0].message
    );
    assert_eq!(
        found[1].message,
        "expected a whole number in int column \"review_upheld\", found 1.0"
    );
}

#[test]
fn missing_cells_and_tables() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["tables"][4]["cells"]["new"]
        .as_object_mut()
        .map(|o| o.remove("org_other"));
    v["tables"][4]["cells"]
        .as_object_mut()
        .map(|o| o.remove("carried_out"));
    v["tables"].as_array_mut().map(|t| t.remove(0));
    v["sections"][1]["tables"] = json!(["t2_art20_5", "t2_art20_6", "t2_art20_8"]);
    let found = validate_set(&set_with(v));
    assert_eq!(
        fields(&found),
        [
            "tables[3].cells.new.org_other",
            "tables[3].cells.carried_out",
            "tables"
        ],
        "{found:#?}"
    );
    assert!(found[2].message.contains("t2_art20_1"));
}

#[test]
fn missing_cell_does_not_hide_a_wrong_total() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["tables"][4]["cells"]["new"]
        .as_object_mut()
        .map(|o| o.remove("org_other"));
    v["tables"][4]["cells"]["granted"]["total"] = json!(6);
    let found = validate_set(&set_with(v));
    assert_eq!(
        fields(&found),
        [
            "tables[4].cells.new.org_other",
            "tables[4].cells.granted.total",
            "tables[4].cells.result_total.total"
        ],
        "{found:#?}"
    );
    assert!(found[0].message.starts_with("missing cell"), "{found:#?}");
    assert!(
        found[1].message.contains("expected 5") && found[1].message.contains("found 6"),
        "{}",
        found[1].message
    );
    // What the missing cell keeps from being evaluated is not reported a second time.
    assert!(
        found
            .iter()
            .all(|p| !p.message.contains("cannot be evaluated")),
        "{found:#?}"
    );
}

#[test]
fn duplicate_ids() {
    let mut documents = sample_documents();
    documents.push(document_of("ce-2012-00003"));
    let found = validate_set(&documents);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(
        (found[0].doc_id.as_str(), found[0].field.as_str()),
        ("ce-2012-00003", "id")
    );
    assert!(found[0].message.starts_with("duplicate id"));
}

#[test]
fn unknown_format_id() {
    let mut v = value_of("ar-ls-zwzx-2022-sample");
    v["format_id"] = json!("gov-2030");
    let found = validate_set(&set_with(v));
    assert_eq!(fields(&found), ["format_id"]);
    assert!(found[0].message.contains("\"gov-2030\""));
}

#[test]
fn table_not_in_the_format() {
    let mut v = value_of("ar-ls-zwzx-2012");
    v["tables"] = json!([{"template_table_id": "t3_applications", "cells": {}}]);
    let found = validate_set(&set_with(v));
    assert_eq!(fields(&found), ["tables[0].template_table_id"]);
    assert!(
        found[0].message.contains("has no tables"),
        "{}",
        found[0].message
    );
}

#[test]
fn dangling_references() {
    let mut entry = value_of("ce-2012-00016");
    entry["related_ids"] = json!(["loc-county", "loc-nowhere"]);
    let mut report = value_of("ar-ls-zwzx-2012");
    report["catalogue_entry_id"] = json!("ce-2099-00001");
    let documents: Vec<Document> = set_with(entry)
        .into_iter()
        .map(|d| {
            if d.id == report["id"] {
                document(report.clone())
            } else {
                d
            }
        })
        .collect();
    let found = validate_set(&documents);
    let got: Vec<(&str, &str)> = found
        .iter()
        .map(|p| (p.doc_id.as_str(), p.field.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("ce-2012-00016", "related_ids[1]"),
            ("ar-ls-zwzx-2012", "catalogue_entry_id"),
        ],
        "{found:#?}"
    );
}

#[test]
fn catalogue_codes_are_checked_against_the_taxonomies_present() {
    let mut v = value_of("ce-2012-00006");
    v["category"] = json!("ZZZZ");
    v["genre"] = json!("诗歌");
    v["audience"] = json!(["面向公民", "面向外星人"]);
    v["disclosure_channels"] = json!(["信鸽", "政府网站"]);
    let found = validate_set(&set_with(v.clone()));
    assert_eq!(
        fields(&found),
        ["category", "genre", "audience[1]", "disclosure_channels[0]"],
        "{found:#?}"
    );
    assert!(found.iter().all(|p| p.doc_id == "ce-2012-00006"));
    assert!(
        found[0].message.starts_with(
            "\"ZZZZ\" is not a code of the taxonomy \"kiosk_category\" (expected one of JGZN, "
        ),
        "{}",
        found[0].message
    );

    // Without the taxonomies (a partial import), the codes are not checked.
    let partial: Vec<Document> = set_with(v)
        .into_iter()
        .filter(|d| !d.id.starts_with("tax-"))
        .collect();
    assert_eq!(validate_set(&partial), []);

    // With only some of them, only those are checked.
    let mut v = value_of("ce-2012-00006");
    v["category"] = json!("ZZZZ");
    v["genre"] = json!("诗歌");
    let some: Vec<Document> = set_with(v)
        .into_iter()
        .filter(|d| d.id != "tax-kiosk_category")
        .collect();
    assert_eq!(fields(&validate_set(&some)), ["genre"]);
}

#[test]
fn report_index_no_must_match_its_catalogue_entry() {
    let mut v = value_of("ar-ls-zwzx-2012");
    v["index_no"] = json!("000000019/2013-00008");
    let found = validate_set(&set_with(v));
    assert_eq!(fields(&found), ["index_no"]);
}

#[test]
fn guide_sections_need_distinct_orders() {
    let mut v = value_of("guide-ls-zwzx-2013-s04");
    v["order"] = json!(3);
    let found = validate_set(&set_with(v));
    assert_eq!(fields(&found), ["order"]);
}

// ---------------------------------------------------------------- grids

#[test]
fn header_grid_of_table_3() {
    let format = report_format(&sample_documents(), "gov-2021");
    let t3 = format
        .table("t3_applications")
        .unwrap_or_else(|| panic!("no t3"));
    let grid = header_grid(t3);
    assert_eq!(grid.depth, 3);
    assert_eq!(grid.width, 10);
    assert_eq!(
        grid.cells,
        vec![
            cell(
                "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）",
                0,
                0,
                3,
                3
            ),
            cell("申请人情况", 0, 3, 1, 7),
            cell("自然人", 1, 3, 2, 1),
            cell("法人或其他组织", 1, 4, 1, 5),
            cell("总计", 1, 9, 2, 1),
            cell("商业企业", 2, 4, 1, 1),
            cell("科研机构", 2, 5, 1, 1),
            cell("社会公益组织", 2, 6, 1, 1),
            cell("法律服务机构", 2, 7, 1, 1),
            cell("其他", 2, 8, 1, 1),
        ]
    );
}

#[test]
fn row_label_grid_of_table_3() {
    let format = report_format(&sample_documents(), "gov-2021");
    let t3 = format
        .table("t3_applications")
        .unwrap_or_else(|| panic!("no t3"));
    let cells = row_label_grid(t3);
    let find = |text: &str| {
        cells
            .iter()
            .find(|c| c.text == text)
            .map(|c| (c.row, c.col, c.row_span, c.col_span))
            .unwrap_or_else(|| panic!("no cell {text}"))
    };
    assert_eq!(find("一、本年新收政府信息公开申请数量"), (0, 0, 1, 3));
    assert_eq!(find("二、上年结转政府信息公开申请数量"), (1, 0, 1, 3));
    assert_eq!(find("三、本年度办理结果"), (2, 0, 22, 1));
    assert_eq!(find("（一）予以公开"), (2, 1, 1, 2));
    assert_eq!(
        find("（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
        (3, 1, 1, 2)
    );
    assert_eq!(find("（三）不予公开"), (4, 1, 8, 1));
    assert_eq!(find("1.属于国家秘密"), (4, 2, 1, 1));
    assert_eq!(find("8.属于行政查询事项"), (11, 2, 1, 1));
    assert_eq!(find("（四）无法提供"), (12, 1, 3, 1));
    assert_eq!(find("（五）不予处理"), (15, 1, 5, 1));
    assert_eq!(find("（六）其他处理"), (20, 1, 3, 1));
    assert_eq!(find("（七）总计"), (23, 1, 1, 2));
    assert_eq!(find("四、结转下年度继续办理"), (24, 0, 1, 3));
    assert_eq!(cells.len(), 30);
    // Every body row × label column is covered exactly once.
    let mut covered = vec![[0u8; 3]; t3.rows.len()];
    for c in &cells {
        for row in &mut covered[c.row..c.row + c.row_span] {
            for slot in &mut row[c.col..c.col + c.col_span] {
                *slot += 1;
            }
        }
    }
    assert!(covered.iter().all(|r| r == &[1, 1, 1]));
}

#[test]
fn header_grid_of_table_4() {
    let format = report_format(&sample_documents(), "gov-2021");
    let t4 = format
        .table("t4_review_litigation")
        .unwrap_or_else(|| panic!("no t4"));
    let grid = header_grid(t4);
    assert_eq!(grid.depth, 3);
    assert_eq!(grid.width, 15);
    let leaves = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"];
    let mut expected = vec![cell("行政复议", 0, 0, 1, 5), cell("行政诉讼", 0, 5, 1, 10)];
    expected.extend(leaves.iter().enumerate().map(|(i, t)| cell(t, 1, i, 2, 1)));
    expected.push(cell("未经复议直接起诉", 1, 5, 1, 5));
    expected.push(cell("复议后起诉", 1, 10, 1, 5));
    expected.extend(
        leaves
            .iter()
            .enumerate()
            .map(|(i, t)| cell(t, 2, 5 + i, 1, 1)),
    );
    expected.extend(
        leaves
            .iter()
            .enumerate()
            .map(|(i, t)| cell(t, 2, 10 + i, 1, 1)),
    );
    assert_eq!(grid.cells, expected);
    assert!(row_label_grid(t4).is_empty(), "table 四 has no row labels");
}

#[test]
fn header_grid_of_table_2_has_its_label_column() {
    let format = report_format(&sample_documents(), "gov-2021");
    let t2 = format
        .table("t2_art20_1")
        .unwrap_or_else(|| panic!("no t2"));
    let grid = header_grid(t2);
    assert_eq!((grid.depth, grid.width), (1, 4));
    let texts: Vec<&str> = grid.cells.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"]
    );
    assert_eq!(
        row_label_grid(t2),
        vec![cell("规章", 0, 0, 1, 1), cell("行政规范性文件", 1, 0, 1, 1)]
    );
}

// ---------------------------------------------------------------- reports

#[test]
fn approximate_key_figures_keep_their_wording() {
    let report = document_of("ar-ls-zwzx-2012");
    let report = report
        .as_annual_report()
        .unwrap_or_else(|| panic!("not a report"));
    assert_eq!(report.key_figures.len(), 24);
    let items = report
        .key_figure("proactive_items")
        .unwrap_or_else(|| panic!("no figure"));
    assert!(items.is_approximate());
    assert_eq!(items.display(), "20万余条");
    assert_eq!(items.value, 200_000.0);
    assert_eq!(items.exact_value(), None);
    let staff = report
        .key_figure("staff_fulltime")
        .unwrap_or_else(|| panic!("no figure"));
    assert!(!staff.is_approximate());
    assert_eq!(staff.exact_value(), Some(2.0));
    let approximate: Vec<&str> = report
        .key_figures
        .iter()
        .filter(|f| f.is_approximate())
        .map(KeyFigure::display)
        .collect();
    assert_eq!(approximate, ["150余人", "300余条", "20万余条", "20余条"]);
}

#[test]
fn key_figure_display_must_show_the_value() {
    let mut v = value_of("ar-ls-zwzx-2012");
    v["key_figures"][18]["display"] = json!("21万余条");
    v["key_figures"][6]["display"] = json!("151人");
    v["key_figures"][0]["section"] = json!("九");
    v["key_figures"][2]["key"] = json!("staff_fulltime");
    let found = problems(v);
    assert_eq!(
        fields(&found),
        [
            "key_figures[6].display",
            "key_figures[6].qualifier",
            "key_figures[18].display",
            "key_figures[0].section",
            "key_figures[2].key",
        ],
        "{found:#?}"
    );
    assert!(
        found[2].message.contains("the value 200000"),
        "{}",
        found[2].message
    );

    let mut v = value_of("ar-ls-zwzx-2012");
    v["key_figures"][1]["display"] = json!("");
    assert_eq!(fields(&problems(v)), ["key_figures[1].display"]);
}

#[test]
fn key_figure_in_chinese_numerals_is_not_checked_against_its_value() {
    let mut v = value_of("ar-ls-zwzx-2012");
    v["key_figures"][18]["display"] = json!("二十万余条");
    document(v);
}

#[test]
fn approximate_wording_needs_a_qualifier() {
    let mut v = value_of("ar-ls-zwzx-2012");
    // 311件 → 约311件, still without a qualifier.
    v["key_figures"][7]["display"] = json!("约311件");
    v["key_figures"][18]["qualifier"] = json!(null);
    let found = problems(v);
    assert_eq!(
        fields(&found),
        ["key_figures[7].qualifier", "key_figures[18].qualifier"],
        "{found:#?}"
    );
    assert!(
        found[0].message.contains("approximate") && found[0].message.contains("\"约\""),
        "{}",
        found[0].message
    );
    assert!(found[1].message.contains("\"余\""), "{}", found[1].message);
}

#[test]
fn table_values_for_year_over_year() {
    let report = document_of("ar-ls-zwzx-2022-sample");
    let report = report
        .as_annual_report()
        .unwrap_or_else(|| panic!("not a report"));
    assert_eq!(
        table_value(report, "t3_applications", "new", "total"),
        Some(12.0)
    );
    assert_eq!(
        table_value(report, "t2_art20_5", "licensing", "decisions"),
        Some(12486.0)
    );
    assert_eq!(
        table_value(report, "t2_art20_8", "fees", "amount"),
        Some(0.0)
    );
    assert_eq!(table_value(report, "t3_applications", "new", "nope"), None);
    assert_eq!(table_value(report, "t9", "new", "total"), None);
    let old = document_of("ar-ls-zwzx-2012");
    let old = old
        .as_annual_report()
        .unwrap_or_else(|| panic!("not a report"));
    assert_eq!(table_value(old, "t3_applications", "new", "total"), None);
}

// ---------------------------------------------------------------- index fields

#[test]
fn index_fields_of_a_catalogue_entry() {
    let f = document_of("ce-2012-00009").index_fields();
    assert_eq!(f.title, "关于印发《2012年全市并联审批工作实施意见》的通知");
    assert_eq!(f.codes, ["000000019/2012-00009", "乐市政务发〔2012〕9号"]);
    assert_eq!(f.date, Some(date("2012-03-12")));
    assert_eq!(f.year, Some(2012));
    assert_eq!(f.category.as_deref(), Some("BLSP"));
    assert_eq!(f.publisher.as_deref(), Some("乐山市人民政府政务服务中心"));
    assert_eq!(f.disclosure_mode.as_deref(), Some("主动公开"));
    assert!(!f.summary.is_empty());

    let f = document_of("ce-2012-00001").index_fields();
    assert_eq!(f.codes, ["000000019/2012-00001"]);
    assert_eq!(f.topic.as_deref(), Some("概况信息/机构职能"));
    assert_eq!(f.keywords, ["机构职能", "政务服务中心"]);
    assert!(
        f.body.contains("三定"),
        "notes are readable text: {}",
        f.body
    );
}

#[test]
fn index_fields_of_the_2012_report() {
    let f = document_of("ar-ls-zwzx-2012").index_fields();
    assert_eq!(
        f.title,
        "乐山市政务服务中心2012年度政府信息公开工作年度报告"
    );
    assert!(
        f.summary
            .starts_with("根据《中华人民共和国政府信息公开条例》")
    );
    assert_eq!(f.codes, ["000000019/2013-00009"]);
    assert_eq!(f.date, Some(date("2013-03-20")));
    assert_eq!(f.year, Some(2012));
    assert_eq!(f.category.as_deref(), Some(ANNUAL_REPORT_CATEGORY));
    assert_eq!(f.topic, None);
    assert_eq!(f.publisher.as_deref(), Some("乐山市人民政府政务服务中心"));
    assert_eq!(f.disclosure_mode, None);
    assert!(f.body.contains("一、开展政府信息公开工作基本情况"));
    assert!(f.body.contains("20万余条"));
    assert!(f.body.contains("门户网站"));
    for traditional in ["政務", "入口網站", "視窗"] {
        assert!(
            !f.body.contains(traditional),
            "Traditional text {traditional} leaked into the body"
        );
    }
    assert!(f.body.lines().all(|l| !l.trim().is_empty()));
}

#[test]
fn index_fields_of_a_guide_section() {
    let f = document_of("guide-ls-zwzx-2013-s03").index_fields();
    assert_eq!(f.title, "依申请公开");
    assert!(f.summary.starts_with("（一）受理机构。"));
    assert!(f.body.starts_with("（二）申请方式。"));
    assert!(f.body.contains("邮政编码：614000"));
    assert!(
        f.body.contains("2019年修订条例"),
        "current-law notes are searchable"
    );
    assert_eq!(f.date, Some(date("2013-01-08")));
    assert_eq!(f.year, Some(2013));
    assert_eq!(f.category, None);
    assert_eq!(f.codes, Vec::<String>::new());
    assert_eq!(f.publisher.as_deref(), Some("乐山市人民政府政务服务中心"));
    assert!(f.keywords.contains(&"受理机构名称".to_string()));
}

#[test]
fn index_fields_of_other_kinds() {
    let f = document_of("procedure-ysqgk-2019").index_fields();
    assert_eq!(f.title, "如何申请政府信息公开（依申请公开）");
    assert!(f.body.contains("1. 先查一查"));
    let f = document_of("loc-township").index_fields();
    assert!(f.body.contains("218个") && f.body.contains("248个"));
    let f = document_of("gov-2021").index_fields();
    assert_eq!(f.codes, ["国办公开办函〔2021〕30号"]);
    assert_eq!(f.year, Some(2021));
}
