use super::*;
use crate::rng::OsRng;

impl Policy {
    /// The same policy drawing by `method` (with the tables it needs).
    fn forced(mut self, method: Method) -> Policy {
        self.tables = match method {
            Method::Rejection => Vec::new(),
            Method::Composition => suffix_tables(&self.parts, self.length),
        };
        self.method = method;
        self
    }
}

#[test]
fn default_policy_is_twenty_characters_of_four_classes() {
    let p = Policy::default();
    assert_eq!(p.length(), 20);
    assert!(p.entropy_bits() >= DEFAULT_BITS);
    assert_eq!(p.alphabet().chars().count(), 94);
    assert_eq!(p.method(), Method::Rejection);
    for class in [Class::Lower, Class::Upper, Class::Digit, Class::Symbol] {
        assert_eq!(p.min(class), 1);
    }
    // Only a character set holds letters without case.
    assert!(p.chars(Class::OtherLetter).is_empty());
    assert_eq!(p.min(Class::OtherLetter), 0);
}

#[test]
fn both_methods_draw_only_allowed_passwords() {
    let policies = [
        Policy::builder().length(6).build().unwrap(),
        Policy::builder()
            .length(10)
            .without(Class::Symbol)
            .min_digits(3)
            .build()
            .unwrap(),
        Policy::builder()
            .charset("abA1!")
            .length(5)
            .min_lower(1)
            .min_upper(1)
            .min_digits(1)
            .min_symbols(2)
            .build()
            .unwrap(),
    ];
    let mut rng = OsRng;
    for p in policies {
        for method in [Method::Rejection, Method::Composition] {
            let p = p.clone().forced(method);
            for _ in 0..200 {
                let pw = p.sample(&mut rng);
                assert!(p.accepts(&pw), "{p:?} drew {pw:?}");
            }
        }
    }
}

#[test]
fn accepts_checks_length_alphabet_and_minimums() {
    let p = Policy::builder()
        .charset("ab1")
        .length(3)
        .min_digits(1)
        .build()
        .unwrap();
    assert!(p.accepts("a1b"));
    assert!(!p.accepts("abb"));
    assert!(!p.accepts("a1"));
    assert!(!p.accepts("a1c"));
    assert!(!p.accepts("a1bb"));
}

#[test]
fn debug_shows_the_policy_not_tables() {
    let s = format!("{:?}", Policy::default());
    assert!(
        s.contains("length: 20") && s.contains("entropy_bits"),
        "{s}"
    );
    assert!(s.len() < 400);
}

#[test]
fn password_buffer_is_reserved_at_its_final_size() {
    // Characters of 1 to 4 bytes: whatever is drawn, the buffer made for
    // the password is never outgrown (a reallocation would free a partial
    // copy unwiped).
    let p = Policy::builder()
        .charset("aé€😀")
        .length(16)
        .build()
        .unwrap();
    assert_eq!(p.max_bytes, 16 * 4);
    let mut rng = OsRng;
    for method in [Method::Rejection, Method::Composition] {
        let p = p.clone().forced(method);
        for _ in 0..200 {
            let pw = p.sample(&mut rng);
            assert!(p.accepts(&pw));
            // The buffer itself, moved out, not a copy.
            let bytes = pw.into_bytes();
            assert_eq!(bytes.capacity(), 16 * 4, "{method:?}");
        }
    }
}

#[test]
fn a_drawn_password_does_not_show_in_debug() {
    let pw = Policy::builder().length(30).build().unwrap().generate();
    let shown = format!("{pw:?}");
    assert!(!shown.contains(pw.expose()), "{shown}");
    assert_eq!(shown, "SecretString([redacted])");
}
