//! A minimal blocking JSON-RPC 2.0 client over HTTP/1.1.
//!
//! The node serves HTTP and WebSocket JSON-RPC on the same port. The agent only needs
//! request/response calls, so it speaks plain HTTP with one short-lived connection per call:
//! nothing to reconnect, nothing to keep alive, and a node restart costs the agent nothing
//! but the calls that fail while the node is down (they are retried by the caller).

use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use std::{
	fmt,
	io::{Read, Write},
	net::{TcpStream, ToSocketAddrs},
	sync::atomic::{AtomicU64, Ordering},
	time::Duration,
};

/// Why a JSON-RPC call failed.
#[derive(Debug)]
pub enum RpcError {
	/// The endpoint URL could not be understood.
	Url(String),
	/// Connecting, writing or reading failed (node down, timeout, ...).
	Io(std::io::Error),
	/// The HTTP response was not a well-formed 200 response.
	Http(String),
	/// The node answered with a JSON-RPC error object.
	Rpc {
		/// JSON-RPC error code.
		code: i64,
		/// Error message.
		message: String,
		/// Optional error data, rendered as JSON.
		data: Option<String>,
	},
	/// The result did not have the expected shape.
	Decode(String),
}

impl fmt::Display for RpcError {
	fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
		match self {
			RpcError::Url(u) => write!(f, "bad RPC endpoint {u:?}"),
			RpcError::Io(e) => write!(f, "RPC connection: {e}"),
			RpcError::Http(e) => write!(f, "RPC HTTP: {e}"),
			RpcError::Rpc { code, message, data } => {
				write!(f, "RPC error {code}: {message}")?;
				if let Some(d) = data {
					write!(f, " ({d})")?;
				}
				Ok(())
			}
			RpcError::Decode(e) => write!(f, "RPC result: {e}"),
		}
	}
}

impl std::error::Error for RpcError {}

impl From<std::io::Error> for RpcError {
	fn from(e: std::io::Error) -> Self {
		RpcError::Io(e)
	}
}

/// A JSON-RPC endpoint reached over HTTP.
pub struct RpcClient {
	host: String,
	port: u16,
	path: String,
	timeout: Duration,
	next_id: AtomicU64,
}

impl RpcClient {
	/// Parses `http://host:port[/path]`; `ws://` is accepted and mapped to the same port,
	/// since the node serves both protocols there. A bare `host:port` also works.
	pub fn new(url: &str) -> Result<Self, RpcError> {
		let rest = ["http://", "ws://"]
			.iter()
			.find_map(|scheme| url.strip_prefix(scheme))
			.or_else(|| (!url.contains("://")).then_some(url))
			.ok_or_else(|| RpcError::Url(url.into()))?;
		let (authority, path) = match rest.find('/') {
			Some(i) => (&rest[..i], &rest[i..]),
			None => (rest, "/"),
		};
		let (host, port) = match authority.rsplit_once(':') {
			Some((h, p)) => (h, p.parse::<u16>().map_err(|_| RpcError::Url(url.into()))?),
			None => (authority, 9944),
		};
		if host.is_empty() {
			return Err(RpcError::Url(url.into()));
		}
		Ok(Self {
			host: host.into(),
			port,
			path: path.into(),
			timeout: Duration::from_secs(30),
			next_id: AtomicU64::new(1),
		})
	}

	/// The endpoint as `host:port`, for log lines.
	pub fn endpoint(&self) -> String {
		format!("{}:{}", self.host, self.port)
	}

	/// Calls `method` with positional `params` and deserializes the result.
	pub fn call<T: DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, RpcError> {
		let id = self.next_id.fetch_add(1, Ordering::Relaxed);
		let body = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
		let response = self.post(&body.to_string())?;
		let mut reply: Value = serde_json::from_slice(&response)
			.map_err(|e| RpcError::Decode(format!("{method}: not JSON: {e}")))?;
		if let Some(error) = reply.get("error") {
			return Err(RpcError::Rpc {
				code: error.get("code").and_then(Value::as_i64).unwrap_or_default(),
				message: error.get("message").and_then(Value::as_str).unwrap_or("").into(),
				data: error.get("data").map(|d| d.to_string()),
			});
		}
		let result = reply.get_mut("result").map(Value::take).unwrap_or(Value::Null);
		serde_json::from_value(result).map_err(|e| RpcError::Decode(format!("{method}: {e}")))
	}

