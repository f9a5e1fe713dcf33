//! Scores a darkdca run against a simulator's planted truth.
