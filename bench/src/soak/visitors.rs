//! The soak's people, scripted through the same Slint callbacks the kiosk's buttons call: a
//! visitor touches every screen (guide, catalogue with two filters and a scroll, a document and
//! a related one, the annual reports and one report's tables, the application procedure, a
//! search typed on the keyboard with a year chip), switches a display setting, then walks
//! away and the idle reset must clear the session; outside opening hours a visitor wakes the
//! black screen, which must go dark again; staff hold the emblem, type the PIN, look at the
//! staff screen's three panels and leave it to close itself. Every step waits some simulated
//! seconds and draws a frame.
//!
//! Acts only through the UI (callbacks and properties), reading the kiosk's place and options
//! to check the outcome; never changes the kiosk's state behind its screens.

use readpoint::kiosk::Place;
use readpoint::ui::{
    CatalogueAdapter, DocumentAdapter, Idle, Nav, Power, ReportsAdapter, Screen, SearchAdapter,
    Session as Visitor, Staff, StaffAdapter, Theme,
};
use slint::{ComponentHandle, Model, SharedString};

use super::Sim;

/// What visitors type in the search box.
const QUERIES: &[&str] = &[
    "社保",
    "营业执照",
    "政府信息公开",
    "医保",
    "2012",
    "年度报告",
    "不动产登记",
    "公积金",
];

/// A touch anywhere (restarts the idle timer, wakes a screen woken by a touch).
fn touch(sim: &Sim) {
    sim.session.app.global::<Visitor>().invoke_activity();
}

fn open(sim: &mut Sim, screen: Screen, seconds: u64) -> Result<(), String> {
    let app = sim.session.app.clone_strong();
    touch(sim);
    app.global::<Nav>().invoke_open(screen);
    sim.wait(seconds)
}

fn open_document(sim: &mut Sim, id: &str, seconds: u64) -> Result<(), String> {
    let app = sim.session.app.clone_strong();
    touch(sim);
    app.global::<Nav>()
        .invoke_open_document(SharedString::from(id));
    sim.wait(seconds)
}

/// A visitor: in opening hours the full round; on the black screen outside them, the night
/// round (one per hour).
pub(super) fn visitor(sim: &mut Sim) -> Result<(), String> {
    if sim.is_asleep() {
        return night_visitor(sim);
    }
    sim.counts.visitors += 1;
    let app = sim.session.app.clone_strong();
    let seconds =
        |sim: &mut Sim, lo: u64, hi: u64| lo + sim.visitor_rng.below((hi - lo) as usize) as u64;

    let read = seconds(sim, 15, 40);
    open(sim, Screen::Guide, read)?;

    // The catalogue: a year, a category, a scroll, an entry and one related to it.
    open(sim, Screen::Catalogue, 5)?;
    let adapter = app.global::<CatalogueAdapter>();
    let years = adapter.get_years();
    if years.row_count() > 0 {
        let pick = sim.visitor_rng.below(years.row_count());
        if let Some(chip) = years.row_data(pick) {
            touch(sim);
            adapter.invoke_choose("year".into(), chip.value);
            sim.wait(4)?;
        }
    }
    let categories = adapter.get_categories();
    if categories.row_count() > 0 {
        let pick = sim.visitor_rng.below(categories.row_count());
        if let Some(chip) = categories.row_data(pick) {
            touch(sim);
            adapter.invoke_choose("category".into(), chip.value);
            sim.wait(4)?;
        }
    }
    readpoint::view_models::catalogue::scroll_to(&app, 480.0);
    sim.wait(3)?;
    let rows = adapter.get_rows();
    let entry = (0..rows.row_count().min(20))
        .filter_map(|i| rows.row_data(i))
        .find(|row| row.loaded && !row.id.is_empty())
        .map(|row| row.id.to_string());
    if let Some(id) = entry {
        let read = seconds(sim, 20, 60);
        open_document(sim, &id, read)?;
        let related = app.global::<DocumentAdapter>().get_related();
        if let Some(row) = related.row_data(0) {
            open_document(sim, &row.id, 15)?;
            touch(sim);
            app.global::<Nav>().invoke_back();
            sim.wait(2)?;
        }
        touch(sim);
        app.global::<Nav>().invoke_back();
        sim.wait(2)?;
    }
    touch(sim);
    adapter.invoke_clear_filters();
    sim.wait(2)?;

    // The annual reports and one report's tables, in large text.
    open(sim, Screen::Reports, 8)?;
    let years = app.global::<ReportsAdapter>().get_years();
    let report = years
        .row_data(sim.visitor_rng.below(years.row_count().max(1)))
        .and_then(|year| year.reports.row_data(0))
        .map(|row| row.id.to_string());
    if let Some(id) = report {
        let read = seconds(sim, 30, 60);
        open_document(sim, &id, read)?;
        touch(sim);
        app.global::<Visitor>().invoke_toggle_large_text();
        sim.wait(10)?;
    }

    // The procedure.
    let read = seconds(sim, 10, 30);
    open(sim, Screen::Apply, read)?;

    // A search typed key by key, a year chip, a hit.
    open(sim, Screen::Search, 3)?;
    let query = QUERIES[sim.visitor_rng.below(QUERIES.len())];
    let search = app.global::<SearchAdapter>();
    for key in query.chars() {
        touch(sim);
        search.invoke_type_key(SharedString::from(key.to_string()));
        sim.wait(1)?;
    }
    let chips = search.get_years();
    if chips.row_count() > 0
        && let Some(chip) = chips.row_data(0)
    {
        touch(sim);
        search.invoke_toggle_year(chip.value);
        sim.wait(2)?;
    }
    let hit = search.get_hits().row_data(0).map(|hit| hit.id.to_string());
    if let Some(id) = hit {
        open_document(sim, &id, 20)?;
        touch(sim);
        app.global::<Nav>().invoke_back();
        sim.wait(3)?;
    }

    // Sometimes Traditional characters or high contrast, then somewhere to leave it.
    match sim.visitor_rng.below(3) {
        0 => {
            touch(sim);
            app.global::<Visitor>().invoke_toggle_script();
            sim.wait(8)?;
        }
        1 => {
            touch(sim);
            app.global::<Visitor>().invoke_toggle_high_contrast();
            sim.wait(8)?;
        }
        _ => {}
    }
    if sim.visitor_rng.below(2) == 0 {
        touch(sim);
        app.global::<Nav>().invoke_home();
        sim.wait(2)?;
    }
    walk_away(sim)
}

