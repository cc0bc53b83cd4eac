//! The Slint theme against the numbers of the UI norms (UI.md): text sizes, touch targets and
//! contrast in normal, large-text and high-contrast modes. Uses Slint's testing backend.

use readpoint::ui::{AppWindow, Theme};
use slint::{Color, ComponentHandle};

/// WCAG relative luminance of an sRGB colour.
fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.03928 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())
}

fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[test]
fn sizes_and_contrast_meet_the_norms() {
    i_slint_backend_testing::init_no_event_loop();
    let app = AppWindow::new().expect("window");
    let theme = app.global::<Theme>();

    for large in [false, true] {
        theme.set_large_text(large);
        let (body, heading, target) = if large {
            (40.0, 56.0, 120.0)
        } else {
            (28.0, 40.0, 96.0)
        };
        assert!(theme.get_body_size() >= body, "body text in large={large}");
        assert!(
            theme.get_heading_size() >= heading,
            "headings in large={large}"
        );
        assert!(
            theme.get_touch_target() >= target,
            "touch targets in large={large}"
        );
        assert!(theme.get_line_height_factor() >= 1.5);
    }

    for (high, minimum) in [(false, 4.5), (true, 7.0)] {
        theme.set_high_contrast(high);
        let p = theme.get_palette();
        for (name, fg, bg) in [
            ("text", p.text, p.background),
            ("text on surface", p.text, p.surface),
            ("muted text", p.text_muted, p.background),
            ("accent text", p.on_accent, p.accent),
            ("warning", p.warning, p.background),
        ] {
            let ratio = contrast(fg, bg);
            assert!(
                ratio >= minimum,
                "{name}: {ratio:.2}:1 < {minimum}:1 (high contrast: {high})"
            );
        }
    }
}
