//! Every screen rendered offscreen (the software renderer, as `readpoint screenshot` does) in
//! normal, large-text, high-contrast, Traditional and portrait variants: no picture is blank,
//! and the variants differ from the normal picture. Traditional differing from Simplified also
//! proves that Chinese glyphs are drawn at all (a missing CJK font draws nothing, so both would
//! be identical). The PNGs are written to `target/screenshots/` for people to look at.

use std::path::PathBuf;

use readpoint::cli::ScreenName;
use readpoint::kiosk::KioskOptions;
use readpoint::kiosk::offscreen::{Shot, render, write_png};
use slint::{Rgba8Pixel, SharedPixelBuffer};

use crate::support::bundled_store;

const SCREENS: [(ScreenName, &str); 12] = [
    (ScreenName::Home, "home"),
    (ScreenName::Guide, "guide"),
    (ScreenName::Catalogue, "catalogue"),
    (ScreenName::Document, "document"),
    (ScreenName::Reports, "reports"),
    (ScreenName::Report, "report"),
    (ScreenName::Apply, "apply"),
    (ScreenName::Search, "search"),
    (ScreenName::Idle, "idle"),
    (ScreenName::Pin, "pin"),
    (ScreenName::Staff, "staff"),
    (ScreenName::Print, "print"),
];

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot directory");
    dir
}

fn shoot(shot: &Shot, name: &str) -> SharedPixelBuffer<Rgba8Pixel> {
    let data = tempfile::tempdir().expect("tempdir");
    let config = readpoint::config::Config {
        kiosk: readpoint::config::KioskConfig {
            terminal_id: "ls-zwzx-hall-01".into(),
            location: "乐山市政务服务中心一楼大厅".into(),
            ..readpoint::config::KioskConfig::default()
        },
        ..readpoint::config::Config::default()
    };
    let paths = readpoint::config::Paths::resolve(None, Some(data.path()), &|_| None);
    let options = KioskOptions {
        portal_url: Some("https://www.leshan.gov.cn/".into()),
        status: Some(readpoint::fleet::Collector::new(
            &config,
            &paths,
            readpoint::fleet::Producer::Status,
        )),
        ..KioskOptions::from_config(&config)
    };
    let pixels = render(shot, bundled_store(), options)
        .unwrap_or_else(|err| panic!("rendering {name} failed: {err}"));
    write_png(&pixels, &out_dir().join(format!("{name}.png"))).expect("png written");
    pixels
}

/// How many distinct colours (sampled) a picture has: a blank one has one or two.
fn colours(pixels: &SharedPixelBuffer<Rgba8Pixel>) -> usize {
    let mut seen = std::collections::HashSet::new();
    for pixel in pixels.as_slice().iter().step_by(7) {
        seen.insert((pixel.r, pixel.g, pixel.b));
    }
    seen.len()
}

fn differing_pixels(a: &SharedPixelBuffer<Rgba8Pixel>, b: &SharedPixelBuffer<Rgba8Pixel>) -> usize {
    assert_eq!(
        (a.width(), a.height()),
        (b.width(), b.height()),
        "compare same-size pictures"
    );
    a.as_slice()
        .iter()
        .zip(b.as_slice())
        .filter(|(x, y)| x != y)
        .count()
}

#[test]
fn every_screen_renders_in_every_variant() {
    for (screen, name) in SCREENS {
        let normal = shoot(&Shot::new(screen), name);
        assert!(
            colours(&normal) > 16,
            "{name}: the picture is (nearly) blank"
        );
        let variants = [
            (
                "large",
                Shot {
                    large_text: true,
                    ..Shot::new(screen)
                },
            ),
            (
                "contrast",
                Shot {
                    high_contrast: true,
                    ..Shot::new(screen)
                },
            ),
            (
                "traditional",
                Shot {
                    traditional: true,
                    ..Shot::new(screen)
                },
            ),
            (
                "portrait",
                Shot {
                    size: (1080, 1920),
                    ..Shot::new(screen)
                },
            ),
        ];
        for (variant, shot) in variants {
            let pixels = shoot(&shot, &format!("{name}-{variant}"));
            assert!(
                colours(&pixels) > 16,
                "{name}-{variant}: the picture is (nearly) blank"
            );
            if variant == "portrait" {
                assert_eq!(
                    (pixels.width(), pixels.height()),
                    (1080, 1920),
                    "{name}-{variant}"
                );
                continue;
            }
            let changed = differing_pixels(&normal, &pixels);
            // Traditional changes only some characters: a few hundred pixels at least.
            assert!(
                changed > 200,
                "{name}-{variant} looks the same as {name} ({changed} pixels differ)"
            );
        }
    }
}

#[test]
fn outside_opening_hours_the_screen_is_black_in_every_theme() {
    for (variant, shot) in [
        ("normal", Shot::new(ScreenName::Asleep)),
        (
            "contrast",
            Shot {
                high_contrast: true,
                ..Shot::new(ScreenName::Asleep)
            },
        ),
    ] {
        let pixels = shoot(&shot, &format!("asleep-{variant}"));
        assert!(
            pixels
                .as_slice()
                .iter()
                .all(|p| (p.r, p.g, p.b) == (0, 0, 0)),
            "asleep-{variant}: every pixel black"
        );
    }
}
