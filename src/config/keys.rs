//! Every key of `readpoint.toml`, declared once: its table, name, kind of value, default,
//! allowed range and the comment staff read above it.
//!
//! Owns: the key table ([`ALL`], one `const` per key in a module per table), and what is driven
//! from it: the defaults of [`super::Config`], the bounds and default-naming fixes of
//! `validate`, the expected form in type errors (`error`), and the commented example file
//! ([`commented_file`]; `kiosk-config/readpoint.toml` is kept identical to it by a test, and
//! `readpoint config example` prints it).
//!
//! Must never: parse or check values itself (that is `validate`), or do I/O. The serde shape in
//! `raw` is tested to accept exactly the keys listed here, in this order.

use std::fmt::Write as _;
use std::time::Duration;

use super::values::{format_byte_size, format_duration};

/// One key of the file.
pub(crate) struct Key<V> {
    /// The `[table]` it belongs to.
    pub table: &'static str,
    /// Its name inside the table.
    pub name: &'static str,
    /// Kind of value, default and bounds.
    pub value: V,
    /// The comment above it in the example file. Each `\n`-separated line is word-wrapped;
    /// a line starting with two spaces is kept as it is (a command to copy). `{allowed}` is
    /// replaced by the allowed range of a bounded value.
    pub doc: &'static str,
    /// How the example file shows it.
    pub line: Line,
}

/// How the example file shows a key below its comment.
pub(crate) enum Line {
    /// `# name = <default>`: the key at its default value.
    Default,
    /// `#     name = <example>`: a key that is off by default, with a value to copy.
    Example(&'static str),
    /// The default line, then a comment and an example to copy.
    DefaultAndExample {
        /// The comment line above the example.
        comment: &'static str,
        /// The example value.
        example: &'static str,
    },
    /// `name = <example>`: set in the shipped file (the sample terminal's name and place).
    Set(&'static str),
}

/// A duration (`"15m"`) between `min` and `max`.
pub(crate) struct Durations {
    pub default: Duration,
    pub min: Duration,
    pub max: Duration,
}

/// A byte size (`"64MiB"`) between `min` and `max`.
pub(crate) struct Sizes {
    pub default: u64,
    pub min: u64,
    pub max: u64,
}

/// A whole number between `min` and `max`, held as `T`.
pub(crate) struct Whole<T> {
    pub default: T,
    pub min: i64,
    pub max: i64,
}

/// `true` or `false`.
pub(crate) struct Flag {
    pub default: bool,
}

/// Text with a default (`""` when the default is empty).
pub(crate) struct Text {
    /// What the value looks like, for type errors.
    pub form: &'static str,
    pub default: &'static str,
}

/// A value with no default: the key is off unless set.
pub(crate) struct Unset {
    /// What the value looks like, for type errors.
    pub form: &'static str,
}

/// A value written as TOML other than a single scalar (a list, an inline table), with its
/// default as TOML text.
pub(crate) struct Other {
    /// What the value looks like, for type errors.
    pub form: &'static str,
    pub default: &'static str,
}

/// What every kind of value can say about itself.
pub(crate) trait Value: Sync {
    /// What a value looks like, for type errors ("a duration in double quotes").
    fn form(&self) -> &'static str;
    /// The default as TOML text, `None` when there is none.
    fn default_toml(&self) -> Option<String>;
    /// "Allowed … to …" for bounded values.
    fn allowed(&self) -> Option<String> {
        None
    }
}

impl Value for Durations {
    fn form(&self) -> &'static str {
        "a duration in double quotes"
    }
    fn default_toml(&self) -> Option<String> {
        Some(format!("\"{}\"", format_duration(self.default)))
    }
    fn allowed(&self) -> Option<String> {
        Some(format!(
            "Allowed \"{}\" to \"{}\"",
            format_duration(self.min),
            format_duration(self.max)
        ))
    }
}

impl Value for Sizes {
    fn form(&self) -> &'static str {
        "a size in double quotes"
    }
    fn default_toml(&self) -> Option<String> {
        Some(format!("\"{}\"", format_byte_size(self.default)))
    }
    fn allowed(&self) -> Option<String> {
        Some(format!(
            "Allowed \"{}\" to \"{}\"",
            format_byte_size(self.min),
            format_byte_size(self.max)
        ))
    }
}

