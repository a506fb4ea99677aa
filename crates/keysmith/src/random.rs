//! `SystemRandom`: Python's `random` API over the secure source.
//!
//! Every integer, index, permutation and weighted choice here is drawn with
//! the exact samplers of [`crate::sample`]; the continuous distributions
//! come from `rand_distr` (or, for von Mises, CPython's own algorithm) driven
//! by the same generator.

use crate::sample::{self, UniformBelow};
use crate::{Error, Result};
use core::convert::Infallible;
use core::fmt;
use num_bigint::BigUint;
use rand_core::{CryptoRng, TryCryptoRng, TryRng};
use rand_distr::{Beta, Binomial, Distribution, Exp, Gamma, LogNormal, Normal, Pareto, Weibull};

/// Python's `random.SystemRandom`: the whole `random` API over a secure
/// source, with every integer and choice exactly unbiased.
///
/// [`SystemRandom::new()`] draws from keysmith's default source
/// ([`crate::rng()`], the operating system). [`SystemRandom::from_rng`]
/// wraps any other [`CryptoRng`], which is what tests use to drive the very
/// same code with a seeded generator.
///
/// It also implements the `rand_core` traits (`Rng`, `CryptoRng`), so
/// `rand` and `rand_distr` can draw from it:
///
/// ```
/// use rand_distr::{Distribution, Normal};
///
/// let x: f64 = Normal::new(0.0, 1.0).unwrap().sample(&mut keysmith::SystemRandom::new());
/// assert!(x.is_finite());
/// ```
///
/// # Differences from Python
///
/// - Bad arguments give an [`Error`] instead of raising; no method panics
///   on any argument, and no method returns NaN.
/// - [`choices_weighted`](Self::choices_weighted) and
///   [`choices_cum_weighted`](Self::choices_cum_weighted) are exact: item
///   `i` is chosen with probability exactly `w_i / sum(w)`, where Python's
///   float arithmetic only approximates that (see [`WeightedIndex`]).
/// - Python's `seed`, `getstate` and `setstate` are deliberately absent: a
///   secure source has no state to set or restore (Python's `SystemRandom`
///   ignores `seed` and raises on the other two). For reproducible draws in
///   tests, wrap a seeded generator with [`from_rng`](Self::from_rng).
/// - Python's optional arguments are separate methods or [`Option`]s:
///   `choices(weights=…)` is [`choices_weighted`](Self::choices_weighted),
///   `sample(counts=…)` is [`sample_counts`](Self::sample_counts),
///   `getrandbits(k)` for `k > 128` is
///   [`getrandbits_big`](Self::getrandbits_big).
#[derive(Clone, Copy)]
pub struct SystemRandom<R = crate::rng::SecureRng> {
    rng: R,
}

impl SystemRandom {
    /// A handle to keysmith's default secure source. Python:
    /// `random.SystemRandom()` (or `secrets.SystemRandom()`).
    ///
    /// The handle is zero-sized and holds no state: every handle draws from
    /// the same source.
    pub fn new() -> Self {
        SystemRandom { rng: crate::rng() }
    }
}

impl Default for SystemRandom {
    fn default() -> Self {
        SystemRandom::new()
    }
}

// Never prints the generator: a seeded generator's state is its secret.
impl<R> fmt::Debug for SystemRandom<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SystemRandom").finish_non_exhaustive()
    }
}

impl<R: CryptoRng> SystemRandom<R> {
    /// The `random` API over `rng` instead of the default source.
    ///
    /// Meant for tests and other deterministic uses with a seeded
    /// cryptographic generator (for example `chacha20::ChaCha20Rng`): the
    /// same seed gives the same draws. For secrets, use
    /// [`SystemRandom::new()`].
    pub fn from_rng(rng: R) -> Self {
        SystemRandom { rng }
    }

    /// A float drawn uniformly from the 2^53 multiples of 2^-53 in
    /// `[0, 1)`: 53 random bits divided by 2^53. Python: `random()`.
    pub fn random(&mut self) -> f64 {
        // Raw bits, not a reduction: the top 53 bits of a uniform word are
        // uniform, and dividing by a power of two is exact.
        const SCALE: f64 = 1.0 / (1u64 << 53) as f64;
        (self.rng.next_u64() >> 11) as f64 * SCALE
    }

    /// `a + (b - a) * random()`: a float between `a` and `b` (either may be
    /// the larger). Python: `uniform(a, b)`.
    ///
    /// As in Python, `b` itself may or may not be returned, depending on
    /// rounding. The result is always finite.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `a` or `b` is not finite, or when
    /// `b - a` overflows to infinity.
    pub fn uniform(&mut self, a: f64, b: f64) -> Result<f64> {
        finite("a", a)?;
        finite("b", b)?;
        let width = b - a;
        if !width.is_finite() {
            return Err(invalid(
                "b - a",
                "must be finite (the bounds are too far apart)",
            ));
        }
        Ok(a + width * self.random())
    }

