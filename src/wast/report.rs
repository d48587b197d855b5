//! Counting and printing: per-file and total counts, the one line per file
//! (`path: P passed, F failed, S skipped`), the closing `N passed, M failed`
//! line, and the line protocol a per-file child process uses to stream its
//! progress to the parent (so a crash still leaves the counts so far).

use std::fmt;

/// Assertion counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn add(&mut self, o: Counts) {
        self.passed += o.passed;
        self.failed += o.failed;
        self.skipped += o.skipped;
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.skipped
    }

    pub fn record(&mut self, o: Outcome) {
        match o {
            Outcome::Pass => self.passed += 1,
            Outcome::Fail => self.failed += 1,
            Outcome::Skip => self.skipped += 1,
        }
    }

    /// The per-file line's counts: `P passed, F failed, S skipped`.
    pub fn file_summary(&self) -> String {
        format!(
            "{} passed, {} failed, {} skipped",
            self.passed, self.failed, self.skipped
        )
    }

    /// The closing line: `N passed, M failed` and `, K skipped` when K > 0.
    pub fn final_line(&self) -> String {
        if self.skipped > 0 {
            format!(
                "{} passed, {} failed, {} skipped",
                self.passed, self.failed, self.skipped
            )
        } else {
            format!("{} passed, {} failed", self.passed, self.failed)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    Fail,
    /// Nothing is skipped today (SIMD runs); kept in the child→parent
    /// protocol and the summary line for proposals not supported yet.
    #[allow(dead_code)]
    Skip,
}

/// What running a script reports as it goes.
pub trait Sink {
    /// The number of assertions in the script (sent once, before running).
    fn total(&mut self, n: usize);
    /// One assertion (or a failing non-assertion) finished; `detail` explains
    /// failures (`line:col: what: expected ..., got ...`).
    fn outcome(&mut self, outcome: Outcome, counts: Counts, detail: Option<&str>);
    /// A message about the script as a whole (parse error, setup failure).
    fn note(&mut self, text: &str);
}

/// The child side of the protocol: lines on stdout, flushed at once.
pub const PREFIX: &str = "@@wast ";

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    Total(usize),
    Count(Counts),
    Done(Counts),
    Fail(String),
    Note(String),
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let one_line = |s: &str| s.replace('\n', " ");
        match self {
            Message::Total(n) => write!(f, "{PREFIX}total {n}"),
            Message::Count(c) => write!(f, "{PREFIX}count {} {} {}", c.passed, c.failed, c.skipped),
            Message::Done(c) => write!(f, "{PREFIX}done {} {} {}", c.passed, c.failed, c.skipped),
            Message::Fail(s) => write!(f, "{PREFIX}fail {}", one_line(s)),
            Message::Note(s) => write!(f, "{PREFIX}note {}", one_line(s)),
        }
    }
}

impl Message {
    pub fn parse(line: &str) -> Option<Message> {
        let rest = line.strip_prefix(PREFIX)?;
        let (word, arg) = rest.split_once(' ').unwrap_or((rest, ""));
        let counts = |arg: &str| -> Option<Counts> {
            let mut it = arg.split(' ').map(|n| n.parse::<usize>().ok());
            let c = Counts {
                passed: it.next()??,
                failed: it.next()??,
                skipped: it.next()??,
            };
            Some(c)
        };
        Some(match word {
            "total" => Message::Total(arg.parse().ok()?),
            "count" => Message::Count(counts(arg)?),
            "done" => Message::Done(counts(arg)?),
            "fail" => Message::Fail(arg.to_string()),
            "note" => Message::Note(arg.to_string()),
            _ => return None,
        })
    }
}

/// A child's sink: writes the protocol to stdout (unbuffered per message, so
/// nothing is lost if the script then crashes the process).
pub struct ProtocolSink {
    pub verbose: bool,
}

impl ProtocolSink {
    fn send(&self, m: Message) {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{m}");
        let _ = out.flush();
    }

    pub fn done(&self, counts: Counts) {
        self.send(Message::Done(counts));
    }
}

impl Sink for ProtocolSink {
    fn total(&mut self, n: usize) {
        self.send(Message::Total(n));
    }

    fn outcome(&mut self, outcome: Outcome, counts: Counts, detail: Option<&str>) {
        if outcome == Outcome::Fail && self.verbose {
            if let Some(d) = detail {
                self.send(Message::Fail(d.to_string()));
            }
        }
        self.send(Message::Count(counts));
    }

    fn note(&mut self, text: &str) {
        self.send(Message::Note(text.to_string()));
    }
}

/// An in-process sink: prints failures and notes (failures only when
/// `verbose`) prefixed with the script path.
pub struct PrintSink {
    pub path: String,
    pub verbose: bool,
}

impl Sink for PrintSink {
    fn total(&mut self, _n: usize) {}

    fn outcome(&mut self, outcome: Outcome, _counts: Counts, detail: Option<&str>) {
        if self.verbose && outcome == Outcome::Fail {
            if let Some(d) = detail {
                println!("{}:{d}", self.path);
            }
        }
    }

    fn note(&mut self, text: &str) {
        println!("{}: {text}", self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let c = Counts {
            passed: 3,
            failed: 1,
            skipped: 0,
        };
        assert_eq!(c.final_line(), "3 passed, 1 failed");
        assert_eq!(c.file_summary(), "3 passed, 1 failed, 0 skipped");
        let c = Counts {
            passed: 3,
            failed: 0,
            skipped: 2,
        };
        assert_eq!(c.final_line(), "3 passed, 0 failed, 2 skipped");
    }

    #[test]
    fn protocol_round_trip() {
        for m in [
            Message::Total(12),
            Message::Count(Counts {
                passed: 1,
                failed: 2,
                skipped: 3,
            }),
            Message::Done(Counts {
                passed: 0,
                failed: 0,
                skipped: 9,
            }),
            Message::Fail("12:3: assert_return: expected i32:1, got i32:2".into()),
            Message::Note("parse error".into()),
        ] {
            assert_eq!(Message::parse(&m.to_string()), Some(m));
        }
        assert_eq!(Message::parse("hello"), None);
        assert_eq!(Message::parse("@@wast count 1 2"), None);
        assert_eq!(
            Message::parse(&Message::Fail("a\nb".into()).to_string()),
            Some(Message::Fail("a b".into()))
        );
    }
}