/// Leaves the kiosk alone past the longest idle timeout and its countdown; the session must
/// be reset (Home, nothing of the visitor's left).
fn walk_away(sim: &mut Sim) -> Result<(), String> {
    sim.counts.walk_aways += 1;
    let options = sim.session.kiosk.options();
    let idle = options.reading_idle_timeout.max(options.idle_timeout) + options.idle_countdown;
    sim.wait(idle.as_secs() + 15)?;
    let app = sim.session.app.clone_strong();
    let reset = sim.session.kiosk.current() == Place::Home
        && !app.global::<Idle>().get_counting_down()
        && !app.global::<Theme>().get_large_text()
        && !app.global::<Theme>().get_high_contrast()
        && !app.global::<Visitor>().get_traditional()
        && app.global::<SearchAdapter>().get_query().is_empty();
    if reset {
        sim.counts.idle_resets += 1;
    }
    Ok(())
}

/// Outside opening hours: a touch wakes the black screen for a minute; the visitor browses a
/// little and leaves; the screen must go dark again with the session reset.
fn night_visitor(sim: &mut Sim) -> Result<(), String> {
    if sim.night_visit_hour == Some(sim.hour) {
        // One night visitor an hour.
        return Ok(());
    }
    sim.night_visit_hour = Some(sim.hour);
    sim.counts.night_visitors += 1;
    let app = sim.session.app.clone_strong();
    app.global::<Power>().invoke_wake();
    touch(sim);
    sim.wait(2)?;
    open(sim, Screen::Catalogue, 10)?;
    open(sim, Screen::Search, 3)?;
    let search = app.global::<SearchAdapter>();
    for key in "公开".chars() {
        touch(sim);
        search.invoke_type_key(SharedString::from(key.to_string()));
        sim.wait(1)?;
    }
    sim.counts.walk_aways += 1;
    sim.wait(readpoint::kiosk::power::WAKE_FOR.as_secs() + 15)?;
    if sim.is_asleep() && sim.session.kiosk.current() == Place::Home {
        sim.counts.idle_resets += 1;
    }
    Ok(())
}

/// Staff: the emblem held, the PIN typed, the three panels looked at, the screen left to close
/// itself after a minute.
pub(super) fn staff(sim: &mut Sim) -> Result<(), String> {
    if sim.is_asleep() {
        return Ok(());
    }
    sim.counts.staff_visits += 1;
    let app = sim.session.app.clone_strong();
    let staff = app.global::<Staff>();
    staff.invoke_emblem_held();
    sim.wait(3)?;
    for digit in super::PIN.chars() {
        staff.invoke_pin_digit(SharedString::from(digit.to_string()));
    }
    staff.invoke_pin_submit();
    sim.wait(2)?;
    if !staff.get_open() {
        return Ok(());
    }
    sim.counts.staff_opened += 1;
    let adapter = app.global::<StaffAdapter>();
    for panel in [1, 2, 0] {
        touch(sim);
        adapter.invoke_show_panel(panel);
        sim.wait(10)?;
    }
    sim.wait(readpoint::kiosk::staff::STAFF_IDLE.as_secs() + 10)?;
    Ok(())
}
