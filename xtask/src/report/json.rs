//! `--message-format json`: one JSON object per event on stdout, for other tools.

use anyhow::Result;

use super::{Event, Reporter};

pub struct Json;

impl Reporter for Json {
    fn event(&mut self, event: &Event) -> Result<()> {
        crate::ui::out(&(serde_json::to_string(event)? + "\n"));
        Ok(())
    }
}
