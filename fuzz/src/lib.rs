//! What the fuzz targets share: a small text format for settings, so that
//! the seed corpus is written by hand and read by people.
//!
//! An input is settings, one `name value` a line (the value is the rest of
//! the line, possibly empty), then optionally a line `--` and a payload
//! that is everything after it, byte for byte:
//!
//! ```text
//! length 16
//! min digit 2
//! exclude {}
//! no-ambiguous
//! --
//! payload bytes
//! ```
//!
//! Unknown names and unreadable values are ignored, so any mutation of a
//! seed is still an input.

use chacha20::ChaCha20Rng;
use chacha20::rand_core::SeedableRng;

/// Settings and payload of one input.
#[derive(Debug)]
pub struct Settings<'a> {
    lines: Vec<(String, String)>,
    /// What follows the `--` line (empty without one).
    pub payload: &'a [u8],
}

impl<'a> Settings<'a> {
    /// Splits `data` at its first `--` line and reads the settings before
    /// it (invalid UTF-8 there is replaced).
    pub fn parse(data: &'a [u8]) -> Settings<'a> {
        let (head, payload): (&[u8], &[u8]) = if data.starts_with(b"--\n") {
            (&[], &data[3..])
        } else {
            match data.windows(4).position(|w| w == b"\n--\n") {
                Some(i) => (&data[..i], &data[i + 4..]),
                None => (data, &[]),
            }
        };
        let lines = String::from_utf8_lossy(head)
            .lines()
            .map(|line| {
                let (name, value) = line.split_once(' ').unwrap_or((line, ""));
                (name.to_owned(), value.to_owned())
            })
            .collect();
        Settings { lines, payload }
    }

    /// The value of the last `name` line.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.lines
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The values of every `name` line, in order.
    pub fn all<'s>(&'s self, name: &'s str) -> impl Iterator<Item = &'s str> + 's {
        self.lines
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Whether a `name` line is present.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// The last `name` line's value as a number, if it is one.
    pub fn num<T: std::str::FromStr>(&self, name: &str) -> Option<T> {
        self.get(name).and_then(|v| v.trim().parse().ok())
    }

    /// A generator seeded from the `seed` line (0 without one), so that a
    /// crash reproduces.
    pub fn rng(&self) -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(self.num("seed").unwrap_or(0))
    }
}

/// Every run of 16 or more characters of `text` for which `part` holds:
/// what an error message must not repeat when it may be a secret.
pub fn runs(text: &str, part: impl Fn(char) -> bool) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (part(c), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push(&text[s..i]);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out.retain(|r| r.chars().count() >= 16);
    out
}

/// Whether `message` repeats 16 or more consecutive characters of any run
/// of `text` made of characters for which `part` holds (case ignored).
pub fn quotes_a_run(message: &str, text: &str, part: impl Fn(char) -> bool) -> bool {
    let message = message.to_lowercase();
    runs(text, part).iter().any(|run| {
        let chars: Vec<char> = run.to_lowercase().chars().collect();
        chars
            .windows(16)
            .any(|w| message.contains(&w.iter().collect::<String>()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_and_payload() {
        let s = Settings::parse(b"length 16\nmin digit 2\nmin upper 1\nflag\n--\nx\n--\ny");
        assert_eq!(s.num::<usize>("length"), Some(16));
        assert_eq!(s.all("min").collect::<Vec<_>>(), ["digit 2", "upper 1"]);
        assert!(s.has("flag"));
        assert!(!s.has("other"));
        assert_eq!(s.payload, b"x\n--\ny");
        assert_eq!(Settings::parse(b"--\nwords").payload, b"words");
        assert_eq!(Settings::parse(b"a 1").payload, b"");
    }

    #[test]
    fn runs_of_sixteen() {
        let hex = |c: char| c.is_ascii_hexdigit();
        assert!(quotes_a_run(
            "key 00112233445566778899 bad",
            "k:00112233445566778899aabb",
            hex
        ));
        assert!(!quotes_a_run(
            "key 0011223344556677 bad",
            "k:00112233445566",
            hex
        ));
        assert!(!quotes_a_run(
            "line 1: bad",
            "k:00112233445566778899aabb",
            hex
        ));
    }
}
