//! A telescope traffic simulator with planted groups, scripted fates and truth files.