impl<T: Copy + std::fmt::Display + Sync> Value for Whole<T> {
    fn form(&self) -> &'static str {
        "a whole number without quotes"
    }
    fn default_toml(&self) -> Option<String> {
        Some(self.default.to_string())
    }
    fn allowed(&self) -> Option<String> {
        Some(format!("Allowed {} to {}", self.min, self.max))
    }
}

impl Value for Flag {
    fn form(&self) -> &'static str {
        "true or false without quotes"
    }
    fn default_toml(&self) -> Option<String> {
        Some(self.default.to_string())
    }
}

impl Value for Text {
    fn form(&self) -> &'static str {
        self.form
    }
    fn default_toml(&self) -> Option<String> {
        Some(toml::Value::String(self.default.to_owned()).to_string())
    }
}

impl Value for Unset {
    fn form(&self) -> &'static str {
        self.form
    }
    fn default_toml(&self) -> Option<String> {
        None
    }
}

impl Value for Other {
    fn form(&self) -> &'static str {
        self.form
    }
    fn default_toml(&self) -> Option<String> {
        Some(self.default.to_owned())
    }
}

/// A key of any kind, as the table lists it.
pub(crate) trait Entry: Sync {
    /// The name inside its table.
    fn name(&self) -> &'static str;
    /// The table.
    fn table(&self) -> &'static str;
    /// What the value looks like, for type errors.
    fn form(&self) -> &'static str;
    /// A line to copy, `name = value`: the example, or else the default.
    fn example_line(&self) -> String;
    /// The key's part of the example file: comment and line(s).
    fn write_to(&self, out: &mut String);
    /// Whether its comment states its allowed range, when it has one (`{allowed}`).
    #[cfg(test)]
    fn documents_its_bounds(&self) -> bool;
}

impl<V> Key<V> {
    /// `table.name`, as errors name the key.
    pub fn dotted(&self) -> String {
        format!("{}.{}", self.table, self.name)
    }
}

impl<V: Value> Entry for Key<V> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn table(&self) -> &'static str {
        self.table
    }

    fn form(&self) -> &'static str {
        self.value.form()
    }

    fn example_line(&self) -> String {
        let value = match self.line {
            Line::Example(example)
            | Line::Set(example)
            | Line::DefaultAndExample { example, .. } => example.to_owned(),
            Line::Default => self.value.default_toml().unwrap_or_default(),
        };
        format!("{} = {value}", self.name)
    }

    #[cfg(test)]
    fn documents_its_bounds(&self) -> bool {
        self.value.allowed().is_none() || self.doc.contains("{allowed}")
    }

    fn write_to(&self, out: &mut String) {
        let allowed = self.value.allowed().unwrap_or_default();
        let mut doc = self.doc.replace("{allowed}", &allowed);
        if matches!(self.line, Line::Example(_)) {
            doc.push_str(" Example:");
        }
        write_comment(out, &doc);
        let name = self.name;
        let default = self.value.default_toml().unwrap_or_default();
        // `write!` to a String cannot fail.
        let _ = match self.line {
            Line::Default => writeln!(out, "# {name} = {default}"),
            Line::Example(example) => writeln!(out, "#     {name} = {example}"),
            Line::DefaultAndExample { comment, example } => {
                let _ = writeln!(out, "# {name} = {default}");
                write_comment(out, comment);
                writeln!(out, "#     {name} = {example}")
            }
            Line::Set(value) => writeln!(out, "{name} = {value}"),
        };
    }
}

/// Width the example file's comments are wrapped to, in terminal columns, `# ` included.
const WIDTH: usize = 92;

/// Columns `text` takes in a terminal: Chinese characters and full-width punctuation take two.
fn columns(text: &str) -> usize {
    text.chars()
        .map(|c| match c {
            '\u{2e80}'..='\u{a4cf}' | '\u{ac00}'..='\u{d7a3}' | '\u{f900}'..='\u{faff}' => 2,
            '\u{fe30}'..='\u{fe4f}' | '\u{ff00}'..='\u{ff60}' | '\u{ffe0}'..='\u{ffe6}' => 2,
            _ => 1,
        })
        .sum()
}

