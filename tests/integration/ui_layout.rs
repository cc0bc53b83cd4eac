//! Every screen fits the screens halls have: 1920×1080, 1080×1920, 1366×768, 1280×800,
//! 1280×1024 and 1024×768, each in normal, 大字, 高对比 and Traditional. Laid out offscreen by
//! the real renderer and fonts (as `readpoint screenshot` does), then checked as geometry:
//!
//! - no two controls or texts partly overlap where they are visible (inside every scroll area
//!   they belong to and the window): a label spilling out of its button, a keyboard drawn over
//!   the query box, two lines of text on top of each other;
//! - nothing that is not in a scroll area is cut by the window's edge.
//!
//! The overlays (print dialog, 申请表 editor, PIN pad, idle warning, staff screen) are checked
//! the same way. Failures name the screen, the size, the mode and the two elements.

use std::collections::HashSet;

use i_slint_backend_testing::{AccessibleRole, ElementHandle, ElementQuery};
use readpoint::kiosk::offscreen::Session;
use readpoint::kiosk::{KioskOptions, Place};
use readpoint::ui::{Printing, Staff, StaffAdapter, Theme};
use slint::ComponentHandle;

use crate::support::bundled_store;

pub const SIZES: [(u32, u32); 6] = [
    (1920, 1080),
    (1080, 1920),
    (1366, 768),
    (1280, 800),
    (1280, 1024),
    (1024, 768),
];

#[derive(Debug, Clone, Copy, PartialEq)]
struct Rect {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Rect {
    fn of(e: &ElementHandle) -> Rect {
        let (at, size) = (e.absolute_position(), e.size());
        Rect {
            x: at.x,
            y: at.y,
            w: size.width,
            h: size.height,
        }
    }

    fn intersect(&self, o: &Rect) -> Option<Rect> {
        let x = self.x.max(o.x);
        let y = self.y.max(o.y);
        let r = (self.x + self.w).min(o.x + o.w);
        let b = (self.y + self.h).min(o.y + o.h);
        (r - x > 0.5 && b - y > 0.5).then_some(Rect {
            x,
            y,
            w: r - x,
            h: b - y,
        })
    }

    fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x - 0.5
            && o.y >= self.y - 0.5
            && o.x + o.w <= self.x + self.w + 0.5
            && o.y + o.h <= self.y + self.h + 0.5
    }
}

/// An element that must not collide with others: what it is and where it is visible.
struct Checked {
    name: String,
    full: Rect,
    visible: Rect,
    scrolls: bool,
}

fn describe(e: &ElementHandle) -> String {
    let label = e
        .accessible_label()
        .map(|l| l.to_string())
        .unwrap_or_default();
    format!(
        "{}{} {:?}",
        e.type_name().unwrap_or_default(),
        e.id().map(|i| format!("#{i}")).unwrap_or_default(),
        label.chars().take(30).collect::<String>()
    )
}

/// The problems on the window as laid out now.
pub fn problems(session: &Session, size: (u32, u32)) -> Vec<String> {
    problems_in(session, size, None)
}

/// The problems on the window as laid out now, only among the elements inside the overlay's
/// element with the id `overlay` (what the overlay covers cannot be reached) when one is named.
fn problems_in(session: &Session, size: (u32, u32), overlay: Option<&str>) -> Vec<String> {
    let window = Rect {
        x: 0.0,
        y: 0.0,
        w: size.0 as f32,
        h: size.1 as f32,
    };
    let everything = ElementQuery::from_root(&session.app)
        .match_descendants()
        .find_all();
    let all = match overlay {
        None => everything,
        Some(id) => {
            let Some(top) = everything.iter().find(|e| e.id().as_deref() == Some(id)) else {
                return vec![format!("{id} is not open")];
            };
            let mut inside = top.query_descendants().find_all();
            inside.push(top.clone());
            inside
        }
    };
    // Scroll areas and what is inside each.
    let flickables: Vec<(Rect, HashSet<Key>)> = all
        .iter()
        .filter(|e| {
            e.type_name().as_deref() == Some("Flickable")
                || e.bases().is_some_and(|mut b| b.any(|n| n == "Flickable"))
        })
        .map(|f| {
            let inside = f.query_descendants().find_all().iter().map(key).collect();
            (Rect::of(f), inside)
        })
        .collect();
    let mut checked = Vec::new();
    // An item that is several elements (a component and what it inherits) is checked once.
    let mut seen = HashSet::new();
    for e in &all {
        let role = e.accessible_role();
        let is_text = e.type_name().as_deref() == Some("Text");
        let interactive = matches!(
            role,
            Some(AccessibleRole::Button | AccessibleRole::TextInput)
        );
        if !(is_text || interactive) || e.computed_opacity() < 0.01 {
            continue;
        }
        if !seen.insert((key_at(e), is_text)) {
            continue;
        }
        let full = Rect::of(e);
        if full.w < 1.0 || full.h < 1.0 {
            continue;
        }
        let k = key(e);
        let mut clip = window;
        let mut scrolls = false;
        for (rect, inside) in &flickables {
            if inside.contains(&k) {
                scrolls = true;
                match clip.intersect(rect) {
                    Some(c) => clip = c,
                    None => {
                        clip = Rect {
                            x: 0.0,
                            y: 0.0,
                            w: 0.0,
                            h: 0.0,
                        }
                    }
                }
            }
        }
        let Some(visible) = full.intersect(&clip) else {
            continue;
        };
        checked.push(Checked {
            name: describe(e),
            full,
            visible,
            scrolls,
        });
    }
    let mut found = Vec::new();
    for c in &checked {
        if !c.scrolls && !window.contains(&c.full) {
            found.push(format!(
                "{} is cut by the window's edge ({:?})",
                c.name, c.full
            ));
        }
    }
    for (i, a) in checked.iter().enumerate() {
        for b in &checked[i + 1..] {
            if a.full.contains(&b.full) || b.full.contains(&a.full) {
                continue;
            }
            if let Some(overlap) = a.visible.intersect(&b.visible)
                && overlap.w * overlap.h > 16.0
            {
                found.push(format!(
                    "{} and {} overlap ({:.0}×{:.0} px at {:.0},{:.0})",
                    a.name, b.name, overlap.w, overlap.h, overlap.x, overlap.y
                ));
            }
        }
    }
    found
}