    /// An integer drawn uniformly from `a..=b`, each value with probability
    /// exactly `1 / (b - a + 1)`. Python: `randint(a, b)`.
    ///
    /// Works for every primitive integer type ([`RandomInt`]), including
    /// the full range of the type (`randint(i64::MIN, i64::MAX)`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRange`] when `a > b`.
    pub fn randint<T: RandomInt>(&mut self, a: T, b: T) -> Result<T> {
        T::randint_with(&mut self.rng, a, b)
    }

    /// An integer drawn uniformly from `start, start + step, …` up to but
    /// excluding `stop`, each value with probability exactly `1 / count`.
    /// Python: `randrange(start, stop, step)`.
    ///
    /// `step` may be negative (for signed types), in which case the values
    /// count down towards `stop`. Nothing overflows, even for ranges that
    /// span the whole type.
    ///
    /// # Errors
    ///
    /// [`Error::ZeroStep`] when `step` is zero; [`Error::EmptyRange`] when
    /// there is no such value (`start >= stop` with a positive step,
    /// `start <= stop` with a negative one).
    pub fn randrange<T: RandomInt>(&mut self, start: T, stop: T, step: T) -> Result<T> {
        T::randrange_with(&mut self.rng, start, stop, step)
    }

    /// A uniformly chosen element of `seq`. Python: `choice(seq)`.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySequence`] when `seq` is empty.
    pub fn choice<'a, T>(&mut self, seq: &'a [T]) -> Result<&'a T> {
        sample::choice(&mut self.rng, seq)
    }

    /// `k` elements of `population` chosen uniformly and independently
    /// (with replacement). Python: `choices(population, k=k)`.
    ///
    /// Unlike Python's `floor(random() * n)`, each index is drawn exactly
    /// uniformly.
    ///
    /// # Errors
    ///
    /// [`Error::EmptySequence`] when `population` is empty and `k > 0`.
    pub fn choices<'a, T>(&mut self, population: &'a [T], k: usize) -> Result<Vec<&'a T>> {
        if k == 0 {
            return Ok(Vec::new());
        }
        if population.is_empty() {
            return Err(Error::EmptySequence);
        }
        Ok((0..k)
            .map(|_| &population[sample::index(&mut self.rng, population.len())])
            .collect())
    }

    /// `k` elements of `population` chosen independently (with replacement),
    /// element `i` with probability exactly `weights[i] / sum(weights)`.
    /// Python: `choices(population, weights, k=k)`, made exact.
    ///
    /// `weights` may be any unsigned integer type, `f64` or `f32`; see
    /// [`WeightedIndex::new`]. To draw repeatedly with the same weights,
    /// build the [`WeightedIndex`] once and use
    /// [`choices_indexed`](Self::choices_indexed).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `weights` and `population` differ in
    /// length, a weight is negative, NaN or infinite, or all weights are
    /// zero; [`Error::EmptySequence`] when `population` is empty and
    /// `k > 0`.
    pub fn choices_weighted<'a, T, W: Weight>(
        &mut self,
        population: &'a [T],
        weights: &[W],
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("weights", weights.len(), population.len())?;
        if population.is_empty() {
            return empty_population(k);
        }
        let index = WeightedIndex::new(weights)?;
        self.choices_indexed(population, &index, k)
    }

    /// Like [`choices_weighted`](Self::choices_weighted) with cumulative
    /// weights: element `i` has weight `cum_weights[i] - cum_weights[i - 1]`.
    /// Python: `choices(population, cum_weights=cum_weights, k=k)`, made
    /// exact.
    ///
    /// # Errors
    ///
    /// As [`choices_weighted`](Self::choices_weighted), and
    /// [`Error::InvalidParameter`] when `cum_weights` decreases anywhere.
    pub fn choices_cum_weighted<'a, T, W: Weight>(
        &mut self,
        population: &'a [T],
        cum_weights: &[W],
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("cum_weights", cum_weights.len(), population.len())?;
        if population.is_empty() {
            return empty_population(k);
        }
        let index = WeightedIndex::from_cumulative(cum_weights)?;
        self.choices_indexed(population, &index, k)
    }

    /// `k` elements of `population` chosen independently with the exact
    /// probabilities of a prepared [`WeightedIndex`].
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `index` was built from a different
    /// number of weights than `population` has elements.
    pub fn choices_indexed<'a, T>(
        &mut self,
        population: &'a [T],
        index: &WeightedIndex,
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("weights", index.len(), population.len())?;
        Ok((0..k)
            .map(|_| &population[index.sample(&mut self.rng)])
            .collect())
    }

    /// Puts `seq` in a uniformly random order: each of the `n!` orders is
    /// equally likely (Fisher–Yates with exact indices). Python:
    /// `shuffle(x)`.
    pub fn shuffle<T>(&mut self, seq: &mut [T]) {
        sample::shuffle(&mut self.rng, seq);
    }

    /// `k` distinct elements of `population` (distinct by position) in
    /// selection order; every ordered selection is equally likely. Python:
    /// `sample(population, k)`.
    ///
    /// # Errors
    ///
    /// [`Error::SampleLargerThanPopulation`] when `k > population.len()`.
    pub fn sample<'a, T>(&mut self, population: &'a [T], k: usize) -> Result<Vec<&'a T>> {
        sample::sample(&mut self.rng, population, k)
    }

    /// A sample of `k` from `population` with element `i` repeated
    /// `counts[i]` times, without building the repeated population. Python:
    /// `sample(population, k, counts=counts)`.
    ///
    /// `k` distinct positions are drawn exactly uniformly from the
    /// `sum(counts)` positions of the repeated population (every ordered
    /// selection equally likely), and each is mapped back to its element.
    /// Unlike Python, all-zero counts with `k = 0` give an empty sample
    /// rather than an error.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `counts` and `population` differ in
    /// length or the counts add up to more than `usize::MAX`;
    /// [`Error::SampleLargerThanPopulation`] when `k > sum(counts)`.
    pub fn sample_counts<'a, T>(
        &mut self,
        population: &'a [T],
        counts: &[usize],
        k: usize,
    ) -> Result<Vec<&'a T>> {
        same_length("counts", counts.len(), population.len())?;
        let mut cumulative = Vec::with_capacity(counts.len());
        let mut total = 0usize;
        for &c in counts {
            total = total
                .checked_add(c)
                .ok_or_else(|| invalid("counts", "must add up to at most usize::MAX"))?;
            cumulative.push(total);
        }
        let positions = sample::sample_indices(&mut self.rng, total, k)?;
        // Position p belongs to the first element whose cumulative count
        // exceeds p; elements with a zero count are never reached.
        Ok(positions
            .into_iter()
            .map(|p| &population[cumulative.partition_point(|&c| c <= p)])
            .collect())
    }

    /// An integer of `k` random bits, `0 <= x < 2^k`. Python:
    /// `getrandbits(k)`. `k = 0` gives 0.
    ///
    /// # Errors
    ///
    /// [`Error::TooManyBits`] when `k > 128`; use
    /// [`getrandbits_big`](Self::getrandbits_big) for those.
    pub fn getrandbits(&mut self, k: u32) -> Result<u128> {
        sample::bits(&mut self.rng, k)
    }

    /// An arbitrary-precision integer of `k` random bits, `0 <= x < 2^k`.
    /// Python: `getrandbits(k)` for any `k`.
    pub fn getrandbits_big(&mut self, k: u64) -> BigUint {
        sample::bits_big(&mut self.rng, k)
    }

    /// `n` random bytes. Python: `randbytes(n)`.
    pub fn randbytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = vec![0u8; n];
        self.rng.fill_bytes(&mut out);
        out
    }

    /// A float from the triangular distribution between `low` and `high`
    /// (either may be the larger) with its peak at `mode`, by Python's
    /// inverse-CDF algorithm. `None` puts the mode at the midpoint. Python:
    /// `triangular(low, high, mode)`.
    ///
    /// `low == high` returns `low`. The result is always finite.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a bound or the mode is not finite,
    /// `high - low` overflows, or the mode lies outside the bounds (Python
    /// accepts that and returns values outside the bounds).
    pub fn triangular(&mut self, low: f64, high: f64, mode: Option<f64>) -> Result<f64> {
        finite("low", low)?;
        finite("high", high)?;
        let width = high - low;
        if !width.is_finite() {
            return Err(invalid(
                "high - low",
                "must be finite (the bounds are too far apart)",
            ));
        }
        if mode.is_some_and(|m| !(m.is_finite() && m >= low.min(high) && m <= low.max(high))) {
            return Err(invalid(
                "mode",
                "must be finite and lie between low and high",
            ));
        }
        if width == 0.0 {
            return Ok(low);
        }
        let (mut low, mut high) = (low, high);
        let mut u = self.random();
        let mut c = mode.map_or(0.5, |m| (m - low) / width);
        if u > c {
            u = 1.0 - u;
            c = 1.0 - c;
            (low, high) = (high, low);
        }
        Ok(low + (high - low) * (u * c).sqrt())
    }

    /// A float from the normal distribution with mean `mu` and standard
    /// deviation `sigma`. Python: `gauss(mu, sigma)`.
    ///
    /// Python's `gauss` caches a second value between calls and is not
    /// thread-safe; here it is the same as
    /// [`normalvariate`](Self::normalvariate).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `mu` is not finite or `sigma` is
    /// negative or not finite.
    pub fn gauss(&mut self, mu: f64, sigma: f64) -> Result<f64> {
        self.normalvariate(mu, sigma)
    }

    /// A float from the normal distribution with mean `mu` and standard
    /// deviation `sigma` (`rand_distr::Normal`, ziggurat method). Python:
    /// `normalvariate(mu, sigma)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `mu` is not finite or `sigma` is
    /// negative or not finite.
    pub fn normalvariate(&mut self, mu: f64, sigma: f64) -> Result<f64> {
        finite("mu", mu)?;
        non_negative("sigma", sigma)?;
        let normal = Normal::new(mu, sigma).map_err(|_| invalid("sigma", NON_NEGATIVE))?;
        Ok(normal.sample(&mut self.rng))
    }

    /// A float whose natural logarithm is normal with mean `mu` and standard
    /// deviation `sigma` (`rand_distr::LogNormal`). Python:
    /// `lognormvariate(mu, sigma)`.
    ///
    /// The result is positive, or infinite when `mu` and `sigma` are so
    /// large that `exp` overflows.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `mu` is not finite or `sigma` is
    /// negative or not finite.
    pub fn lognormvariate(&mut self, mu: f64, sigma: f64) -> Result<f64> {
        finite("mu", mu)?;
        non_negative("sigma", sigma)?;
        let lognormal = LogNormal::new(mu, sigma).map_err(|_| invalid("sigma", NON_NEGATIVE))?;
        Ok(lognormal.sample(&mut self.rng))
    }

    /// A float from the exponential distribution with rate `lambd` (mean
    /// `1 / lambd`; `rand_distr::Exp`). Python: `expovariate(lambd)`.
    ///
    /// As in Python, a negative `lambd` gives the mirrored distribution: the
    /// values are then `<= 0` with mean `1 / lambd`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `lambd` is zero or not finite.
    pub fn expovariate(&mut self, lambd: f64) -> Result<f64> {
        if !(lambd.is_finite() && lambd != 0.0) {
            return Err(invalid("lambd", "must be non-zero and finite"));
        }
        let exp =
            Exp::new(lambd.abs()).map_err(|_| invalid("lambd", "must be non-zero and finite"))?;
        let x = exp.sample(&mut self.rng);
        Ok(if lambd < 0.0 { -x } else { x })
    }

    /// An angle in `[0, 2π)` from the von Mises distribution with mean
    /// direction `mu` and concentration `kappa`, by the Best–Fisher
    /// algorithm exactly as CPython runs it. Python:
    /// `vonmisesvariate(mu, kappa)`.
    ///
    /// `kappa <= 1e-6` gives an angle uniform on `[0, 2π)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `mu` is not finite or `kappa` is
    /// negative or not finite.
    pub fn vonmisesvariate(&mut self, mu: f64, kappa: f64) -> Result<f64> {
        use core::f64::consts::{PI, TAU};

        finite("mu", mu)?;
        non_negative("kappa", kappa)?;
        if kappa <= 1e-6 {
            return Ok(TAU * self.random());
        }
        let s = 0.5 / kappa;
        let r = s + (1.0 + s * s).sqrt();
        let z = loop {
            let z = (PI * self.random()).cos();
            let d = z / (r + z);
            let u2 = self.random();
            if u2 < 1.0 - d * d || u2 <= (1.0 - d) * d.exp() {
                break z;
            }
        };
        let q = 1.0 / r;
        // Rounding can push f a hair outside [-1, 1], where acos is NaN.
        let f = ((q + z) / (1.0 + q * z)).clamp(-1.0, 1.0);
        let theta = if self.random() > 0.5 {
            mu + f.acos()
        } else {
            mu - f.acos()
        };
        // Python's float `%`; rem_euclid can round up to exactly 2π.
        let theta = theta.rem_euclid(TAU);
        Ok(if theta < TAU { theta } else { 0.0 })
    }

    /// A float from the gamma distribution with shape `alpha` and scale
    /// `beta` (mean `alpha * beta`; `rand_distr::Gamma`). Python:
    /// `gammavariate(alpha, beta)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `alpha` or `beta` is not positive
    /// and finite.
    pub fn gammavariate(&mut self, alpha: f64, beta: f64) -> Result<f64> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        let gamma = Gamma::new(alpha, beta).map_err(|_| invalid("alpha", POSITIVE))?;
        Ok(gamma.sample(&mut self.rng))
    }

    /// A float in `[0, 1]` from the beta distribution with shapes `alpha`
    /// and `beta` (mean `alpha / (alpha + beta)`; `rand_distr::Beta`).
    /// Python: `betavariate(alpha, beta)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `alpha` or `beta` is not positive
    /// and finite.
    pub fn betavariate(&mut self, alpha: f64, beta: f64) -> Result<f64> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        let dist = Beta::new(alpha, beta).map_err(|_| invalid("alpha", POSITIVE))?;
        Ok(dist.sample(&mut self.rng))
    }

    /// A float `>= 1` from the Pareto distribution with scale 1 and shape
    /// `alpha` (`rand_distr::Pareto`). Python: `paretovariate(alpha)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `alpha` is not positive and finite.
    pub fn paretovariate(&mut self, alpha: f64) -> Result<f64> {
        positive("alpha", alpha)?;
        let pareto = Pareto::new(1.0, alpha).map_err(|_| invalid("alpha", POSITIVE))?;
        Ok(pareto.sample(&mut self.rng))
    }

    /// A non-negative float from the Weibull distribution with scale `alpha`
    /// and shape `beta` (`rand_distr::Weibull::new(alpha, beta)`). Python:
    /// `weibullvariate(alpha, beta)`, with Python's order of parameters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `alpha` or `beta` is not positive
    /// and finite.
    pub fn weibullvariate(&mut self, alpha: f64, beta: f64) -> Result<f64> {
        positive("alpha", alpha)?;
        positive("beta", beta)?;
        let weibull = Weibull::new(alpha, beta).map_err(|_| invalid("alpha", POSITIVE))?;
        Ok(weibull.sample(&mut self.rng))
    }

    /// The number of successes in `n` independent trials that each succeed
    /// with probability `p` (`rand_distr::Binomial`). Python:
    /// `binomialvariate(n, p)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when `p` is not in `[0, 1]`.
    pub fn binomialvariate(&mut self, n: u64, p: f64) -> Result<u64> {
        if !(0.0..=1.0).contains(&p) {
            return Err(invalid("p", "must be between 0 and 1"));
        }
        let binomial = Binomial::new(n, p).map_err(|_| invalid("p", "must be between 0 and 1"))?;
        Ok(binomial.sample(&mut self.rng))
    }
}

