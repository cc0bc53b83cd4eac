//! Home (首页): the tiles. Nothing to load and nothing a visitor leaves behind.

use std::rc::Rc;

use super::{Controller, Place};
use crate::kiosk::Kiosk;
use crate::ui::AppWindow;

/// What 朗读 reads on Home.
const PAGE_TEXT: &str =
    "欢迎使用政府信息查阅点。请点击：公开指南、公开目录、年度报告、依申请公开，或者搜索。";

#[derive(Default)]
pub(crate) struct HomeScreen;

impl Controller for HomeScreen {
    fn show(&self, kiosk: &Rc<Kiosk>, _app: &AppWindow, _place: &Place) {
        kiosk.set_page_text(PAGE_TEXT.to_owned());
    }

    fn reset(&self, _kiosk: &Rc<Kiosk>, _app: &AppWindow) {}

    fn is_fresh(&self) -> bool {
        true
    }
}
