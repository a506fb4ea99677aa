//! The Sardinas–Patterson test: can a concatenation of codewords be split
//! in more than one way?

use super::{DECODE_STEP_COST, Decodability};
use std::collections::HashSet;

/// The work of one step that reads `bytes` bytes.
fn step(bytes: usize) -> u64 {
    (bytes as u64).saturating_add(DECODE_STEP_COST)
}

/// Runs the Sardinas–Patterson test on `codewords` (byte strings; equal
/// strings count as one), giving up with [`Decodability::Unknown`] before
/// its work would exceed `budget`.
///
/// The test follows "dangling suffixes": what is left over when one
/// codeword is a proper prefix of another, and then of those leftovers
/// against the codewords again. The code is ambiguous exactly when some
/// leftover is itself a codeword. Every leftover is a suffix of a codeword,
/// so the search ends; the budget bounds the time and memory it takes.
///
/// The work counts every byte hashed or compared, plus
/// [`DECODE_STEP_COST`] per lookup or comparison: hashing the codewords
/// into a set first, then each lookup of a prefix or leftover and each
/// comparison with a codeword. The second value is the work done, never
/// above `budget`.
pub(crate) fn sardinas_patterson<'a>(codewords: &[&'a [u8]], budget: u64) -> (Decodability, u64) {
    if codewords.iter().any(|c| c.is_empty()) {
        return (Decodability::Ambiguous, 0);
    }
    let mut meter = Meter { work: 0, budget };
    // Paid before anything is built, so a code too large to search costs
    // one pass over the lengths. Sorting compares no more than this
    // times log2 of the number of codewords.
    let setup = codewords
        .iter()
        .fold(0u64, |sum, c| sum.saturating_add(step(c.len())));
    if !meter.spend(setup) {
        return (Decodability::Unknown, meter.work);
    }
    let set: HashSet<&'a [u8]> = codewords.iter().copied().collect();
    let mut sorted: Vec<&'a [u8]> = set.iter().copied().collect();
    sorted.sort_unstable();
    // Only a cut at the length of some codeword can split off a codeword.
    let mut lengths: Vec<usize> = sorted.iter().map(|c| c.len()).collect();
    lengths.sort_unstable();
    lengths.dedup();

    let mut search = Search {
        set: &set,
        sorted: &sorted,
        seen: HashSet::new(),
        queue: Vec::new(),
        meter,
    };
    let verdict = search.run(&lengths);
    (verdict, search.meter.work)
}

/// The work done so far, against the budget.
struct Meter {
    work: u64,
    budget: u64,
}

impl Meter {
    /// Adds `work`; `false` when that would pass the budget (the work is
    /// then not done).
    fn spend(&mut self, work: u64) -> bool {
        match self.work.checked_add(work) {
            Some(total) if total <= self.budget => {
                self.work = total;
                true
            }
            _ => false,
        }
    }
}

struct Search<'s, 'a> {
    set: &'s HashSet<&'a [u8]>,
    sorted: &'s [&'a [u8]],
    seen: HashSet<&'a [u8]>,
    queue: Vec<&'a [u8]>,
    meter: Meter,
}