impl<R: CryptoRng> TryRng for SystemRandom<R> {
    type Error = Infallible;

    #[inline]
    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.rng.next_u32())
    }

    #[inline]
    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.rng.next_u64())
    }

    #[inline]
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.rng.fill_bytes(dst);
        Ok(())
    }
}

impl<R: CryptoRng> TryCryptoRng for SystemRandom<R> {}

// ---- parameter checks --------------------------------------------------

const NON_NEGATIVE: &str = "must be non-negative and finite";
const POSITIVE: &str = "must be positive and finite";

fn invalid(name: &'static str, reason: &'static str) -> Error {
    Error::InvalidParameter { name, reason }
}

fn finite(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() {
        Ok(())
    } else {
        Err(invalid(name, "must be finite"))
    }
}

fn non_negative(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() && x >= 0.0 {
        Ok(())
    } else {
        Err(invalid(name, NON_NEGATIVE))
    }
}

fn positive(name: &'static str, x: f64) -> Result<()> {
    if x.is_finite() && x > 0.0 {
        Ok(())
    } else {
        Err(invalid(name, POSITIVE))
    }
}

fn same_length(name: &'static str, len: usize, population: usize) -> Result<()> {
    if len == population {
        Ok(())
    } else {
        Err(invalid(name, "must have the same length as the population"))
    }
}

