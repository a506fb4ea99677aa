//! Exact counts of the strings a policy allows.
//!
//! A policy is reduced to parts: each class with a minimum is its own part,
//! and every class without one is merged into a single free part (a
//! character drawn uniformly from the union is the same as a class drawn by
//! size and then a character of it). `count(parts, n)` is the number of
//! strings of length `n` in which every part appears at least its minimum
//! number of times. Two exact methods are used, whichever is cheaper:
//!
//! - dynamic programming over the parts,
//!   `f_j(n) = sum_{k >= m_j} C(n, k) s_j^k f_{j+1}(n - k)`, costing about
//!   `n^2` big-integer products per part after the first;
//! - inclusion–exclusion over the parts whose minimum is not met, costing
//!   about `prod (1 + m_j)` terms, tiny for the usual minimums of 1 to 3.

use num_bigint::BigUint;
use num_traits::{One, Zero};

/// A set of characters drawn as one class: how many characters it has and
/// how many times it must appear at least.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Part {
    pub(super) size: u64,
    pub(super) min: usize,
}

/// The number of strings of length `n` over `parts` in which every part
/// appears at least its minimum number of times.
pub(super) fn count(parts: &[Part], n: usize) -> BigUint {
    if parts.is_empty() {
        return if n == 0 {
            BigUint::one()
        } else {
            BigUint::zero()
        };
    }
    if inclusion_exclusion_cost(parts) <= dp_cost(parts, n) {
        inclusion_exclusion(parts, n)
    } else {
        let tables = suffix_tables(parts, n);
        row_total(parts, &tables, n)
    }
}

/// `tables[j][i] = count(&parts[j + 1..], i)` for `i` in `0..=n`: what the
/// composition sampler needs to weigh each count of part `j` exactly.
pub(super) fn suffix_tables(parts: &[Part], n: usize) -> Vec<Vec<BigUint>> {
    let c = parts.len();
    if c < 2 {
        return Vec::new();
    }
    let mut tables: Vec<Vec<BigUint>> = Vec::with_capacity(c - 1);
    // The last part alone: s^i strings when i reaches its minimum.
    let last = parts[c - 1];
    let mut power = BigUint::one();
    let mut column = Vec::with_capacity(n + 1);
    for i in 0..=n {
        column.push(if i >= last.min {
            power.clone()
        } else {
            BigUint::zero()
        });
        power *= last.size;
    }
    tables.push(column);
    // Then parts c-2 down to 1, each from the one after it.
    for j in (1..c - 1).rev() {
        let suffix = &parts[j..];
        let min_here: usize = suffix.iter().map(|p| p.min).sum();
        let slack = n.saturating_sub(min_here) as u128 + 1;
        let dp = slack * slack / 2;
        let ie = inclusion_exclusion_cost(suffix).saturating_mul(n as u128 + 1);
        let column: Vec<BigUint> = if ie <= dp {
            (0..=n).map(|i| inclusion_exclusion(suffix, i)).collect()
        } else {
            let next = tables.last().expect("a later table exists");
            (0..=n)
                .map(|i| weighted_row(parts[j], min_here - parts[j].min, next, i))
                .collect()
        };
        tables.push(column);
    }
    tables.reverse();
    tables
}

/// `count(parts, n)` from the tables of [`suffix_tables`].
pub(super) fn row_total(parts: &[Part], tables: &[Vec<BigUint>], n: usize) -> BigUint {
    if parts.len() == 1 {
        return count_one_part(parts[0], n);
    }
    let rest: usize = parts[1..].iter().map(|p| p.min).sum();
    weighted_row(parts[0], rest, &tables[0], n)
}

fn count_one_part(part: Part, n: usize) -> BigUint {
    if n >= part.min {
        BigUint::from(part.size).pow(n as u32)
    } else {
        BigUint::zero()
    }
}

/// `sum_{k = m}^{n - rest} C(n, k) s^k next[n - k]`: the strings of length
/// `n` whose first part appears `k >= m` times, the others filling the rest.
fn weighted_row(part: Part, rest: usize, next: &[BigUint], n: usize) -> BigUint {
    let mut total = BigUint::zero();
    if n < part.min + rest {
        return total;
    }
    let mut weight = binomial_power(n, part.min, part.size);
    for k in part.min..=n - rest {
        total += &weight * &next[n - k];
        weight = step_weight(weight, n, k, part.size);
    }
    total
}

/// `C(n, k) s^k`.
pub(super) fn binomial_power(n: usize, k: usize, s: u64) -> BigUint {
    let mut w = BigUint::one();
    for i in 0..k {
        w = step_weight(w, n, i, s);
    }
    w
}

/// From `w = C(n, k) s^k` to `C(n, k + 1) s^(k + 1)`: the division is exact
/// because `C(n, k) (n - k) = C(n, k + 1) (k + 1)`.
#[inline]
pub(super) fn step_weight(w: BigUint, n: usize, k: usize, s: u64) -> BigUint {
    if k >= n {
        return BigUint::zero();
    }
    w * s * (n - k) as u64 / (k + 1) as u64
}

fn inclusion_exclusion_cost(parts: &[Part]) -> u128 {
    parts
        .iter()
        .fold(1u128, |acc, p| acc.saturating_mul(p.min as u128 + 1))
}

/// What [`suffix_tables`] and the row sum cost, in big-integer products:
/// each table level by the cheaper of its two methods.
fn dp_cost(parts: &[Part], n: usize) -> u128 {
    let c = parts.len();
    let mut cost = n as u128 + 1;
    for j in 1..c.saturating_sub(1) {
        let min_here: usize = parts[j..].iter().map(|p| p.min).sum();
        let slack = n.saturating_sub(min_here) as u128 + 1;
        let ie = inclusion_exclusion_cost(&parts[j..]).saturating_mul(n as u128 + 1);
        cost = cost.saturating_add((slack * slack / 2).min(ie));
    }
    cost
}

