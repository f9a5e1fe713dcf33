//! The i-DarkVec corpus of a batch: one sentence of senders per service.

use std::collections::HashMap;

use crate::batch::{Batch, log_fields};
use crate::error::{Error, Result};
use crate::record::Addr;
use crate::service::{N_KEYS, Service, ServiceClass};

/// How (protocol, destination port) pairs are grouped into services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Vocabulary {
    /// The batch's `n` most frequent pairs, each its own service, and every
    /// other pair in one [`Service::Other`] (i-DarkVec's public code; the
    /// paper uses `n = 2500`). Frequency is the number of packets of active
    /// senders, as in that code, which counts after the activity filter;
    /// ties go to the smaller (protocol, port).
    TopServices {
        /// Number of pairs kept as their own service.
        n: usize,
    },
    /// The domain-knowledge map of [`ServiceClass`] (original DarkVec).
    DomainKnowledge,
}

/// Parameters of [`Batch::corpus`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorpusParams {
    vocabulary: Vocabulary,
    min_packets: u64,
    max_sentence_len: Option<usize>,
}

impl Default for CorpusParams {
    /// Top 2,500 services, senders with more than 5 packets, no length cap.
    fn default() -> Self {
        Self {
            vocabulary: Vocabulary::TopServices { n: 2500 },
            min_packets: 5,
            max_sentence_len: None,
        }
    }
}

impl CorpusParams {
    /// The service vocabulary (default top 2,500).
    #[must_use]
    pub fn vocabulary(mut self, v: Vocabulary) -> Self {
        self.vocabulary = v;
        self
    }

    /// Activity threshold: a sender enters the corpus with more than this
    /// many packets in the batch (default 5, as in DarkVec and i-DarkVec).
    #[must_use]
    pub fn min_packets(mut self, n: u64) -> Self {
        self.min_packets = n;
        self
    }

    /// An explicit cap on sentence length: longer sentences are split into
    /// consecutive pieces of at most this many senders (nothing is dropped).
    /// Default: no cap. Note that gensim silently truncates sentences above
    /// 10,000 words; a cap here makes that limit visible.
    #[must_use]
    pub fn max_sentence_len(mut self, cap: Option<usize>) -> Self {
        self.max_sentence_len = cap;
        self
    }

    /// The activity threshold.
    #[must_use]
    pub fn min_packets_value(&self) -> u64 {
        self.min_packets
    }

    /// Checks every rule.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] if the top-N size is 0 or the cap is 0.
    pub fn check(&self) -> Result<()> {
        if let Vocabulary::TopServices { n: 0 } = self.vocabulary {
            return Err(Error::Params {
                name: "vocabulary",
                reason: "top-N size must be at least 1".into(),
            });
        }
        if self.max_sentence_len == Some(0) {
            return Err(Error::Params {
                name: "max_sentence_len",
                reason: "must be at least 1".into(),
            });
        }
        Ok(())
    }
}

/// The senders that targeted one service, in packet-time order, with
/// consecutive repeats collapsed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sentence {
    /// The service.
    pub service: Service,
    /// The senders (words).
    pub senders: Vec<Addr>,
}

/// All sentences of one batch.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct Corpus {
    /// The services that have a sentence, sorted (ports by protocol and
    /// number, then port-less protocols, then classes, then `Other`).
    pub services: Vec<Service>,
    /// One sentence per service in the order of `services` (more when a
    /// length cap splits one).
    pub sentences: Vec<Sentence>,
    /// Senders above the activity threshold.
    pub n_active_senders: usize,
}

impl Corpus {
    /// Total words (sender occurrences) over all sentences.
    #[must_use]
    pub fn n_words(&self) -> usize {
        self.sentences.iter().map(|s| s.senders.len()).sum()
    }
}

impl Batch {
    /// Builds the i-DarkVec corpus of this batch.
    ///
    /// Only active senders (more than `min_packets` packets) appear. For
    /// every service, their packets are taken in time order and the senders
    /// written one after the other, a sender repeated only when another
    /// sender came in between.
    ///
    /// # Errors
    ///
    /// [`Error::Params`] as [`CorpusParams::check`].
    pub fn corpus(&self, params: &CorpusParams) -> Result<Corpus> {
        params.check()?;
        let active: Vec<bool> =
            self.senders().iter().map(|s| s.is_active(params.min_packets)).collect();
        let n_active_senders = active.iter().filter(|&&a| a).count();
        let (slot_services, slot_of_key) = match params.vocabulary {
            Vocabulary::TopServices { n } => self.top_slots(&active, n),
            Vocabulary::DomainKnowledge => class_slots(),
        };

        // One pass over the log in time order fills every sentence.
        let mut words: Vec<Vec<u32>> = vec![Vec::new(); slot_services.len()];
        for &e in &self.log {
            let (sid, key, _) = log_fields(e);
            if !active[sid as usize] {
                continue;
            }
            let w = &mut words[slot_of_key[key as usize] as usize];
            if w.last() != Some(&sid) {
                w.push(sid);
            }
        }

        let mut order: Vec<usize> =
            (0..slot_services.len()).filter(|&i| !words[i].is_empty()).collect();
        order.sort_by_key(|&i| slot_services[i]);
        let cap = params.max_sentence_len.unwrap_or(usize::MAX);
        let mut corpus = Corpus { n_active_senders, ..Corpus::default() };
        for i in order {
            let service = slot_services[i];
            corpus.services.push(service);
            for piece in words[i].chunks(cap) {
                let senders = piece.iter().map(|&s| self.sender_at(s).addr).collect();
                corpus.sentences.push(Sentence { service, senders });
            }
        }
        Ok(corpus)
    }

    /// Top-N slots: the `n` most frequent keys among active senders' packets,
    /// then one slot for everything else.
    fn top_slots(&self, active: &[bool], n: usize) -> (Vec<Service>, Vec<u32>) {
        let mut counts = vec![0u64; N_KEYS];
        for &e in &self.log {
            let (sid, key, reps) = log_fields(e);
            if active[sid as usize] {
                counts[key as usize] += reps;
            }
        }
        let mut keys: Vec<u32> = (0..N_KEYS as u32).filter(|&k| counts[k as usize] > 0).collect();
        keys.sort_by(|&a, &b| counts[b as usize].cmp(&counts[a as usize]).then(a.cmp(&b)));
        keys.truncate(n);
        let other = keys.len() as u32;
        let mut slot_of_key = vec![other; N_KEYS];
        let mut services = Vec::with_capacity(keys.len() + 1);
        for (slot, &k) in keys.iter().enumerate() {
            slot_of_key[k as usize] = slot as u32;
            services.push(Service::from_key(k));
        }
        services.push(Service::Other);
        (services, slot_of_key)
    }
}

/// Domain-knowledge slots: one per class.
fn class_slots() -> (Vec<Service>, Vec<u32>) {
    let mut slot_of_class: HashMap<ServiceClass, u32> = HashMap::new();
    let mut services = Vec::new();
    let mut slot_of_key = vec![0u32; N_KEYS];
    for (k, slot) in slot_of_key.iter_mut().enumerate() {
        let class = match Service::from_key(k as u32) {
            Service::Port { proto, port } => ServiceClass::of(proto, Some(port)),
            Service::Protocol(p) => ServiceClass::of(p, None),
            Service::Class(c) => c,
            Service::Other => ServiceClass::OtherProtocol,
        };
        *slot = *slot_of_class.entry(class).or_insert_with(|| {
            services.push(Service::Class(class));
            (services.len() - 1) as u32
        });
    }
    (services, slot_of_key)
}