/// What a `choices` call on an empty population gives: nothing to choose
/// is fine, anything more is not.
fn empty_population<T>(k: usize) -> Result<Vec<T>> {
    if k == 0 {
        Ok(Vec::new())
    } else {
        Err(Error::EmptySequence)
    }
}

// ---- integers ----------------------------------------------------------

mod sealed {
    pub trait Sealed {}
}

/// A primitive integer type that [`SystemRandom::randint`] and
/// [`SystemRandom::randrange`] can draw: `i8`…`i128`, `isize`, `u8`…`u128`
/// and `usize`.
///
/// Each is drawn through the unsigned type of the same width with wrapping
/// arithmetic, so ranges that span the whole type work and nothing
/// overflows. The trait is sealed: it cannot be implemented outside
/// keysmith.
pub trait RandomInt: Copy + PartialOrd + sealed::Sealed {
    /// `randint(a, b)` over `rng`.
    #[doc(hidden)]
    fn randint_with<R: CryptoRng + ?Sized>(rng: &mut R, a: Self, b: Self) -> Result<Self>;

    /// `randrange(start, stop, step)` over `rng`.
    #[doc(hidden)]
    fn randrange_with<R: CryptoRng + ?Sized>(
        rng: &mut R,
        start: Self,
        stop: Self,
        step: Self,
    ) -> Result<Self>;
}