/// Where an element is and how big: one entry per item.
fn key_at(e: &ElementHandle) -> (u32, u32, u32, u32) {
    let r = Rect::of(e);
    (r.x.to_bits(), r.y.to_bits(), r.w.to_bits(), r.h.to_bits())
}

/// An element's identity across two queries: where it is, how big, and what it is.
type Key = (u64, u64, u64, u64, String);

fn key(e: &ElementHandle) -> Key {
    let r = Rect::of(e);
    (
        r.x.to_bits() as u64,
        r.y.to_bits() as u64,
        r.w.to_bits() as u64,
        r.h.to_bits() as u64,
        format!(
            "{}{:?}",
            e.type_name().unwrap_or_default(),
            e.accessible_label()
        ),
    )
}

/// Screens known not to fit yet, as (screen, size, mode). This list only shrinks: a listed case
/// that fits fails the test until it is removed.
const KNOWN: &[(&str, (u32, u32), &str)] = &[];

const MODES: [&str; 4] = ["normal", "large", "contrast", "traditional"];

/// Sets a visitor mode on a kiosk whose session was just reset.
fn set_mode(session: &Session, mode: &str) {
    let theme = session.app.global::<Theme>();
    theme.set_large_text(mode == "large");
    theme.set_high_contrast(mode == "contrast");
    if mode == "traditional" {
        session.kiosk.set_traditional(true);
    }
}

/// Collects the problems of the window as laid out now, unless the case is known.
fn check(
    session: &Session,
    case: (&'static str, (u32, u32), &'static str),
    overlay: Option<&str>,
    failures: &mut Vec<String>,
    known_fit: &mut Vec<String>,
) {
    let (name, size, mode) = case;
    let found = problems_in(session, size, overlay);
    let known = KNOWN.contains(&case);
    if known && found.is_empty() {
        known_fit.push(format!("{name} at {}×{} ({mode})", size.0, size.1));
    }
    if !known {
        for problem in found {
            failures.push(format!(
                "{name} at {}×{} ({mode}): {problem}",
                size.0, size.1
            ));
        }
    }
}

fn assert_fits(failures: &[String], known_fit: &[String]) {
    assert!(
        failures.is_empty(),
        "{} layout problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        known_fit.is_empty(),
        "these now fit — remove them from KNOWN: {}",
        known_fit.join(", ")
    );
}

/// The newest catalogue entry's id.
fn newest_entry(store: &readpoint::store::Store) -> String {
    store
        .catalogue_page(&Default::default(), None, 1)
        .expect("catalogue")
        .remove(0)
        .id
}

/// A kiosk's options with a portal (so QR codes show).
fn with_portal() -> KioskOptions {
    KioskOptions {
        portal_url: Some("https://www.leshan.gov.cn/".into()),
        ..KioskOptions::default()
    }
}