impl<'a> Search<'_, 'a> {
    fn run(&mut self, lengths: &[usize]) -> Decodability {
        // The codewords that a codeword is a proper prefix of follow it in
        // sorted order: no search needed.
        for (i, &c) in self.sorted.iter().enumerate() {
            if let Some(verdict) = self.extensions_from(c, i + 1) {
                return verdict;
            }
        }
        while let Some(s) = self.queue.pop() {
            // Codewords that are a proper prefix of the leftover...
            for &cut in lengths.iter().take_while(|&&cut| cut < s.len()) {
                if !self.meter.spend(step(cut)) {
                    return Decodability::Unknown;
                }
                if self.set.contains(&s[..cut])
                    && let Some(verdict) = self.dangle(&s[cut..])
                {
                    return verdict;
                }
            }
            // ... and codewords that the leftover is a proper prefix of.
            if let Some(verdict) = self.extensions(s) {
                return verdict;
            }
        }
        Decodability::Unique
    }

    /// Records the leftover `d`; a verdict when the search can stop.
    fn dangle(&mut self, d: &'a [u8]) -> Option<Decodability> {
        // One lookup in the codewords, one in the leftovers seen.
        if !self.meter.spend(step(d.len()).saturating_mul(2)) {
            return Some(Decodability::Unknown);
        }
        if self.set.contains(d) {
            return Some(Decodability::Ambiguous);
        }
        if self.seen.insert(d) {
            self.queue.push(d);
        }
        None
    }

    /// The leftovers of every codeword that has `p` as a proper prefix.
    fn extensions(&mut self, p: &'a [u8]) -> Option<Decodability> {
        // A binary search: about log2(n) comparisons of up to |p| bytes.
        let probes = u64::from(usize::BITS - self.sorted.len().leading_zeros());
        if !self.meter.spend(step(p.len()).saturating_mul(probes)) {
            return Some(Decodability::Unknown);
        }
        let start = self.sorted.partition_point(|w| *w < p);
        self.extensions_from(p, start)
    }

    /// [`extensions`](Self::extensions), the codewords from `start` on
    /// in sorted order (those before it being smaller than `p`).
    fn extensions_from(&mut self, p: &'a [u8], start: usize) -> Option<Decodability> {
        for &w in &self.sorted[start..] {
            if !self.meter.spend(step(p.len())) {
                return Some(Decodability::Unknown);
            }
            if !w.starts_with(p) {
                break;
            }
            if w.len() > p.len()
                && let Some(verdict) = self.dangle(&w[p.len()..])
            {
                return Some(verdict);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::DECODE_BUDGET;
    use super::*;

    fn sp(words: &[&str]) -> Decodability {
        let c: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        sardinas_patterson(&c, 1_000_000).0
    }

    #[test]
    fn textbook_examples() {
        // Prefix-free codes are decodable.
        assert_eq!(sp(&["0", "10", "110", "111"]), Decodability::Unique);
        // Suffix-free but not prefix-free: still decodable.
        assert_eq!(sp(&["0", "01", "011"]), Decodability::Unique);
        // "in"+"to" = "into".
        assert_eq!(sp(&["in", "to", "into", "x"]), Decodability::Ambiguous);
        // Ambiguity only found after several rounds: 0|10|11... vs 01|...
        assert_eq!(sp(&["0", "01", "10"]), Decodability::Ambiguous);
        assert_eq!(sp(&["a", "ab", "bab"]), Decodability::Ambiguous);
        assert_eq!(sp(&["a", ""]), Decodability::Ambiguous);
    }

    #[test]
    fn budget_bounds_the_work() {
        let c: Vec<&[u8]> = ["0", "01", "10"].iter().map(|w| w.as_bytes()).collect();
        assert_eq!(sardinas_patterson(&c, 0).0, Decodability::Unknown);
        // Whatever the budget, the work stays within it.
        let (verdict, needed) = sardinas_patterson(&c, u64::MAX);
        assert_eq!(verdict, Decodability::Ambiguous);
        for budget in [0, 1, DECODE_STEP_COST, 100, needed - 1] {
            let (verdict, work) = sardinas_patterson(&c, budget);
            assert_eq!(verdict, Decodability::Unknown, "{budget}");
            assert!(work <= budget, "{work} > {budget}");
        }
        assert_eq!(
            sardinas_patterson(&c, needed),
            (Decodability::Ambiguous, needed)
        );
    }

    #[test]
    fn codes_larger_than_the_budget_are_not_searched() {
        let long = vec![b'x'; 1000];
        let c: Vec<&[u8]> = vec![b"x", &long];
        // Hashing them into a set would cost more than the budget.
        assert_eq!(sardinas_patterson(&c, 500), (Decodability::Unknown, 0));
    }

    /// `a` and `a…ab` (`n` a's): uniquely decodable, but the proof follows
    /// the leftovers `a^(n-1) b`, `a^(n-2) b`, …, `b`, hashing each.
    fn a_and_long(n: usize) -> Vec<u8> {
        let mut long = vec![b'a'; n];
        long.push(b'b');
        long
    }

    #[test]
    fn every_byte_hashed_counts() {
        // About n^2 = 10^6 bytes hashed, where counting leftovers alone
        // would give about n = 1000.
        let long = a_and_long(1000);
        let c: Vec<&[u8]> = vec![b"a", &long];
        let (verdict, work) = sardinas_patterson(&c, u64::MAX);
        assert_eq!(verdict, Decodability::Unique);
        assert!(work >= 1000 * 999, "{work}");
    }

    #[test]
    fn a_tiny_word_and_a_megabyte_word_stop_at_the_budget() {
        // Followed to the end, the proof would hash about 10^12 bytes: the
        // budget stops it after a few hundred leftovers.
        let long = a_and_long(1 << 20);
        let c: Vec<&[u8]> = vec![b"a", &long];
        let start = std::time::Instant::now();
        let (verdict, work) = sardinas_patterson(&c, DECODE_BUDGET);
        assert_eq!(verdict, Decodability::Unknown);
        assert!(work <= DECODE_BUDGET);
        // A megabyte of a's alone is decided at once: a^(n-1) is a prefix
        // of a^n, leaving the codeword "a".
        let all_a = vec![b'a'; 1 << 20];
        let c: Vec<&[u8]> = vec![b"a", &all_a];
        assert_eq!(
            sardinas_patterson(&c, DECODE_BUDGET).0,
            Decodability::Ambiguous
        );
        assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    }

    /// Brute force over all concatenations of up to `k` codewords.
    fn brute_force_ambiguous(words: &[&str], k: usize) -> bool {
        let mut seen = std::collections::HashMap::new();
        let mut layer: Vec<(String, Vec<usize>)> = vec![(String::new(), vec![])];
        for _ in 0..k {
            let mut next = Vec::new();
            for (s, seq) in &layer {
                for (i, w) in words.iter().enumerate() {
                    let mut seq = seq.clone();
                    seq.push(i);
                    let t = format!("{s}{w}");
                    if let Some(other) = seen.insert(t.clone(), seq.clone())
                        && other != seq
                    {
                        return true;
                    }
                    next.push((t, seq));
                }
            }
            layer = next;
        }
        false
    }

    #[test]
    fn agrees_with_brute_force_on_small_codes() {
        // Every code of up to 3 distinct words over {a, b} of length <= 3.
        let all: Vec<String> = (1..=3)
            .flat_map(|len| {
                (0..1u32 << len).map(move |bits| {
                    (0..len)
                        .map(|i| if bits >> i & 1 == 1 { 'b' } else { 'a' })
                        .collect()
                })
            })
            .collect();
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                for k in j + 1..all.len() {
                    let code = [all[i].as_str(), all[j].as_str(), all[k].as_str()];
                    let verdict = sp(&code);
                    // Ambiguities of codes this small show within 6 words.
                    let brute = brute_force_ambiguous(&code, 6);
                    assert_eq!(verdict == Decodability::Ambiguous, brute, "{code:?}");
                }
            }
        }
    }
}