macro_rules! random_int {
    ($($t:ty => $u:ty, $negative:expr);* $(;)?) => {$(
        impl sealed::Sealed for $t {}

        impl RandomInt for $t {
            fn randint_with<R: CryptoRng + ?Sized>(rng: &mut R, a: Self, b: Self) -> Result<Self> {
                if a > b {
                    return Err(Error::InvalidRange);
                }
                // b - a as an unsigned number of the same width never
                // overflows; the count b - a + 1 overflows only for the
                // whole type, where every bit pattern is a value.
                let width = (b as $u).wrapping_sub(a as $u);
                let offset = match width.checked_add(1) {
                    Some(count) => <$u>::sample_below(rng, &count),
                    None => sample::bits(rng, <$u>::BITS)? as $u,
                };
                Ok((a as $u).wrapping_add(offset) as $t)
            }

            fn randrange_with<R: CryptoRng + ?Sized>(
                rng: &mut R,
                start: Self,
                stop: Self,
                step: Self,
            ) -> Result<Self> {
                if step == 0 {
                    return Err(Error::ZeroStep);
                }
                let is_negative: fn($t) -> bool = $negative;
                let down = is_negative(step);
                if (!down && start >= stop) || (down && start <= stop) {
                    return Err(Error::EmptyRange);
                }
                // Distance and |step| as unsigned numbers of the same width:
                // both fit, and count = (distance - 1) / |step| + 1 <= distance.
                let (distance, magnitude) = if down {
                    ((start as $u).wrapping_sub(stop as $u), (step as $u).wrapping_neg())
                } else {
                    ((stop as $u).wrapping_sub(start as $u), step as $u)
                };
                let count = (distance - 1) / magnitude + 1;
                let offset = <$u>::sample_below(rng, &count) * magnitude;
                Ok(if down {
                    (start as $u).wrapping_sub(offset)
                } else {
                    (start as $u).wrapping_add(offset)
                } as $t)
            }
        }
    )*};
}

