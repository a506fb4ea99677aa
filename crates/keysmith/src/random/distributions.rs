//! The named distributions of Python's `random`: floats from `rand_distr`
//! (or, for von Mises, CPython's own algorithm) driven by the same
//! generator, every parameter checked first.

use super::{NON_NEGATIVE, SystemRandom, invalid};
#[cfg(doc)]
use crate::Error;
use crate::Result;
use rand_core::CryptoRng;
use rand_distr::{Beta, Binomial, Distribution, Exp, Gamma, LogNormal, Normal, Pareto, Weibull};

impl<R: CryptoRng> SystemRandom<R> {
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

const POSITIVE: &str = "must be positive and finite";

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
