//! The agent's data directory: sealed fillers, stored fragments and a small state file.
//!
//! ```text
//! <data-dir>/
//!   state.json                       filler roots, last proved round (see `AgentState`)
//!   fillers/<index>.bin              sealed filler leaves (filler_size bytes each)
//!   fragments/<0xfile>-<fragment>-<replica>.bin   user data as uploaded
//! ```
//!
//! Every file is written to a temporary name, synced and renamed, so a crash leaves either
//! the old or the new content, never a torn file. The chain stays the source of truth for
//! what is registered, committed, confirmed and proved; the state file only saves work
//! (filler roots need not be recomputed on start).

use cess_storage_proof::Hash;
use serde::{Deserialize, Serialize};
use sp_core::H256;
use std::{
	fs,
	io::{self, Write},
	path::{Path, PathBuf},
};

/// What the agent remembers between runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct AgentState {
	/// Roots of the sealed fillers, by index (`0x…`).
	pub filler_roots: Vec<String>,
	/// The last round whose proof was included.
	pub last_proved_round: Option<u32>,
}

impl AgentState {
	/// The filler roots as hashes (entries that fail to parse end the list, so they get
	/// recomputed).
	pub fn roots(&self) -> Vec<Hash> {
		self.filler_roots.iter().map_while(|r| parse_hash(r)).collect()
	}
}

/// Parses `0x` + 64 hex digits.
pub fn parse_hash(text: &str) -> Option<Hash> {
	let bytes = sp_core::bytes::from_hex(text).ok()?;
	Hash::try_from(bytes.as_slice()).ok()
}

/// Renders a 32-byte hash as `0x…`.
pub fn hash_hex(hash: &[u8]) -> String {
	sp_core::bytes::to_hex(hash, false)
}

/// Identifies one stored fragment replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FragmentKey {
	/// The file.
	pub file: H256,
	/// Fragment index within the file.
	pub fragment: u32,
	/// Replica index.
	pub replica: u8,
}

impl std::fmt::Display for FragmentKey {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		write!(f, "{} #{} replica {}", hash_hex(self.file.as_bytes()), self.fragment, self.replica)
	}
}

impl FragmentKey {
	fn file_name(&self) -> String {
		format!("{}-{}-{}.bin", hash_hex(self.file.as_bytes()), self.fragment, self.replica)
	}

	/// Parses a file name written by [`FragmentKey::file_name`].
	fn from_file_name(name: &str) -> Option<Self> {
		let stem = name.strip_suffix(".bin")?;
		let mut parts = stem.rsplitn(3, '-');
		let replica = parts.next()?.parse().ok()?;
		let fragment = parts.next()?.parse().ok()?;
		let file = H256::from(parse_hash(parts.next()?)?);
		Some(Self { file, fragment, replica })
	}
}

/// The data directory.
pub struct DataDir {
	root: PathBuf,
}

impl DataDir {
	/// Opens (and creates) the directory layout under `root`.
	pub fn open(root: &Path) -> io::Result<Self> {
		fs::create_dir_all(root.join("fillers"))?;
		fs::create_dir_all(root.join("fragments"))?;
		Ok(Self { root: root.to_path_buf() })
	}