random_int! {
    u8 => u8, |_| false;
    u16 => u16, |_| false;
    u32 => u32, |_| false;
    u64 => u64, |_| false;
    u128 => u128, |_| false;
    usize => usize, |_| false;
    i8 => u8, |x| x < 0;
    i16 => u16, |x| x < 0;
    i32 => u32, |x| x < 0;
    i64 => u64, |x| x < 0;
    i128 => u128, |x| x < 0;
    isize => usize, |x| x < 0;
}

// ---- weighted choice ---------------------------------------------------

/// A weight for [`WeightedIndex`] and [`SystemRandom::choices_weighted`]:
/// `u8`, `u16`, `u32`, `u64`, `u128`, `usize`, `f64` or `f32`.
///
/// Every weight is converted to an exact integer multiple of a power of
/// two, so no weight is ever rounded. The trait is sealed: it cannot be
/// implemented outside keysmith.
pub trait Weight: Copy + sealed::Sealed {
    /// `Some((m, e))` with `self == m · 2^e` exactly, or `None` when `self`
    /// is negative, NaN or infinite.
    #[doc(hidden)]
    fn dyadic(self) -> Option<(u128, i32)>;
}

macro_rules! integer_weight {
    ($($t:ty),*) => {$(
        impl Weight for $t {
            #[inline]
            fn dyadic(self) -> Option<(u128, i32)> {
                Some((self as u128, 0))
            }
        }
    )*};
}

integer_weight!(u8, u16, u32, u64, u128, usize);

impl sealed::Sealed for f64 {}
impl sealed::Sealed for f32 {}

impl Weight for f64 {
    fn dyadic(self) -> Option<(u128, i32)> {
        // `-0.0 >= 0.0` holds: a negative zero is a zero weight.
        if !(self.is_finite() && self >= 0.0) {
            return None;
        }
        let bits = self.to_bits();
        let biased = ((bits >> 52) & 0x7ff) as i32;
        let fraction = bits & ((1 << 52) - 1);
        let (m, e) = if biased == 0 {
            (fraction, -1074) // subnormal (or zero)
        } else {
            (fraction | (1 << 52), biased - 1075)
        };
        if m == 0 {
            return Some((0, 0));
        }
        // Smaller integers later: 0.5 is 1·2^-1, not 2^52·2^-53.
        let tz = m.trailing_zeros();
        Some((u128::from(m >> tz), e + tz as i32))
    }
}

impl Weight for f32 {
    #[inline]
    fn dyadic(self) -> Option<(u128, i32)> {
        // Every f32 is exactly an f64.
        f64::from(self).dyadic()
    }
}

/// Exact weighted choice of an index: index `i` is drawn with probability
/// exactly `w_i / sum(w)`.
///
/// Python's `choices(weights=…)` computes `bisect(cum_weights,
/// random() * total)` in floating point, so the weights it actually uses are
/// rounded: with weights `[1.0, 2^-60]` its cumulative weights are
/// `[1.0, 1.0]` and the second item can never be chosen. Here every finite
/// non-negative weight, integer or float, is written exactly as `m · 2^e`;
/// all weights are scaled by `2^-e_min` to integers (in a `u128` when the
/// total fits, otherwise in [`BigUint`]), an integer is drawn exactly
/// uniformly below the total with [`crate::sample::below`]'s rejection
/// sampling, and a binary search over the cumulative table finds its item.
///
/// Build it once and draw many times with [`sample`](Self::sample) or
/// [`SystemRandom::choices_indexed`].
///
/// ```
/// use keysmith::SystemRandom;
/// let mut r = SystemRandom::new();
/// let pets = ["cat", "dog", "axolotl"];
/// let picks = r.choices_weighted(&pets, &[5u32, 4, 1], 3)?;
/// assert_eq!(picks.len(), 3);
/// # Ok::<(), keysmith::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeightedIndex {
    /// Cumulative integer weights; the last is the total, which is positive.
    cumulative: Cumulative,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Cumulative {
    Small(Vec<u128>),
    Big(Vec<BigUint>),
}

impl WeightedIndex {
    /// An index over `weights`: index `i` is drawn with probability exactly
    /// `weights[i] / sum(weights)`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidParameter`] when a weight is negative, NaN or
    /// infinite ("weights must be non-negative and finite") or when all
    /// weights are zero or there are none ("total of weights must be
    /// greater than zero").
    pub fn new<W: Weight>(weights: &[W]) -> Result<Self> {
        let parts = exact_parts("weights", weights)?;
        Self::from_parts(&parts, false)
    }

