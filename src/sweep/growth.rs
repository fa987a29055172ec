//! What `--assumptions auto` found: each round compared with the one before
//! ([`Round`]: did the top three keep their places, how far did the band edges move), and how
//! the growth ended ([`Grown`]), as the bands, the summary, the report and `--json` tell it. The
//! rounds themselves are run and compared in `sweep/auto.rs`.

use super::design::AUTO_START;

/// How far a band edge may move between rounds, as a share of its metric's span across the study.
pub const EDGE_TOLERANCE: f64 = 0.10;

/// How one round compared with the one before.
#[derive(Clone, Debug, PartialEq)]
pub struct Round {
    /// Sets after the round.
    pub sets: usize,
    /// Whether the top three of every headline metric at every architecture's most contended
    /// point kept their places.
    pub ranking_stable: bool,
    /// The largest move of a band edge, as a share of its metric's span (0 to 1).
    pub edge_move: f64,
}

impl Round {
    /// Whether this round ends the growth.
    pub fn settled(&self) -> bool {
        self.ranking_stable && self.edge_move <= EDGE_TOLERANCE
    }
}

/// How `--assumptions auto` came to its number of sets.
#[derive(Clone, Debug, PartialEq)]
pub struct Grown {
    /// Every round after the first, in order.
    pub rounds: Vec<Round>,
    /// The cap it was allowed.
    pub cap: usize,
}

impl Grown {
    /// The sets it ended with.
    pub fn sets(&self) -> usize {
        self.rounds.last().map_or(AUTO_START, |r| r.sets)
    }

    /// Whether the last round settled (else the cap stopped it).
    pub fn settled(&self) -> bool {
        self.rounds.last().is_some_and(Round::settled)
    }

    /// One line saying how many sets were used and why, e.g. `64 sets: the top three stayed in
    /// place and no band edge moved more than 4.1% (tolerance 10%)`.
    pub fn text(&self) -> String {
        let Some(last) = self.rounds.last() else {
            return format!("{} sets (the cap)", AUTO_START);
        };
        let why = match (last.settled(), last.ranking_stable) {
            (true, _) => "the top three stayed in place and".to_string(),
            (false, true) => format!(
                "stopped at the cap of {}: the top three stayed in place but",
                self.cap
            ),
            (false, false) => format!(
                "stopped at the cap of {}: the top three still changed places and",
                self.cap
            ),
        };
        format!(
            "{} sets: {why} band edges moved by at most {:.1}% of their metric's span (tolerance {:.0}%)",
            last.sets,
            last.edge_move * 100.0,
            EDGE_TOLERANCE * 100.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_settles_only_when_both_hold() {
        let r = |ranking_stable, edge_move| Round {
            sets: 64,
            ranking_stable,
            edge_move,
        };
        assert!(r(true, 0.04).settled());
        assert!(!r(false, 0.0).settled());
        assert!(!r(true, 0.2).settled());
        let grown = Grown {
            rounds: vec![r(false, 0.3), r(true, 0.041)],
            cap: 128,
        };
        assert_eq!((grown.sets(), grown.settled()), (64, true));
        assert_eq!(
            grown.text(),
            "64 sets: the top three stayed in place and band edges moved by at most 4.1% of \
             their metric's span (tolerance 10%)"
        );
        let capped = Grown {
            rounds: vec![r(false, 0.3)],
            cap: 64,
        };
        assert!(capped
            .text()
            .starts_with("64 sets: stopped at the cap of 64"));
    }
}
