//! Interned members, interned partitions and the fast hash map used for them.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hash, Hasher};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::partition::{ClusterId, Group, Partition};

/// A fast multiplicative hasher (the Fx scheme: rotate, xor, multiply per word).
///
/// Used for the tracker's internal `u32` indices, and offered for member ids through
/// [`FastHashBuilder`] and [`crate::Tracker::with_hasher`]: interning is most of the
/// cost of a batch, and with a million members among millions seen this hasher makes
/// it several times faster than std's SipHash (see the crate's benchmark page).
///
/// It is **not** resistant to collision attacks: an adversary who chooses member ids
/// (for example spoofed source addresses) could make lookups slow. Keep std's
/// `RandomState` (the default) when that matters.
#[derive(Debug, Default, Clone, Copy)]
pub struct FastHasher(u64);

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(c);
            self.write_u64(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u16(&mut self, i: u16) {
        self.write_u64(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Builds [`FastHasher`]s: pass it as the tracker's hasher type,
/// `Tracker::<M, FastHashBuilder>::with_hasher(params)`.
pub type FastHashBuilder = BuildHasherDefault<FastHasher>;

pub(crate) type IndexMap<V> = HashMap<u32, V, FastHashBuilder>;

/// Dense `u32` indices for members, in first-seen order. Serialised as the member list;
/// the reverse map is rebuilt when deserialising.
#[derive(Debug, Clone)]
pub(crate) struct Interner<M, S> {
    items: Vec<M>,
    map: HashMap<M, u32, S>,
}

impl<M, S: Default> Default for Interner<M, S> {
    fn default() -> Self {
        Self { items: Vec::new(), map: HashMap::default() }
    }
}

impl<M, S> Interner<M, S> {
    pub(crate) fn len(&self) -> usize {
        self.items.len()
    }
}

impl<M: Clone + Eq + Hash, S: BuildHasher> Interner<M, S> {
    pub(crate) fn get(&self, m: &M) -> Option<u32> {
        self.map.get(m).copied()
    }

    pub(crate) fn push(&mut self, m: M) {
        let idx = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        self.map.insert(m.clone(), idx);
        self.items.push(m);
    }
}

impl<M: Serialize, S> Serialize for Interner<M, S> {
    fn serialize<Z: Serializer>(&self, z: Z) -> Result<Z::Ok, Z::Error> {
        self.items.serialize(z)
    }
}

impl<'de, M, S> Deserialize<'de> for Interner<M, S>
where
    M: Deserialize<'de> + Clone + Eq + Hash,
    S: BuildHasher + Default,
{
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let items = Vec::<M>::deserialize(d)?;
        let map = items.iter().cloned().zip(0u32..).collect();
        Ok(Self { items, map })
    }
}

/// One cluster (or the noise) with interned members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IGroup {
    pub(crate) members: Vec<u32>,
    pub(crate) weights: Option<Vec<f64>>,
    pub(crate) total: f64,
}

impl IGroup {
    pub(crate) fn weight(&self, pos: usize) -> f64 {
        self.weights.as_ref().map_or(1.0, |w| w[pos])
    }
}

/// A partition with interned members; clusters in increasing id order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct IPartition {
    pub(crate) ids: Vec<ClusterId>,
    pub(crate) clusters: Vec<IGroup>,
    pub(crate) noise: IGroup,
}

/// Interns a partition without changing the interner: unknown members get provisional
/// indices after the known ones, in order, and are returned to be pushed on commit.
pub(crate) fn intern<M: Clone + Eq + Hash, S: BuildHasher>(
    interner: &Interner<M, S>,
    p: &Partition<M>,
) -> (IPartition, Vec<M>) {
    let mut new_members = Vec::new();
    let base = interner.len();
    let mut group = |g: &Group<M>| {
        let members = g
            .members()
            .iter()
            .map(|m| {
                // A partition holds each member once, so an unknown member is new here.
                interner.get(m).unwrap_or_else(|| {
                    new_members.push(m.clone());
                    u32::try_from(base + new_members.len() - 1).unwrap_or(u32::MAX)
                })
            })
            .collect();
        IGroup { members, weights: g.weights().map(<[f64]>::to_vec), total: g.total_weight() }
    };
    let ids = p.clusters().map(|(id, _)| id).collect();
    let clusters = p.clusters().map(|(_, g)| group(g)).collect();
    let noise = group(p.noise());
    (IPartition { ids, clusters, noise }, new_members)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash_bytes(b: &[u8]) -> u64 {
        let mut h = FastHasher::default();
        h.write(b);
        h.finish()
    }

    #[test]
    fn fast_hasher_reads_every_byte() {
        // Nine bytes: one full word and a one-byte tail; changing either changes the hash.
        let base = hash_bytes(&[1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_ne!(base, hash_bytes(&[1, 2, 3, 4, 5, 6, 7, 8, 10]));
        assert_ne!(base, hash_bytes(&[0, 2, 3, 4, 5, 6, 7, 8, 9]));
        assert_eq!(base, hash_bytes(&[1, 2, 3, 4, 5, 6, 7, 8, 9]));
    }

    #[test]
    fn intern_assigns_provisional_indices_in_order() -> crate::Result<()> {
        let mut interner: Interner<&str, FastHashBuilder> = Interner::default();
        interner.push("a");
        let p = Partition::from_labels([("b", Some(0u32)), ("a", Some(0)), ("c", None)])?;
        let (ip, fresh) = intern(&interner, &p);
        assert_eq!(ip.clusters[0].members, vec![1, 0]);
        assert_eq!(ip.noise.members, vec![2]);
        assert_eq!(fresh, vec!["b", "c"]);
        assert_eq!(ip.clusters[0].total, 2.0);
        Ok(())
    }
}
