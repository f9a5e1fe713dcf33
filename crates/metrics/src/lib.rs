//! Cluster quality: silhouette (cosine, euclidean, precomputed), purity, ARI, NMI and AMI.
