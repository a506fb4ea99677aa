//! The Sardinas–Patterson test: can a concatenation of codewords be split
//! in more than one way?

use super::Decodability;
use std::collections::HashSet;

/// Runs the Sardinas–Patterson test on `codewords` (byte strings; equal
/// strings count as one), giving up with [`Decodability::Unknown`] after
/// about `budget` steps.
///
/// The test follows "dangling suffixes": what is left over when one
/// codeword is a proper prefix of another, and then of those leftovers
/// against the codewords again. The code is ambiguous exactly when some
/// leftover is itself a codeword. Every leftover is a suffix of a codeword,
/// so the search ends; the budget only bounds the time it takes.
pub(crate) fn sardinas_patterson<'a>(codewords: &[&'a [u8]], budget: u64) -> Decodability {
    if codewords.iter().any(|c| c.is_empty()) {
        return Decodability::Ambiguous;
    }
    let set: HashSet<&'a [u8]> = codewords.iter().copied().collect();
    let mut sorted: Vec<&'a [u8]> = set.iter().copied().collect();
    sorted.sort_unstable();

    let mut search = Search {
        set: &set,
        sorted: &sorted,
        seen: HashSet::new(),
        queue: Vec::new(),
        work: 0,
        budget,
    };
    for &c in &sorted {
        if let Some(verdict) = search.extensions(c) {
            return verdict;
        }
    }
    while let Some(s) = search.queue.pop() {
        // Codewords that are a proper prefix of the leftover...
        for cut in 1..s.len() {
            if search.set.contains(&s[..cut])
                && let Some(verdict) = search.dangle(&s[cut..])
            {
                return verdict;
            }
        }
        // ... and codewords that the leftover is a proper prefix of.
        if let Some(verdict) = search.extensions(s) {
            return verdict;
        }
    }
    Decodability::Unique
}

struct Search<'s, 'a> {
    set: &'s HashSet<&'a [u8]>,
    sorted: &'s [&'a [u8]],
    seen: HashSet<&'a [u8]>,
    queue: Vec<&'a [u8]>,
    work: u64,
    budget: u64,
}

impl<'a> Search<'_, 'a> {
    /// Records the leftover `d`; a verdict when the search can stop.
    fn dangle(&mut self, d: &'a [u8]) -> Option<Decodability> {
        self.work += 1;
        if self.work > self.budget {
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
        let start = self.sorted.partition_point(|w| *w < p);
        for &w in &self.sorted[start..] {
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
    use super::*;

    fn sp(words: &[&str]) -> Decodability {
        let c: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        sardinas_patterson(&c, 1_000_000)
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
        assert_eq!(sardinas_patterson(&c, 0), Decodability::Unknown);
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