    /// An index over cumulative weights: index `i` has weight
    /// `cum_weights[i] - cum_weights[i - 1]` (and index 0 has weight
    /// `cum_weights[0]`), computed exactly.
    ///
    /// # Errors
    ///
    /// As [`new`](Self::new), and [`Error::InvalidParameter`] when
    /// `cum_weights` decreases anywhere ("cum_weights must be
    /// non-decreasing").
    pub fn from_cumulative<W: Weight>(cum_weights: &[W]) -> Result<Self> {
        let parts = exact_parts("cum_weights", cum_weights)?;
        Self::from_parts(&parts, true)
    }

    /// The number of weights, and so the range `0..len()` of the indices
    /// drawn. Never zero.
    pub fn len(&self) -> usize {
        match &self.cumulative {
            Cumulative::Small(c) => c.len(),
            Cumulative::Big(c) => c.len(),
        }
    }

    /// Always `false`: an index has at least one weight.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// An index in `0..len()`, index `i` with probability exactly
    /// `w_i / sum(w)`; an index whose weight is zero is never drawn.
    pub fn sample<R: CryptoRng + ?Sized>(&self, rng: &mut R) -> usize {
        match &self.cumulative {
            Cumulative::Small(c) => {
                let total = c[c.len() - 1];
                // A 64-bit draw when the total allows it costs half the
                // entropy of a 128-bit one.
                let x = match u64::try_from(total) {
                    Ok(t) => u128::from(u64::sample_below(rng, &t)),
                    Err(_) => u128::sample_below(rng, &total),
                };
                c.partition_point(|&v| v <= x)
            }
            Cumulative::Big(c) => {
                let x = BigUint::sample_below(rng, &c[c.len() - 1]);
                c.partition_point(|v| *v <= x)
            }
        }
    }

    /// The cumulative integer table of the exact values `m_i · 2^e_i`,
    /// scaled by `2^-e_min`.
    fn from_parts(parts: &[(u128, i32)], cumulative: bool) -> Result<Self> {
        let (name, total_name) = if cumulative {
            ("cum_weights", "total of cum_weights")
        } else {
            ("weights", "total of weights")
        };
        let Some(e_min) = parts.iter().filter(|p| p.0 != 0).map(|p| p.1).min() else {
            return Err(invalid(total_name, "must be greater than zero"));
        };
        let table = match small_table(parts, e_min, cumulative) {
            Some(t) => Cumulative::Small(t),
            None => Cumulative::Big(big_table(parts, e_min, cumulative)),
        };
        let increasing = match &table {
            Cumulative::Small(c) => c.windows(2).all(|w| w[0] <= w[1]),
            Cumulative::Big(c) => c.windows(2).all(|w| w[0] <= w[1]),
        };
        if !increasing {
            return Err(invalid(name, "must be non-decreasing"));
        }
        // The total is positive: some part is non-zero, and a cumulative
        // table that is non-decreasing ends at its largest entry.
        Ok(WeightedIndex { cumulative: table })
    }
}

fn exact_parts<W: Weight>(name: &'static str, weights: &[W]) -> Result<Vec<(u128, i32)>> {
    weights
        .iter()
        .map(|w| w.dyadic().ok_or_else(|| invalid(name, NON_NEGATIVE)))
        .collect()
}

/// The table in `u128`, or `None` if some entry does not fit.
fn small_table(parts: &[(u128, i32)], e_min: i32, cumulative: bool) -> Option<Vec<u128>> {
    let mut out = Vec::with_capacity(parts.len());
    let mut running = 0u128;
    for &(m, e) in parts {
        let scaled = if m == 0 {
            0
        } else {
            let shift = (e - e_min) as u32;
            if shift >= 128 || m.leading_zeros() < shift {
                return None;
            }
            m << shift
        };
        running = if cumulative {
            scaled
        } else {
            running.checked_add(scaled)?
        };
        out.push(running);
    }
    Some(out)
}