/// Inclusion–exclusion: the sum over sets `T` of parts of `(-1)^|T|` times
/// the number of strings in which every part of `T` falls short of its
/// minimum (and the other parts are unconstrained).
fn inclusion_exclusion(parts: &[Part], n: usize) -> BigUint {
    let constrained: Vec<Part> = parts.iter().copied().filter(|p| p.min > 0).collect();
    let all: u64 = parts.iter().map(|p| p.size).sum();
    let mut plus = BigUint::zero();
    let mut minus = BigUint::zero();
    for mask in 0u32..(1 << constrained.len()) {
        let short: Vec<Part> = constrained
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect();
        let others = all - short.iter().map(|p| p.size).sum::<u64>();
        let term = short_strings(&short, others, n);
        if mask.count_ones() % 2 == 0 {
            plus += term;
        } else {
            minus += term;
        }
    }
    plus - minus
}

/// The strings of length `n` in which each part of `short` appears fewer
/// than its minimum number of times, every other position taking one of
/// `others` characters: `sum_k C(n, k) d_k others^(n - k)`, where `d_k`
/// counts the words of length `k` over the short parts alone.
fn short_strings(short: &[Part], others: u64, n: usize) -> BigUint {
    let d = short_words(short, n);
    if others == 0 {
        // Only the short parts: the whole string is one of their words.
        return d.get(n).cloned().unwrap_or_default();
    }
    // x = C(n, k) others^(n - k), stepped up in k with small factors only:
    // C(n, k + 1) others^(n - k - 1) = x (n - k) / ((k + 1) others), exactly.
    let mut total = BigUint::zero();
    let mut x = BigUint::from(others).pow(n as u32);
    for (k, dk) in d.iter().enumerate() {
        if !dk.is_zero() {
            total += dk * &x;
        }
        if k < n {
            x = x * (n - k) as u64 / ((k + 1) as u64 * others);
        }
    }
    total
}

/// `d[k]` for `k` up to `min(n, sum (m_i - 1))`: words of length `k` in
/// which each part appears fewer than its minimum number of times.
fn short_words(short: &[Part], n: usize) -> Vec<BigUint> {
    let mut d = vec![BigUint::one()];
    for p in short {
        let len = (d.len() + p.min - 1).min(n + 1);
        let mut next = vec![BigUint::zero(); len];
        for (k, slot) in next.iter_mut().enumerate() {
            // sum of C(k, a) s^a d[k - a] over a < m with k - a < d.len()
            let first = (k + 1).saturating_sub(d.len());
            let mut w = binomial_power(k, first, p.size);
            for a in first..p.min.min(k + 1) {
                *slot += &w * &d[k - a];
                w = step_weight(w, k, a, p.size);
            }
        }
        d = next;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every string of length `n` over an alphabet split into `parts`,
    /// checked one by one.
    fn brute(parts: &[Part], n: usize) -> u64 {
        let labels: Vec<usize> = parts
            .iter()
            .enumerate()
            .flat_map(|(j, p)| std::iter::repeat_n(j, p.size as usize))
            .collect();
        let a = labels.len() as u64;
        let mut ok = 0;
        for mut x in 0..a.pow(n as u32) {
            let mut counts = vec![0; parts.len()];
            for _ in 0..n {
                counts[labels[(x % a) as usize]] += 1;
                x /= a;
            }
            if counts.iter().zip(parts).all(|(&c, p)| c >= p.min) {
                ok += 1;
            }
        }
        ok
    }

    fn p(size: u64, min: usize) -> Part {
        Part { size, min }
    }

    #[test]
    fn both_methods_match_brute_force() {
        let cases: Vec<Vec<Part>> = vec![
            vec![p(2, 1), p(2, 1), p(1, 1), p(1, 0)],
            vec![p(2, 2), p(1, 1), p(3, 0)],
            vec![p(3, 3)],
            vec![p(1, 1), p(1, 1), p(1, 1), p(2, 1)],
            vec![p(2, 0)],
            vec![p(1, 2), p(2, 2), p(1, 1)],
        ];
        for parts in &cases {
            for n in 0..=6 {
                let want = BigUint::from(brute(parts, n));
                assert_eq!(inclusion_exclusion(parts, n), want, "{parts:?} n={n}");
                let tables = suffix_tables(parts, n);
                assert_eq!(row_total(parts, &tables, n), want, "{parts:?} n={n}");
                assert_eq!(count(parts, n), want);
                for (j, table) in tables.iter().enumerate() {
                    for (i, v) in table.iter().enumerate() {
                        assert_eq!(*v, BigUint::from(brute(&parts[j + 1..], i)));
                    }
                }
            }
        }
    }

    #[test]
    fn methods_agree_on_large_cases() {
        let parts = [p(10, 7), p(26, 3), p(26, 2), p(32, 4)];
        for n in [16, 40, 61] {
            let tables = suffix_tables(&parts, n);
            assert_eq!(
                inclusion_exclusion(&parts, n),
                row_total(&parts, &tables, n)
            );
        }
    }

    #[test]
    fn unconstrained_is_a_power() {
        assert_eq!(count(&[p(94, 0)], 20), BigUint::from(94u32).pow(20));
        assert_eq!(count(&[], 0), BigUint::one());
        assert_eq!(count(&[p(3, 4)], 3), BigUint::zero());
    }
}