	fn post(&self, body: &str) -> Result<Vec<u8>, RpcError> {
		let addr = (self.host.as_str(), self.port)
			.to_socket_addrs()?
			.next()
			.ok_or_else(|| RpcError::Url(self.endpoint()))?;
		let mut stream = TcpStream::connect_timeout(&addr, self.timeout)?;
		stream.set_read_timeout(Some(self.timeout))?;
		stream.set_write_timeout(Some(self.timeout))?;
		let request = format!(
			"POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\n\
			 Accept: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
			self.path,
			self.host,
			self.port,
			body.len(),
			body
		);
		stream.write_all(request.as_bytes())?;
		let mut raw = Vec::new();
		stream.read_to_end(&mut raw)?;
		parse_http_response(&raw)
	}
}

/// Splits an HTTP/1.1 response into status and body; handles `Content-Length`,
/// `Transfer-Encoding: chunked` and read-to-close bodies.
pub(crate) fn parse_http_response(raw: &[u8]) -> Result<Vec<u8>, RpcError> {
	let split = find(raw, b"\r\n\r\n").ok_or_else(|| RpcError::Http("no header end".into()))?;
	let head = String::from_utf8_lossy(&raw[..split]);
	let body = &raw[split + 4..];
	let mut lines = head.split("\r\n");
	let status = lines.next().unwrap_or_default();
	let code = status.split_whitespace().nth(1).unwrap_or_default();
	if code != "200" {
		return Err(RpcError::Http(format!("{status}: {}", String::from_utf8_lossy(body))));
	}
	let mut chunked = false;
	let mut length = None;
	for line in lines {
		let Some((name, value)) = line.split_once(':') else { continue };
		let (name, value) = (name.trim().to_ascii_lowercase(), value.trim());
		if name == "transfer-encoding" && value.eq_ignore_ascii_case("chunked") {
			chunked = true;
		} else if name == "content-length" {
			length = value.parse::<usize>().ok();
		}
	}
	if chunked {
		return dechunk(body);
	}
	match length {
		Some(n) if n <= body.len() => Ok(body[..n].to_vec()),
		Some(n) => Err(RpcError::Http(format!("body cut short: {} of {n} bytes", body.len()))),
		None => Ok(body.to_vec()),
	}
}

fn dechunk(mut body: &[u8]) -> Result<Vec<u8>, RpcError> {
	let mut out = Vec::new();
	loop {
		let line_end = find(body, b"\r\n").ok_or_else(|| RpcError::Http("bad chunk".into()))?;
		let size_text = String::from_utf8_lossy(&body[..line_end]);
		let size_text = size_text.split(';').next().unwrap_or_default().trim().to_string();
		let size = usize::from_str_radix(&size_text, 16)
			.map_err(|_| RpcError::Http(format!("bad chunk size {size_text:?}")))?;
		body = &body[line_end + 2..];
		if size == 0 {
			return Ok(out);
		}
		if body.len() < size {
			return Err(RpcError::Http("chunk cut short".into()));
		}
		out.extend_from_slice(&body[..size]);
		body = body.get(size + 2..).unwrap_or_default();
	}
}

pub(crate) fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
	haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn parses_endpoints() {
		let c = RpcClient::new("http://127.0.0.1:9955").unwrap();
		assert_eq!((c.host.as_str(), c.port, c.path.as_str()), ("127.0.0.1", 9955, "/"));
		let c = RpcClient::new("ws://localhost:1234/rpc").unwrap();
		assert_eq!((c.host.as_str(), c.port, c.path.as_str()), ("localhost", 1234, "/rpc"));
		let c = RpcClient::new("node.example").unwrap();
		assert_eq!(c.port, 9944);
		assert!(RpcClient::new("https://x:1").is_err());
		assert!(RpcClient::new("http://:1").is_err());
		assert!(RpcClient::new("http://x:notaport").is_err());
	}

	#[test]
	fn parses_responses() {
		let raw = b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello trailing";
		assert_eq!(parse_http_response(raw).unwrap(), b"hello");
		let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
		assert_eq!(parse_http_response(raw).unwrap(), b"abcde");
		let raw = b"HTTP/1.1 200 OK\r\n\r\nto close";
		assert_eq!(parse_http_response(raw).unwrap(), b"to close");
		let raw = b"HTTP/1.1 503 Busy\r\ncontent-length: 4\r\n\r\nbusy";
		assert!(matches!(parse_http_response(raw), Err(RpcError::Http(m)) if m.contains("503")));
		let raw = b"HTTP/1.1 200 OK\r\ncontent-length: 50\r\n\r\nshort";
		assert!(parse_http_response(raw).is_err());
	}
}