fn big_table(parts: &[(u128, i32)], e_min: i32, cumulative: bool) -> Vec<BigUint> {
    let mut out = Vec::with_capacity(parts.len());
    let mut running = BigUint::default();
    for &(m, e) in parts {
        let scaled = if m == 0 {
            BigUint::default()
        } else {
            BigUint::from(m) << ((e - e_min) as u32)
        };
        running = if cumulative { scaled } else { running + scaled };
        out.push(running.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chacha20::ChaCha20Rng;
    use rand_core::SeedableRng;

    /// A "generator" whose every byte is `0xff`: Lemire's method then draws
    /// the largest value below any bound of at most 64 bits, so it shows
    /// which item owns the very top of the range. (The mask-and-reject
    /// samplers for wider bounds would reject it forever.)
    struct AllOnes;

    impl TryRng for AllOnes {
        type Error = Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Infallible> {
            Ok(u32::MAX)
        }
        fn try_next_u64(&mut self) -> Result<u64, Infallible> {
            Ok(u64::MAX)
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
            dst.fill(0xff);
            Ok(())
        }
    }

    impl TryCryptoRng for AllOnes {}

    fn small(w: &WeightedIndex) -> &[u128] {
        match &w.cumulative {
            Cumulative::Small(c) => c,
            Cumulative::Big(_) => panic!("expected the u128 table"),
        }
    }

    #[test]
    fn float_weights_become_exact_integers() {
        let w = WeightedIndex::new(&[0.5f64, 0.25, 0.0, 1.0]).unwrap();
        assert_eq!(small(&w), &[2, 3, 3, 7]);
        let w = WeightedIndex::new(&[0.1f32, 0.2]).unwrap();
        // 0.1f32 = 13421773·2^-27, 0.2f32 = 13421773·2^-26.
        assert_eq!(small(&w), &[13421773, 13421773 * 3]);
    }

    #[test]
    fn a_weight_python_rounds_away_is_kept() {
        // In Python the cumulative weights are [1.0, 1.0 + 2^-60] == [1.0, 1.0].
        let tiny = 2f64.powi(-60);
        let w = WeightedIndex::new(&[1.0, tiny]).unwrap();
        assert_eq!(small(&w), &[1 << 60, (1 << 60) + 1]);
        // The top of the range belongs to the tiny item, the rest to the other.
        assert_eq!(w.sample(&mut AllOnes), 1);
        let w = WeightedIndex::new(&[tiny, 1.0]).unwrap();
        assert_eq!(w.sample(&mut AllOnes), 1);
    }

    #[test]
    fn weights_far_apart_use_big_integers() {
        let w = WeightedIndex::new(&[1e300, 1e-300]).unwrap();
        match &w.cumulative {
            Cumulative::Big(c) => {
                // The tiny weight is the unit of the table: nothing rounded.
                let tiny = BigUint::from(1e-300f64.dyadic().unwrap().0);
                assert_eq!(&c[1] - &c[0], tiny);
            }
            Cumulative::Small(_) => panic!("expected the big table"),
        }
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        assert!((0..1000).all(|_| w.sample(&mut rng) == 0));

        // u128 weights whose sum overflows u128 go the same way.
        let w = WeightedIndex::new(&[u128::MAX, u128::MAX]).unwrap();
        assert!(matches!(w.cumulative, Cumulative::Big(_)));
        let ones = (0..1000).filter(|_| w.sample(&mut rng) == 1).count();
        assert!((400..600).contains(&ones), "{ones}");
    }

    #[test]
    fn one_index_many_draws() {
        let w = WeightedIndex::new(&[0u8, 3, 1]).unwrap();
        assert_eq!((w.len(), w.is_empty()), (3, false));
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let mut counts = [0usize; 3];
        for _ in 0..4000 {
            counts[w.sample(&mut rng)] += 1;
        }
        assert_eq!(counts[0], 0);
        assert!((2800..3200).contains(&counts[1]), "{counts:?}");

        let mut r = SystemRandom::from_rng(rng);
        assert_eq!(r.choices_indexed(&["a", "b", "c"], &w, 5).unwrap().len(), 5);
        assert_eq!(
            r.choices_indexed(&["a", "b"], &w, 5)
                .unwrap_err()
                .to_string(),
            "weights must have the same length as the population"
        );
    }

    #[test]
    fn cumulative_weights_match_plain_weights() {
        let a = WeightedIndex::new(&[1u32, 2, 3, 4]).unwrap();
        let b = WeightedIndex::from_cumulative(&[1u32, 3, 6, 10]).unwrap();
        assert_eq!(a, b);
        let a = WeightedIndex::new(&[0.5f64, 0.25]).unwrap();
        let b = WeightedIndex::from_cumulative(&[0.5f64, 0.75]).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn f64_dyadic_is_exact() {
        for x in [
            0.1f64,
            1.0,
            3.0,
            1e-310,
            f64::MAX,
            f64::MIN_POSITIVE,
            0.0,
            -0.0,
        ] {
            let (m, e) = x.dyadic().unwrap();
            // Two steps, so that neither power of two over- or underflows.
            let half = e / 2;
            assert_eq!((m as f64) * 2f64.powi(half) * 2f64.powi(e - half), x, "{x}");
        }
        assert_eq!(5e-324f64.dyadic(), Some((1, -1074)));
        for x in [-1.0f64, -1e-310, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(x.dyadic(), None, "{x}");
        }
    }

    #[test]
    fn randint_top_of_range_is_reachable() {
        // With all-ones bits each sampler returns its largest value.
        assert_eq!(i8::randint_with(&mut AllOnes, -128, 127).unwrap(), 127);
        assert_eq!(i64::randint_with(&mut AllOnes, -5, 5).unwrap(), 5);
        assert_eq!(i32::randrange_with(&mut AllOnes, 10, -10, -3).unwrap(), -8);
        assert_eq!(
            u64::randrange_with(&mut AllOnes, 0, u64::MAX, 1).unwrap(),
            u64::MAX - 1
        );
    }
}
