//! Layer checkpoints on disk, so an interrupted seal resumes at its last finished layer.
//!
//! One file per sector, `<dir>/<hex replica_id>.ckpt`, replaced atomically (write to
//! `.tmp`, then rename) after each layer: magic, params id, `log2_nodes`, replica id, the
//! finished layer, a flag for the accumulator, then that layer's labels and (if present)
//! the column accumulator. A file that is short, for other parameters or another replica
//! is ignored (the seal starts over). Disk use: at most `2 S` per sector being sealed.

use crate::hash::Hash;
use std::fs;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::vec::Vec;

const MAGIC: &[u8; 8] = b"CESSSDR1";

/// The state after a finished layer.
pub(crate) struct Checkpoint {
	/// The finished layer (1-based).
	pub layer: u32,
	/// Its labels.
	pub labels: Vec<Hash>,
	/// Column accumulator after that layer, if the seal keeps one.
	pub acc: Option<Vec<Hash>>,
}

/// Where the checkpoints of one sector live.
pub(crate) struct Checkpointer {
	path: PathBuf,
	params_id: u32,
	log2_nodes: u32,
	replica_id: Hash,
}

fn hex(bytes: &[u8]) -> String {
	bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn write_nodes<W: Write>(w: &mut W, nodes: &[Hash]) -> io::Result<()> {
	for n in nodes {
		w.write_all(n)?;
	}
	Ok(())
}

fn read_nodes<R: Read>(r: &mut R, count: usize) -> io::Result<Vec<Hash>> {
	let mut out = vec![[0u8; 32]; count];
	for n in out.iter_mut() {
		r.read_exact(n)?;
	}
	Ok(out)
}

impl Checkpointer {
	pub(crate) fn new(dir: &Path, params_id: u32, log2_nodes: u32, replica_id: Hash) -> Self {
		Self {
			path: dir.join(format!("{}.ckpt", hex(&replica_id))),
			params_id,
			log2_nodes,
			replica_id,
		}
	}

	fn header(&self, layer: u32, has_acc: bool) -> Vec<u8> {
		let mut h = Vec::with_capacity(53);
		h.extend_from_slice(MAGIC);
		h.extend_from_slice(&self.params_id.to_le_bytes());
		h.extend_from_slice(&self.log2_nodes.to_le_bytes());
		h.extend_from_slice(&self.replica_id);
		h.extend_from_slice(&layer.to_le_bytes());
		h.push(u8::from(has_acc));
		h
	}

	/// Atomically replaces the sector's checkpoint.
	pub(crate) fn save(&self, layer: u32, labels: &[Hash], acc: Option<&[Hash]>) -> io::Result<()> {
		if let Some(dir) = self.path.parent() {
			fs::create_dir_all(dir)?;
		}
		let tmp = self.path.with_extension("tmp");
		{
			let mut w = BufWriter::with_capacity(1 << 20, fs::File::create(&tmp)?);
			w.write_all(&self.header(layer, acc.is_some()))?;
			write_nodes(&mut w, labels)?;
			if let Some(acc) = acc {
				write_nodes(&mut w, acc)?;
			}
			w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
		}
		fs::rename(&tmp, &self.path)
	}

	/// The saved state, if a valid checkpoint for this sector exists.
	pub(crate) fn load(&self, nodes: usize, want_acc: bool) -> Option<Checkpoint> {
		let mut r = BufReader::with_capacity(1 << 20, fs::File::open(&self.path).ok()?);
		let mut head = [0u8; 53];
		r.read_exact(&mut head).ok()?;
		let layer = u32::from_le_bytes(head.get(48..52)?.try_into().ok()?);
		let has_acc = head.get(52) == Some(&1);
		if head.get(..48) != self.header(layer, has_acc).get(..48) || has_acc != want_acc {
			return None;
		}
		let labels = read_nodes(&mut r, nodes).ok()?;
		let acc = if has_acc { Some(read_nodes(&mut r, nodes).ok()?) } else { None };
		// Trailing bytes mean a foreign or corrupt file.
		if r.read(&mut [0u8; 1]).ok()? != 0 {
			return None;
		}
		Some(Checkpoint { layer, labels, acc })
	}

	/// Removes the checkpoint once the sector is sealed.
	pub(crate) fn clear(&self) {
		let _ = fs::remove_file(&self.path);
	}
}