	/// Loads `state.json`, or the empty state when there is none.
	pub fn load_state(&self) -> io::Result<AgentState> {
		match fs::read(self.root.join("state.json")) {
			Ok(bytes) => serde_json::from_slice(&bytes)
				.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e)),
			Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(AgentState::default()),
			Err(e) => Err(e),
		}
	}

	/// Saves `state.json` atomically.
	pub fn save_state(&self, state: &AgentState) -> io::Result<()> {
		let bytes = serde_json::to_vec_pretty(state)
			.map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
		write_atomic(&self.root.join("state.json"), &bytes)
	}

	fn filler_path(&self, index: u64) -> PathBuf {
		self.root.join("fillers").join(format!("{index}.bin"))
	}

	/// A sealed filler's bytes, if present with the expected size.
	pub fn read_filler(&self, index: u64, size: u64) -> Option<Vec<u8>> {
		let bytes = fs::read(self.filler_path(index)).ok()?;
		(bytes.len() as u64 == size).then_some(bytes)
	}

	/// Whether filler `index` is on disk with the expected size (cheap: no read).
	pub fn has_filler(&self, index: u64, size: u64) -> bool {
		fs::metadata(self.filler_path(index)).is_ok_and(|m| m.len() == size)
	}

	/// Stores a sealed filler.
	pub fn write_filler(&self, index: u64, bytes: &[u8]) -> io::Result<()> {
		write_atomic(&self.filler_path(index), bytes)
	}

	/// Where a fragment replica lives.
	pub fn fragment_path(&self, key: &FragmentKey) -> PathBuf {
		self.root.join("fragments").join(key.file_name())
	}

	/// A stored fragment's bytes, if present.
	pub fn read_fragment(&self, key: &FragmentKey) -> Option<Vec<u8>> {
		fs::read(self.fragment_path(key)).ok()
	}

	/// Stores a fragment replica.
	pub fn write_fragment(&self, key: &FragmentKey, bytes: &[u8]) -> io::Result<()> {
		write_atomic(&self.fragment_path(key), bytes)
	}

	/// Removes a fragment replica (its file was deleted on chain).
	pub fn remove_fragment(&self, key: &FragmentKey) -> io::Result<()> {
		match fs::remove_file(self.fragment_path(key)) {
			Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
			_ => Ok(()),
		}
	}

	/// Every fragment replica stored on disk.
	pub fn stored_fragments(&self) -> io::Result<Vec<FragmentKey>> {
		let mut keys = Vec::new();
		for entry in fs::read_dir(self.root.join("fragments"))? {
			let name = entry?.file_name();
			if let Some(key) = name.to_str().and_then(FragmentKey::from_file_name) {
				keys.push(key);
			}
		}
		keys.sort();
		Ok(keys)
	}
}

/// Writes `bytes` to `path` via a synced temporary file and a rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
	let tmp = path.with_extension("tmp");
	{
		let mut file = fs::File::create(&tmp)?;
		file.write_all(bytes)?;
		file.sync_all()?;
	}
	fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
	use super::*;

	fn temp_dir(name: &str) -> PathBuf {
		let dir = std::env::temp_dir().join(format!("cess-agent-{name}-{}", std::process::id()));
		let _ = fs::remove_dir_all(&dir);
		dir
	}

	#[test]
	fn state_round_trips_and_defaults() {
		let dir = DataDir::open(&temp_dir("state")).unwrap();
		assert_eq!(dir.load_state().unwrap(), AgentState::default());
		let state = AgentState {
			filler_roots: vec![hash_hex(&[7u8; 32]), "garbage".into(), hash_hex(&[8u8; 32])],
			last_proved_round: Some(4),
		};
		dir.save_state(&state).unwrap();
		let loaded = dir.load_state().unwrap();
		assert_eq!(loaded, state);
		// A bad entry ends the usable list: later roots are recomputed, never misattributed.
		assert_eq!(loaded.roots(), vec![[7u8; 32]]);
	}

	#[test]
	fn fragments_are_listed_by_key() {
		let dir = DataDir::open(&temp_dir("fragments")).unwrap();
		let a = FragmentKey { file: H256::repeat_byte(1), fragment: 12, replica: 2 };
		let b = FragmentKey { file: H256::repeat_byte(2), fragment: 0, replica: 0 };
		dir.write_fragment(&b, b"bee").unwrap();
		dir.write_fragment(&a, b"ay").unwrap();
		assert_eq!(dir.stored_fragments().unwrap(), vec![a, b]);
		assert_eq!(dir.read_fragment(&a).unwrap(), b"ay");
		dir.remove_fragment(&a).unwrap();
		dir.remove_fragment(&a).unwrap();
		assert_eq!(dir.stored_fragments().unwrap(), vec![b]);
	}

	#[test]
	fn fillers_need_the_exact_size() {
		let dir = DataDir::open(&temp_dir("fillers")).unwrap();
		dir.write_filler(3, &[1u8; 64]).unwrap();
		assert!(dir.has_filler(3, 64));
		assert!(!dir.has_filler(3, 96));
		assert!(dir.read_filler(3, 96).is_none());
		assert_eq!(dir.read_filler(3, 64).unwrap().len(), 64);
		assert!(!dir.has_filler(4, 64));
	}
}