/// Writes `text` as `# ` comment lines: each `\n`-separated line word-wrapped at spaces to
/// [`WIDTH`] columns, lines starting with two spaces kept as they are.
fn write_comment(out: &mut String, text: &str) {
    for line in text.lines() {
        if line.starts_with("  ") {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
            continue;
        }
        let mut current = String::from("#");
        for word in line.split(' ') {
            if columns(&current) + 1 + columns(word) > WIDTH && current.len() > 1 {
                out.push_str(&current);
                out.push('\n');
                current = String::from("#");
            }
            current.push(' ');
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
}

const TEXT: &str = "text in double quotes";
const URL: &str = "an http:// or https:// address in double quotes";

const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
const MINUTE: u64 = 60;
const HOUR: u64 = 3_600;
const DAY: u64 = 86_400;
const KIB: u64 = 1 << 10;
const MIB: u64 = 1 << 20;
const GIB: u64 = 1 << 30;
const TIB: u64 = 1 << 40;

/// `[kiosk]`
pub(crate) mod kiosk {
    use super::*;

    pub(crate) const DOC: &str = "Who and where this terminal is.";

    pub(crate) const TERMINAL_ID: Key<Text> = Key {
        table: "kiosk",
        name: "terminal_id",
        value: Text {
            form: TEXT,
            default: "",
        },
        doc: "Name of this terminal in logs, usage statistics and reports to the portal.\n\
              Letters A–Z, digits, \".\", \"-\" and \"_\", at most 64 characters. Default: \
              empty (unnamed).",
        line: Line::Set("\"ls-zwzx-hall-01\""),
    };

    pub(crate) const LOCATION: Key<Text> = Key {
        table: "kiosk",
        name: "location",
        value: Text {
            form: TEXT,
            default: "",
        },
        doc: "Where the terminal stands, shown on the screen (free text). Default: empty.",
        line: Line::Set("\"乐山市政务服务中心一楼大厅\""),
    };

    pub(crate) const AGENCY_NAME: Key<Text> = Key {
        table: "kiosk",
        name: "agency_name",
        value: Text {
            form: TEXT,
            default: "乐山市人民政府政务服务中心",
        },
        doc: "The agency shown in the screen header.",
        line: Line::Default,
    };

    pub(crate) const PORTAL_URL: Key<Unset> = Key {
        table: "kiosk",
        name: "portal_url",
        value: Unset { form: URL },
        doc: "The portal's public web address; shown as a QR code so visitors can continue on \
              their phone. Default: not set (no QR code).",
        line: Line::Example("\"https://www.leshan.gov.cn/\""),
    };

    pub(crate) const STAFF_DESK: Key<Unset> = Key {
        table: "kiosk",
        name: "staff_desk",
        value: Unset { form: TEXT },
        doc: "Where staff can be found, shown with the 呼叫工作人员 (call staff) button. \
              Default: not set (the button shows no place).",
        line: Line::Example("\"一楼综合服务窗口\""),
    };

    pub(crate) const LANGUAGE: Key<Text> = Key {
        table: "kiosk",
        name: "language",
        value: Text {
            form: TEXT,
            default: "zh-Hans",
        },
        doc: "Interface language: \"zh-Hans\" (简体中文), \"zh-Hant\" (繁體中文) or \"en\" \
              (English).",
        line: Line::Default,
    };
}

/// `[display]`
pub(crate) mod display {
    use super::*;

    pub(crate) const DOC: &str = "Screen behaviour.";

    pub(crate) const IDLE_TIMEOUT: Key<Durations> = Key {
        table: "display",
        name: "idle_timeout",
        value: Durations {
            default: secs(2 * MINUTE),
            min: secs(30),
            max: secs(HOUR),
        },
        doc: "With nobody touching the screen for this long, the kiosk returns to the home \
              screen (首页). {allowed}.",
        line: Line::Default,
    };

    pub(crate) const READING_IDLE_TIMEOUT: Key<Durations> = Key {
        table: "display",
        name: "reading_idle_timeout",
        value: Durations {
            default: secs(5 * MINUTE),
            min: secs(30),
            max: secs(4 * HOUR),
        },
        doc: "The same while a document is open (reading takes longer). {allowed}, and at \
              least idle_timeout.",
        line: Line::Default,
    };

    pub(crate) const IDLE_COUNTDOWN: Key<Durations> = Key {
        table: "display",
        name: "idle_countdown",
        value: Durations {
            default: secs(20),
            min: secs(10),
            max: secs(MINUTE),
        },
        doc: "How long the \"returning to the home screen\" countdown is shown before it \
              happens. {allowed}, and shorter than idle_timeout.",
        line: Line::Default,
    };

    pub(crate) const STALE_AFTER: Key<Durations> = Key {
        table: "display",
        name: "stale_after",
        value: Durations {
            default: secs(7 * DAY),
            min: secs(HOUR),
            max: secs(365 * DAY),
        },
        doc: "When the last successful update from the portal is older than this, the screen \
              warns that the content may be out of date. {allowed}.",
        line: Line::Default,
    };

    pub(crate) const SCHEDULE: Key<Other> = Key {
        table: "display",
        name: "schedule",
        value: Other {
            form: "an inline table of days",
            default: "{ mon = \"00:00-24:00\", tue = \"00:00-24:00\", wed = \"00:00-24:00\", \
                      thu = \"00:00-24:00\", fri = \"00:00-24:00\", sat = \"00:00-24:00\", \
                      sun = \"00:00-24:00\" }",
        },
        doc: "When the screen is on, per weekday: mon tue wed thu fri sat sun. Each day is \
              \"off\" or times \"HH:MM-HH:MM\" (24-hour clock, 00:00 to 24:00), several \
              separated by commas, in order, each ending the same day. A day left out is on all \
              day; at least one day must be on.\nDefault: on all day, every day:",
        line: Line::DefaultAndExample {
            comment: "Example for office hours with a lunch break, closed on Sunday:",
            example: "{ mon = \"08:00-12:00,13:30-17:30\", tue = \"08:00-12:00,13:30-17:30\", \
                      wed = \"08:00-12:00,13:30-17:30\", thu = \"08:00-12:00,13:30-17:30\", \
                      fri = \"08:00-12:00,13:30-17:30\", sat = \"09:00-12:00\", sun = \"off\" }",
        },
    };

    pub(crate) const TIME_ZONE: Key<Text> = Key {
        table: "display",
        name: "time_zone",
        value: Text {
            form: TEXT,
            default: "Asia/Shanghai",
        },
        doc: "Time zone the schedule and the statistics' days are read in (an IANA place \
              name; not \"Etc/GMT+8\", whose sign is inverted).",
        line: Line::Default,
    };
}

/// `[sync]`
pub(crate) mod sync {
    use super::*;

    pub(crate) const DOC: &str = "Updates from the central portal. Every update must be signed \
        with one of the trusted keys; anything else is rejected and the kiosk keeps what it \
        has.\nWithout feed_url the kiosk never goes online: it shows its cache and bundled \
        content. To connect a portal, set feed_url, feed_id and trusted_keys together (values \
        from the portal's administrator).\nCheck the connection with `readpoint sync --once` \
        (exit code 0: applied or current; 2: the feed was rejected; 3: network or server \
        trouble) and `readpoint status`.";

    pub(crate) const FEED_URL: Key<Unset> = Key {
        table: "sync",
        name: "feed_url",
        value: Unset { form: URL },
        doc: "The feed's address (http:// or https://). Default: not set (no updates).",
        line: Line::Example("\"https://portal.example.gov.cn/readpoint/feed\""),
    };

    pub(crate) const FEED_ID: Key<Unset> = Key {
        table: "sync",
        name: "feed_id",
        value: Unset { form: TEXT },
        doc: "The feed id the portal publishes (the `feed_id` in its manifest.json); required \
              with feed_url.",
        line: Line::Example("\"leshan-zwgk\""),
    };

    pub(crate) const TRUSTED_KEYS: Key<Unset> = Key {
        table: "sync",
        name: "trusted_keys",
        value: Unset {
            form: "a list of keys in double quotes",
        },
        doc: "The portal's minisign public keys: for each, the second line of its .pub file \
              (56 characters starting with \"RW\"). 1 to 4 keys; required with feed_url. List \
              two while the portal changes its key. `readpoint feed keygen` prints the line for \
              a new key.",
        line: Line::Example("[\"RWQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"]"),
    };

    pub(crate) const INTERVAL: Key<Durations> = Key {
        table: "sync",
        name: "interval",
        value: Durations {
            default: secs(15 * MINUTE),
            min: secs(MINUTE),
            max: secs(24 * HOUR),
        },
        doc: "Time between update checks. {allowed}.",
        line: Line::Default,
    };

    pub(crate) const TIMEOUT: Key<Durations> = Key {
        table: "sync",
        name: "timeout",
        value: Durations {
            default: secs(30),
            min: secs(1),
            max: secs(10 * MINUTE),
        },
        doc: "Give up on a network request after this long. {allowed}.",
        line: Line::Default,
    };

    pub(crate) const MAX_SHARD_SIZE: Key<Sizes> = Key {
        table: "sync",
        name: "max_shard_size",
        value: Sizes {
            default: 64 * MIB,
            min: MIB,
            max: 4 * GIB,
        },
        doc: "Largest single download (shard) accepted. {allowed}.",
        line: Line::Default,
    };

    pub(crate) const MAX_DOCUMENTS: Key<Whole<u64>> = Key {
        table: "sync",
        name: "max_documents",
        value: Whole {
            default: 500_000,
            min: 1,
            max: 10_000_000,
        },
        doc: "Most documents accepted from the feed (a number, no quotes). {allowed}.",
        line: Line::Default,
    };

    pub(crate) const ATTACHMENT_BUDGET: Key<Sizes> = Key {
        table: "sync",
        name: "attachment_budget",
        value: Sizes {
            default: 2 * GIB,
            min: 0,
            max: TIB,
        },
        doc: "Disk space for downloaded attachments (the pages of PDF files, pictures). \
              {allowed}.",
        line: Line::Default,
    };

    pub(crate) const DISK_RESERVE: Key<Sizes> = Key {
        table: "sync",
        name: "disk_reserve",
        value: Sizes {
            default: 512 * MIB,
            min: 0,
            max: TIB,
        },
        doc: "Free disk space a download must leave in the data folder. A sync that would \
              leave less is refused with an error (the kiosk keeps its content). {allowed}.",
        line: Line::Default,
    };

    pub(crate) const REDIRECT_HOSTS: Key<Other> = Key {
        table: "sync",
        name: "redirect_hosts",
        value: Other {
            form: "a list of host names in double quotes",
            default: "[]",
        },
        doc: "Other hosts the portal may redirect the kiosk to (for example a CDN), as host \
              names. The kiosk follows redirects only to the feed's own host and to these, and \
              never from https:// to http://.",
        line: Line::DefaultAndExample {
            comment: "Example:",
            example: "[\"cdn.example.gov.cn\"]",
        },
    };

    pub(crate) const IN_KIOSK: Key<Flag> = Key {
        table: "sync",
        name: "in_kiosk",
        value: Flag { default: true },
        doc: "Whether the kiosk itself checks the portal on its schedule (true or false, no \
              quotes). Set false on a terminal that syncs with the systemd timer instead \
              (`systemctl enable --now readpoint-sync.timer`), so it never syncs twice: the \
              kiosk then only watches its cache and shows what the timer's `readpoint sync \
              --once` brings. \"Sync now\" on the staff screen still checks at once.",
        line: Line::Default,
    };
}

/// `[cache]`
pub(crate) mod cache {
    use super::*;

    pub(crate) const DOC: &str = "";

    pub(crate) const DATA_DIR: Key<Unset> = Key {
        table: "cache",
        name: "data_dir",
        value: Unset {
            form: "a full folder path in double quotes",
        },
        doc: "The folder for the offline cache, attachments, statistics and logs: a full path. \
              Default: /var/lib/readpoint for a system install, ~/.local/share/readpoint for a \
              single user. A data folder given on the command line wins over this setting.",
        line: Line::Example("\"/srv/readpoint\""),
    };
}

/// `[admin]`
pub(crate) mod admin {
    use super::*;

    pub(crate) const DOC: &str = "The staff screen (管理界面), opened with a PIN: hold the \
        round agency emblem (top left) for 5 seconds, then type the PIN on the number pad.";

    pub(crate) const PIN_HASH: Key<Unset> = Key {
        table: "admin",
        name: "pin_hash",
        value: Unset {
            form: "an argon2id hash in double quotes",
        },
        doc: "The argon2id hash of the staff PIN, never the PIN itself. Without it the staff \
              screen is DISABLED. Set it with (asks for the PIN twice, 6–12 digits, and writes \
              this line for you):\n  \
              sudo READPOINT_SYSTEM=1 readpoint config set-pin /etc/readpoint/readpoint.toml\n\
              A hash made elsewhere works too, e.g. with the argon2 tool (apt install argon2):\n  \
              echo -n 'YOUR-PIN' | argon2 'a-random-salt-16' -id -t 3 -m 16 -e\n\
              (the hash must use m ≥ 19456 and t ≥ 2, and at most m 262144 (256 MiB) and m × t \
              524288 so that checking a PIN stays well under 2 seconds, or it is refused).\n\
              Default: not set (staff screen disabled).",
        line: Line::Example(
            "\"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQxMjM0$5pYxk3y7yKx8JTXXeuJj6Qq1v2FxNxJxH3Pq6tjFvTk\"",
        ),
    };

    pub(crate) const LOCKOUT_ATTEMPTS: Key<Whole<u32>> = Key {
        table: "admin",
        name: "lockout_attempts",
        value: Whole {
            default: 5,
            min: 1,
            max: 100,
        },
        doc: "After this many wrong PINs the staff screen locks, and again after each further \
              this many. Wrong PINs are counted until the right PIN is typed (a lock ending does \
              not reset the count; `readpoint config set-pin` does). {allowed}.",
        line: Line::Default,
    };

    pub(crate) const LOCKOUT: Key<Durations> = Key {
        table: "admin",
        name: "lockout",
        value: Durations {
            default: secs(5 * MINUTE),
            min: secs(10),
            max: secs(24 * HOUR),
        },
        doc: "How long the first lock lasts. Each further lock lasts twice as long as the one \
              before (5, 10, 20, 40 minutes …), up to 24 hours. Locks count the time the kiosk \
              is running, not the date: changing the clock does not end one, and after a \
              restart or power cut the rest of the lock still holds. {allowed}.",
        line: Line::Default,
    };
}

/// `[stats]`
pub(crate) mod stats {
    use super::*;

    pub(crate) const DOC: &str = "Anonymous usage statistics, per local day \
        (display.time_zone): visits, screens and documents opened, search-box queries with or \
        without results, display settings switched, pages printed. Nothing that identifies a \
        visitor, nothing typed outside the search box. `readpoint stats` prints them.";

    pub(crate) const RETENTION_DAYS: Key<Whole<u32>> = Key {
        table: "stats",
        name: "retention_days",
        value: Whole {
            default: 400,
            min: 1,
            max: 3650,
        },
        doc: "Days statistics are kept, today included; older days are deleted once a day. \
              {allowed}.",
        line: Line::Default,
    };

    pub(crate) const REPORT_URL: Key<Unset> = Key {
        table: "stats",
        name: "report_url",
        value: Unset { form: URL },
        doc: "Address the kiosk reports its status to (fleet heartbeat): the JSON of \
              `readpoint status --json` (docs/heartbeat.md), POSTed shortly after start, after \
              every sync check and at least hourly; 3 attempts, failures only logged. Default: \
              not set (reports nothing).",
        line: Line::Example("\"https://portal.example.gov.cn/readpoint/heartbeat\""),
    };
}

/// `[print]`
pub(crate) mod print {
    use super::*;

    pub(crate) const DOC: &str = "Free printing (文本打印) on the terminal's printer: 打印 on a \
        document, a report and an attachment page, and the pre-filled application form (申请表) \
        after a search that found nothing. Every page carries where it comes from (索引号, \
        发布机构, 公开日期, content version, 本页打印于) and a QR code to the portal. Nothing \
        about the visitor goes into a job. The staff screen shows the printer, its queue and \
        paper, and cancels or releases jobs.";

    pub(crate) const ENABLED: Key<Flag> = Key {
        table: "print",
        name: "enabled",
        value: Flag { default: false },
        doc: "Whether visitors may print. With false, 打印 says printing is not offered here.",
        line: Line::Default,
    };

    pub(crate) const PRINTER: Key<Text> = Key {
        table: "print",
        name: "printer",
        value: Text {
            form: "an ipp:// address in double quotes",
            default: "ipp://localhost:631/printers/readpoint",
        },
        doc: "The printer's IPP address. For a CUPS queue (lpstat -v lists them): \
              \"ipp://localhost:631/printers/<name>\"; an IPP Everywhere printer on the \
              network: \"ipp://<address>/ipp/print\".",
        line: Line::Default,
    };

    pub(crate) const MAX_PAGES_PER_JOB: Key<Whole<u32>> = Key {
        table: "print",
        name: "max_pages_per_job",
        value: Whole {
            default: 30,
            min: 1,
            max: 1000,
        },
        doc: "Most pages in one print job (a visitor picks a page range for longer \
              attachments). {allowed}.",
        line: Line::Default,
    };

    pub(crate) const MAX_PAGES_PER_DAY: Key<Whole<u32>> = Key {
        table: "print",
        name: "max_pages_per_day",
        value: Whole {
            default: 500,
            min: 1,
            max: 100_000,
        },
        doc: "Most pages a day, all visitors together (kiosk local day); then 打印 says the \
              day's paper is used up. {allowed}.",
        line: Line::Default,
    };

    pub(crate) const HOLD_JOBS: Key<Flag> = Key {
        table: "print",
        name: "hold_jobs",
        value: Flag { default: false },
        doc: "Hold every job until staff release it on the staff screen (for printers behind \
              the desk).",
        line: Line::Default,
    };

    pub(crate) const FONT: Key<Unset> = Key {
        table: "print",
        name: "font",
        value: Unset {
            form: "a full file path in double quotes",
        },
        doc: "The font prints are set in, a .ttf/.otf/.ttc file with Chinese glyphs. Default: \
              not set (the system's Chinese sans-serif font, from fonts-noto-cjk).",
        line: Line::Example("\"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc\""),
    };
}

/// `[log]`
pub(crate) mod log {
    use super::*;

    pub(crate) const DOC: &str = "Log files, in the data folder.";

    pub(crate) const LEVEL: Key<Text> = Key {
        table: "log",
        name: "level",
        value: Text {
            form: TEXT,
            default: "info",
        },
        doc: "How much to write: \"error\", \"warn\", \"info\", \"debug\" or \"trace\". \
              \"debug\" helps when troubleshooting.",
        line: Line::Default,
    };

    pub(crate) const MAX_SIZE: Key<Sizes> = Key {
        table: "log",
        name: "max_size",
        value: Sizes {
            default: 10 * MIB,
            min: 64 * KIB,
            max: GIB,
        },
        doc: "Start a new log file at this size. {allowed}.",
        line: Line::Default,
    };

    pub(crate) const MAX_FILES: Key<Whole<u32>> = Key {
        table: "log",
        name: "max_files",
        value: Whole {
            default: 5,
            min: 1,
            max: 100,
        },
        doc: "Old log files kept. {allowed}.",
        line: Line::Default,
    };
}

/// The tables in file order, with the comment below each `[table]` header.
pub(crate) const TABLES: [(&str, &str); 8] = [
    ("kiosk", kiosk::DOC),
    ("display", display::DOC),
    ("sync", sync::DOC),
    ("cache", cache::DOC),
    ("admin", admin::DOC),
    ("stats", stats::DOC),
    ("print", print::DOC),
    ("log", log::DOC),
];

/// Every key, in file order (tables in [`TABLES`] order).
pub(crate) const ALL: &[&dyn Entry] = &[
    &kiosk::TERMINAL_ID,
    &kiosk::LOCATION,
    &kiosk::AGENCY_NAME,
    &kiosk::PORTAL_URL,
    &kiosk::STAFF_DESK,
    &kiosk::LANGUAGE,
    &display::IDLE_TIMEOUT,
    &display::READING_IDLE_TIMEOUT,
    &display::IDLE_COUNTDOWN,
    &display::STALE_AFTER,
    &display::SCHEDULE,
    &display::TIME_ZONE,
    &sync::FEED_URL,
    &sync::FEED_ID,
    &sync::TRUSTED_KEYS,
    &sync::INTERVAL,
    &sync::TIMEOUT,
    &sync::MAX_SHARD_SIZE,
    &sync::MAX_DOCUMENTS,
    &sync::ATTACHMENT_BUDGET,
    &sync::DISK_RESERVE,
    &sync::REDIRECT_HOSTS,
    &sync::IN_KIOSK,
    &cache::DATA_DIR,
    &admin::PIN_HASH,
    &admin::LOCKOUT_ATTEMPTS,
    &admin::LOCKOUT,
    &stats::RETENTION_DAYS,
    &stats::REPORT_URL,
    &print::ENABLED,
    &print::PRINTER,
    &print::MAX_PAGES_PER_JOB,
    &print::MAX_PAGES_PER_DAY,
    &print::HOLD_JOBS,
    &print::FONT,
    &log::LEVEL,
    &log::MAX_SIZE,
    &log::MAX_FILES,
];

/// The key named `dotted` (`"sync.interval"`).
pub(crate) fn find(dotted: &str) -> Option<&'static dyn Entry> {
    let (table, name) = dotted.split_once('.')?;
    ALL.iter()
        .copied()
        .find(|key| key.table() == table && key.name() == name)
}

/// The top of the example file: where it lives and how to read it.
const HEADER: &str = "\
# Readpoint — reading point (政府信息查阅点) kiosk configuration
#
# Where this file lives (the first one that exists is used):
#   system install (the kiosk runs as a service):  /etc/readpoint/readpoint.toml
#   single user (testing on a desktop):            ~/.config/readpoint/readpoint.toml, then
#                                                  /etc/xdg/readpoint/readpoint.toml, then
#                                                  /etc/readpoint/readpoint.toml
#   (or only the file named on the command line with --config)
# `readpoint config check` without FILE checks the file in use and prints its path.
#
# Check it after every edit (prints each problem with its line and how to fix it):
#   readpoint config check [FILE]
# The kiosk reads this file when it starts: restart it after a change.
#
# How to read this file:
#   - Lines starting with # are comments and are ignored.
#   - A line like `# interval = \"15m\"` shows a setting at its DEFAULT value. You do not need
#     to uncomment it; to change it, remove the \"# \" and edit the value.
#   - An indented line like `#     feed_url = \"https://…\"` is an EXAMPLE for a setting that is
#     off by default; remove the \"#\" and the spaces to use it, and change the value.
#   - Text goes in \"double quotes\"; numbers are written without quotes.
#   - Durations: a number with a unit — s (seconds), m (minutes), h (hours), d (days) —
#     combined largest first if needed: \"90s\", \"15m\", \"2h\", \"7d\", \"1h30m\".
#   - Sizes: a whole number directly followed by a unit — B, KiB, MiB, GiB, TiB (×1024) or
#     KB, MB, GB, TB (×1000): \"64MiB\", \"2GiB\".
#   - Web addresses start with http:// or https://.
# Every setting is optional: with no file at all the kiosk starts on its bundled content.
# `readpoint config example` prints this file as shipped.
";

/// The commented example configuration (`kiosk-config/readpoint.toml`): every key with its
/// comment, at its default or with an example, generated from the key table.
pub(crate) fn commented_file() -> String {
    let mut out = String::from(HEADER);
    for (table, doc) in TABLES {
        out.push_str("\n\n[");
        out.push_str(table);
        out.push_str("]\n");
        if !doc.is_empty() {
            write_comment(&mut out, doc);
        }
        for key in ALL.iter().filter(|key| key.table() == table) {
            out.push('\n');
            key.write_to(&mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_wrap_at_spaces_and_keep_commands() {
        let mut out = String::new();
        let long = ["word"; 30].join(" ");
        write_comment(&mut out, &format!("{long}\n  a command  with  spaces"));
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines.iter().all(|l| columns(l) <= WIDTH), "{out}");
        assert_eq!(lines.len(), 3, "{out}");
        assert_eq!(lines[2], "#   a command  with  spaces");
    }

    #[test]
    fn every_bounded_key_documents_its_bounds_and_keys_are_unique() {
        let mut seen = std::collections::BTreeSet::new();
        for key in ALL {
            let dotted = format!("{}.{}", key.table(), key.name());
            assert!(seen.insert(dotted.clone()), "{dotted} listed twice");
            assert!(TABLES.iter().any(|(t, _)| *t == key.table()));
            assert!(key.documents_its_bounds(), "{dotted} hides its range");
        }
        assert!(!commented_file().contains("{allowed}"));
    }

    #[test]
    fn find_looks_keys_up_by_dotted_name() {
        assert_eq!(
            find("sync.interval").map(|k| k.form()),
            Some("a duration in double quotes")
        );
        assert_eq!(
            find("sync.interval").map(|k| k.example_line()),
            Some("interval = \"15m\"".to_owned())
        );
        assert!(find("sync.nothing").is_none() && find("sync").is_none());
    }
}