#[test]
fn every_screen_fits_every_hall_screen_in_every_mode() {
    let store = bundled_store();
    let document = newest_entry(&store);
    let report = store.annual_reports().expect("reports").remove(0).id;
    drop(store);
    let places = [
        ("home", Place::Home, None),
        ("guide", Place::Guide, None),
        ("catalogue", Place::Catalogue, None),
        ("document", Place::Document(document), None),
        ("reports", Place::Reports, None),
        ("report", Place::Report(report), None),
        ("apply", Place::Apply, None),
        ("search", Place::Search, Some("社保")),
        ("search-none", Place::Search, Some("vvvv")),
        // Compact screens show the keyboard or the results: the results, after 看结果.
        ("search-results", Place::Search, Some("社保")),
    ];
    let mut failures = Vec::new();
    let mut known_fit = Vec::new();
    // With and without a voice (espeak-ng): 朗读 takes room in the bottom bar, whatever this
    // machine has installed.
    for (size, speech) in SIZES
        .into_iter()
        .flat_map(|size| [(size, false), (size, true)])
    {
        let mut session = Session::start(bundled_store(), with_portal(), size).expect("session");
        session
            .app
            .global::<readpoint::ui::Session>()
            .set_speech_available(speech);
        for mode in MODES {
            for (name, place, query) in &places {
                session.kiosk.reset_session();
                set_mode(&session, mode);
                session.kiosk.go(place.clone());
                if let Some(query) = query {
                    session.kiosk.search_for(query);
                }
                if *name == "search-results" {
                    session.frame();
                    if let Some(switch) =
                        ElementHandle::find_by_accessible_label(&session.app, "收起键盘，看结果")
                            .find(|e| e.accessible_role() == Some(AccessibleRole::Button))
                    {
                        switch.invoke_accessible_default_action();
                    }
                }
                session.frame();
                check(
                    &session,
                    (name, size, mode),
                    None,
                    &mut failures,
                    &mut known_fit,
                );
            }
        }
    }
    assert_fits(&failures, &known_fit);
}

/// Opens the 申请表's print dialog after a search that found nothing.
fn application_after_a_failed_search(s: &Session) {
    s.kiosk.go(Place::Search);
    s.kiosk.search_for("菜市场改造补贴");
    s.app.global::<Printing>().invoke_open_application();
}

/// The overlays: the print dialog, the 申请表 editor, the staff PIN pad, the idle warning and
/// the staff screen (status and printer panels). Each on a kiosk of its own, where printing is on.
#[test]
fn every_overlay_fits_every_hall_screen_in_every_mode() {
    let store = bundled_store();
    let document = newest_entry(&store);
    drop(store);
    type Open = Box<dyn Fn(&Session)>;
    // (name, the id of the overlay's content, how to open it)
    let overlays: [(&str, &str, Open); 7] = [
        (
            "print",
            "PrintDialog::card",
            Box::new(move |s: &Session| {
                s.kiosk.open_document(&document);
                s.app.global::<Printing>().invoke_open();
            }),
        ),
        (
            "print-application",
            "PrintDialog::card",
            Box::new(|s: &Session| {
                application_after_a_failed_search(s);
            }),
        ),
        (
            "application-editor",
            "WantedEditor::editor",
            Box::new(|s: &Session| {
                application_after_a_failed_search(s);
                let printing = s.app.global::<Printing>();
                printing.invoke_edit();
                for key in ["z", "h", "e", "n", "g"] {
                    printing.invoke_edit_key(key.into());
                }
            }),
        ),
        (
            "idle",
            "IdleOverlay::card",
            Box::new(|s: &Session| {
                s.kiosk.go(Place::Catalogue);
                s.kiosk.show_idle_countdown();
            }),
        ),
        (
            "pin",
            "PinPad::card",
            Box::new(|s: &Session| s.app.global::<Staff>().invoke_emblem_held()),
        ),
        (
            "staff",
            "StaffPage::page",
            Box::new(|s: &Session| s.kiosk.show_staff_screen()),
        ),
        (
            "staff-printer",
            "StaffPage::page",
            Box::new(|s: &Session| {
                s.kiosk.show_staff_screen();
                s.app.global::<StaffAdapter>().invoke_show_panel(3);
            }),
        ),
    ];
    let mut failures = Vec::new();
    let mut known_fit = Vec::new();
    for size in SIZES {
        for mode in MODES {
            for (name, component, open) in &overlays {
                let mut options = with_portal();
                options.print.enabled = true;
                let mut session = Session::start(bundled_store(), options, size).expect("session");
                // The PIN pad ends the visitor's session: the mode is set after it opens.
                if *name == "pin" {
                    open(&session);
                    set_mode(&session, mode);
                } else {
                    set_mode(&session, mode);
                    open(&session);
                }
                session.frame();
                check(
                    &session,
                    (name, size, mode),
                    Some(component),
                    &mut failures,
                    &mut known_fit,
                );
            }
        }
    }
    assert_fits(&failures, &known_fit);
}
