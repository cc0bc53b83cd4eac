//! The visitor's way through the screens: the back stack, and which UI language a script
//! switch selects. Plain Rust, without Slint, so the session's rules are unit-tested alone.
//!
//! Must never: hold anything but places (no content, nothing typed), or drop Home from the
//! bottom of the stack.

use super::Place;
use crate::config::Language;

/// The places the visitor went through, Home at the bottom, the one on display on top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BackStack {
    places: Vec<Place>,
}

impl Default for BackStack {
    fn default() -> Self {
        BackStack {
            places: vec![Place::Home],
        }
    }
}

/// What [`BackStack::open`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Opened {
    /// The place is on top now, above where the visitor was.
    Pushed,
    /// It was on top already: shown again, the stack unchanged.
    Again,
    /// Home: the stack went back to it.
    Home,
}

impl BackStack {
    /// The place on display.
    pub(crate) fn current(&self) -> &Place {
        self.places.last().unwrap_or(&Place::Home)
    }

    /// Whether Back leads anywhere.
    pub(crate) fn can_go_back(&self) -> bool {
        self.places.len() > 1
    }

    /// Opens `place` on top of the current one (Home empties the stack to Home).
    pub(crate) fn open(&mut self, place: Place) -> Opened {
        if place == Place::Home {
            self.home();
            return Opened::Home;
        }
        if self.places.last() == Some(&place) {
            return Opened::Again;
        }
        self.places.push(place);
        Opened::Pushed
    }

    /// Replaces the place on top (a page turn: Back still leads to the document, not through
    /// every page read). Home stays Home.
    pub(crate) fn turn_to(&mut self, place: Place) {
        if self.places.len() > 1
            && let Some(top) = self.places.last_mut()
        {
            *top = place;
        }
    }

    /// Back one place; Home stays Home.
    pub(crate) fn back(&mut self) {
        if self.places.len() > 1 {
            self.places.pop();
        }
    }

    /// Straight to Home.
    pub(crate) fn home(&mut self) {
        self.places.truncate(1);
    }
}

/// The UI language for a visitor who chose Traditional (`traditional`) on a kiosk configured
/// for `configured`: Traditional Chinese replaces Simplified; English stays English.
pub(crate) fn language_for(traditional: bool, configured: Language) -> Language {
    match (traditional, configured) {
        (true, Language::ZhHans) => Language::ZhHant,
        (_, language) => language,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(id: &str) -> Place {
        Place::Document(id.into())
    }

    #[derive(Debug, Clone)]
    enum Step {
        Open(Place),
        Turn(Place),
        Back,
        Home,
    }

    #[test]
    fn the_back_stack_follows_the_visitor() {
        use Step::*;
        let page = |n| {
            Place::Viewer(crate::view_models::viewer::Reading {
                document: "d".into(),
                attachment: 0,
                page: n,
                find: None,
            })
        };
        // (what the visitor does, the stack after it)
        let cases: Vec<(&str, Vec<Step>, Vec<Place>)> = vec![
            ("a new visit is Home", vec![], vec![Place::Home]),
            (
                "screens stack up",
                vec![Open(Place::Catalogue), Open(doc("a"))],
                vec![Place::Home, Place::Catalogue, doc("a")],
            ),
            (
                "opening the place on display again adds nothing",
                vec![Open(Place::Search), Open(Place::Search)],
                vec![Place::Home, Place::Search],
            ),
            (
                "Back pops one place",
                vec![Open(Place::Catalogue), Open(doc("a")), Back],
                vec![Place::Home, Place::Catalogue],
            ),
            (
                "Back on Home stays Home",
                vec![Back, Back],
                vec![Place::Home],
            ),
            (
                "Home empties the stack",
                vec![Open(Place::Catalogue), Open(doc("a")), Home],
                vec![Place::Home],
            ),
            (
                "opening Home is going Home",
                vec![Open(Place::Reports), Open(Place::Home)],
                vec![Place::Home],
            ),
            (
                "a page turn replaces the page: Back goes to the document",
                vec![
                    Open(doc("d")),
                    Open(page(1)),
                    Turn(page(2)),
                    Turn(page(3)),
                    Back,
                ],
                vec![Place::Home, doc("d")],
            ),
            (
                "a turn never replaces Home",
                vec![Turn(Place::Catalogue)],
                vec![Place::Home],
            ),
        ];
        for (what, steps, expected) in cases {
            let mut stack = BackStack::default();
            for step in steps {
                match step {
                    Open(place) => {
                        stack.open(place);
                    }
                    Turn(place) => stack.turn_to(place),
                    Back => stack.back(),
                    Home => stack.home(),
                }
            }
            assert_eq!(stack.places, expected, "{what}");
            assert_eq!(stack.current(), expected.last().unwrap_or(&Place::Home));
            assert_eq!(stack.can_go_back(), expected.len() > 1, "{what}");
        }
    }

    #[test]
    fn open_says_what_it_did() {
        let mut stack = BackStack::default();
        assert_eq!(stack.open(Place::Search), Opened::Pushed);
        assert_eq!(stack.open(Place::Search), Opened::Again);
        assert_eq!(stack.open(Place::Home), Opened::Home);
    }

    #[test]
    fn traditional_switches_chinese_and_leaves_english() {
        let cases = [
            (false, Language::ZhHans, Language::ZhHans),
            (true, Language::ZhHans, Language::ZhHant),
            (false, Language::ZhHant, Language::ZhHant),
            (true, Language::ZhHant, Language::ZhHant),
            (false, Language::En, Language::En),
            (true, Language::En, Language::En),
        ];
        for (traditional, configured, expected) in cases {
            assert_eq!(
                language_for(traditional, configured),
                expected,
                "{traditional} {configured:?}"
            );
        }
    }
}
