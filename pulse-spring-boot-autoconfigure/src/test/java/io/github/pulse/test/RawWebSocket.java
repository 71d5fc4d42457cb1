package io.github.pulse.test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

/**
 * A minimal WebSocket client on a plain socket that writes whatever frame bytes a test asks for: invalid UTF-8,
 * reserved opcodes, unmasked frames, stray continuations. The JDK client validates what it sends, so hostile input
 * needs this. Reads server frames one at a time on the calling thread.
 */
public final class RawWebSocket implements AutoCloseable {

	/** Continuation frame. */
	public static final int CONTINUATION = 0x0;

	/** Text frame. */
	public static final int TEXT = 0x1;

	/** Binary frame. */
	public static final int BINARY = 0x2;

	/** Close frame. */
	public static final int CLOSE = 0x8;

	/** Ping frame. */
	public static final int PING = 0x9;

	private static final SecureRandom RANDOM = new SecureRandom();

	private final Socket socket;

	private final DataInputStream in;

	private final OutputStream out;

	private RawWebSocket(Socket socket, DataInputStream in) throws IOException {
		this.socket = socket;
		this.in = in;
		this.out = socket.getOutputStream();
	}

	/** A frame from the server. */
	public record Frame(int opcode, byte[] payload) {

		/** @return the payload as UTF-8 text */
		public String text() {
			return new String(this.payload, StandardCharsets.UTF_8);
		}

		/** @return the close code of a close frame, 1005 if it has none */
		public int closeCode() {
			return (this.payload.length >= 2) ? ((this.payload[0] & 0xff) << 8) | (this.payload[1] & 0xff) : 1005;
		}

		/** @return the close reason of a close frame */
		public String closeReason() {
			return (this.payload.length > 2)
					? new String(this.payload, 2, this.payload.length - 2, StandardCharsets.UTF_8) : "";
		}

	}

	/**
	 * Opens a TCP connection and performs the opening handshake.
	 * @param port the server port
	 * @param pathAndQuery such as {@code /pulse?room=lobby}
	 * @return the connected client
	 * @throws IOException if the handshake does not end in 101
	 */
	public static RawWebSocket connect(int port, String pathAndQuery) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("localhost", port), 10_000);
		socket.setSoTimeout(10_000);
		byte[] nonce = new byte[16];
		RANDOM.nextBytes(nonce);
		String request = "GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost:" + port + "\r\nUpgrade: websocket\r\n"
				+ "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(nonce)
				+ "\r\nSec-WebSocket-Version: 13\r\n\r\n";
		socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
		DataInputStream in = new DataInputStream(socket.getInputStream());
		String head = readHead(in);
		if (!head.startsWith("HTTP/1.1 101")) {
			socket.close();
			throw new IOException("handshake refused: " + head.lines().findFirst().orElse(head));
		}
		return new RawWebSocket(socket, in);
	}

	/**
	 * The server's answer to an opening handshake: its status, headers and body, and the connection if it upgraded.
	 * @param status the HTTP status
	 * @param headers the response headers, names in lower case (a repeated header's values joined with ", ")
	 * @param body what followed the headers of a refusal until the server closed (empty for an upgrade)
	 * @param socket the WebSocket if the status is 101, else {@code null}
	 */
	public record Handshake(int status, java.util.Map<String, String> headers, String body, RawWebSocket socket) {
	}

	/**
	 * Performs an opening handshake from a chosen local address, with extra headers, and returns whatever the server
	 * answered. A refused handshake's connection is read to its end (the request asks the server to close it).
	 * @param localAddress the source address to bind, such as 127.0.0.2, or {@code null} for any
	 * @param port the server port
	 * @param pathAndQuery such as {@code /pulse}
	 * @param headers extra request headers, such as {@code Sec-WebSocket-Protocol}
	 * @return the answer
	 * @throws IOException if the connection fails
	 */
	public static Handshake handshake(java.net.InetAddress localAddress, int port, String pathAndQuery,
			java.util.Map<String, String> headers) throws IOException {
		Socket socket = new Socket();
		if (localAddress != null) {
			socket.bind(new InetSocketAddress(localAddress, 0));
		}
		socket.connect(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port), 10_000);
		socket.setSoTimeout(10_000);
		byte[] nonce = new byte[16];
		RANDOM.nextBytes(nonce);
		StringBuilder request = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\nHost: localhost:" + port
				+ "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: "
				+ Base64.getEncoder().encodeToString(nonce) + "\r\nSec-WebSocket-Version: 13\r\n");
		headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
		socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.US_ASCII));
		DataInputStream in = new DataInputStream(socket.getInputStream());
		String head = readHead(in);
		String[] lines = head.split("\r\n");
		int status = Integer.parseInt(lines[0].split(" ")[1]);
		java.util.Map<String, String> responseHeaders = new java.util.TreeMap<>();
		for (int i = 1; i < lines.length; i++) {
			int colon = lines[i].indexOf(':');
			if (colon > 0) {
				responseHeaders.merge(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
						lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
			}
		}
		if (status == 101) {
			return new Handshake(status, responseHeaders, "", new RawWebSocket(socket, in));
		}
		String body;
		String length = responseHeaders.get("content-length");
		if (length != null) {
			body = new String(in.readNBytes(Integer.parseInt(length)), StandardCharsets.UTF_8);
		}
		else if (responseHeaders.getOrDefault("transfer-encoding", "").contains("chunked")) {
			// an empty chunked body is just its last chunk
			body = new String(in.readNBytes(5), StandardCharsets.US_ASCII).equals("0\r\n\r\n") ? ""
					: "(a non-empty chunked body)";
		}
		else {
			body = "";
		}
		socket.close();
		return new Handshake(status, responseHeaders, body, null);
	}

	private static String readHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		int matched = 0;
		byte[] end = { '\r', '\n', '\r', '\n' };
		while (matched < 4) {
			int b = in.read();
			if (b < 0) {
				throw new EOFException("connection closed during the handshake");
			}
			head.write(b);
			matched = (b == end[matched]) ? matched + 1 : ((b == '\r') ? 1 : 0);
		}
		return head.toString(StandardCharsets.US_ASCII);
	}

	/**
	 * Sends a final, masked text frame with the given bytes, which need not be valid UTF-8.
	 * @param payload the frame payload
	 * @throws IOException if the write fails
	 */
	public void sendText(byte[] payload) throws IOException {
		sendFrame(true, TEXT, payload, true, 0);
	}

	/**
	 * Sends a final, masked text frame.
	 * @param text the text, encoded as UTF-8
	 * @throws IOException if the write fails
	 */
	public void sendText(String text) throws IOException {
		sendText(text.getBytes(StandardCharsets.UTF_8));
	}

	/**
	 * Writes one frame exactly as described.
	 * @param fin the FIN bit
	 * @param opcode the opcode, valid or not
	 * @param payload the payload
	 * @param masked whether to mask it, as every client frame must be
	 * @param rsv the RSV1-3 bits, in their position (0x70 for all three)
	 * @throws IOException if the write fails
	 */
	public synchronized void sendFrame(boolean fin, int opcode, byte[] payload, boolean masked, int rsv)
			throws IOException {
		ByteArrayOutputStream frame = new ByteArrayOutputStream(payload.length + 14);
		frame.write((fin ? 0x80 : 0) | rsv | (opcode & 0x0f));
		int maskBit = masked ? 0x80 : 0;
		if (payload.length < 126) {
			frame.write(maskBit | payload.length);
		}
		else if (payload.length < 65536) {
			frame.write(maskBit | 126);
			frame.write(payload.length >>> 8);
			frame.write(payload.length);
		}
		else {
			frame.write(maskBit | 127);
			for (int shift = 56; shift >= 0; shift -= 8) {
				frame.write((int) ((long) payload.length >>> shift));
			}
		}
		if (masked) {
			byte[] mask = new byte[4];
			RANDOM.nextBytes(mask);
			frame.write(mask);
			byte[] body = payload.clone();
			for (int i = 0; i < body.length; i++) {
				body[i] ^= mask[i & 3];
			}
			frame.write(body);
		}
		else {
			frame.write(payload);
		}
		this.out.write(frame.toByteArray());
		this.out.flush();
	}

	/**
	 * Reads the next frame from the server.
	 * @param timeout how long to wait
	 * @return the frame, or {@code null} if the server closed the TCP connection
	 * @throws SocketTimeoutException if no frame arrives in time
	 * @throws IOException if the read fails
	 */
	public Frame read(Duration timeout) throws IOException {
		return read(timeout, null);
	}

	/**
	 * Reads the next frame from the server, inflating it if it is compressed (RSV1, permessage-deflate).
	 * @param timeout how long to wait
	 * @param inflater the connection's inflater (raw deflate, kept across frames for the context takeover), or
	 * {@code null} if compression was not negotiated
	 * @return the frame, inflated, or {@code null} if the server closed the TCP connection
	 * @throws IOException if the read fails or a compressed frame arrives without an inflater
	 */
	public Frame read(Duration timeout, java.util.zip.@org.jspecify.annotations.Nullable Inflater inflater)
			throws IOException {
		this.socket.setSoTimeout((int) timeout.toMillis());
		int first;
		try {
			first = this.in.read();
		}
		catch (java.net.SocketException ex) {
			return null;
		}
		if (first < 0) {
			return null;
		}
		byte[] payload = readPayload();
		if ((first & 0x40) != 0) {
			if (inflater == null) {
				throw new IOException("compressed frame (RSV1) although compression was not negotiated");
			}
			payload = inflate(inflater, payload);
		}
		return new Frame(first & 0x0f, payload);
	}

	private static byte[] inflate(java.util.zip.Inflater inflater, byte[] payload) throws IOException {
		byte[] input = java.util.Arrays.copyOf(payload, payload.length + 4);
		input[payload.length + 2] = (byte) 0xff;
		input[payload.length + 3] = (byte) 0xff;
		inflater.setInput(input);
		ByteArrayOutputStream out = new ByteArrayOutputStream(payload.length * 4);
		byte[] chunk = new byte[8192];
		try {
			int n;
			while ((n = inflater.inflate(chunk)) > 0) {
				out.write(chunk, 0, n);
			}
		}
		catch (java.util.zip.DataFormatException ex) {
			throw new IOException(ex);
		}
		return out.toByteArray();
	}

	/**
	 * Compresses a message as permessage-deflate does (raw deflate, flushed, without the final 4 bytes), for a frame
	 * with RSV1 set.
	 * @param message the message
	 * @return the compressed payload
	 */
	public static byte[] deflate(byte[] message) {
		java.util.zip.Deflater deflater = new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION, true);
		deflater.setInput(message);
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		byte[] chunk = new byte[8192];
		int n;
		while ((n = deflater.deflate(chunk, 0, chunk.length, java.util.zip.Deflater.SYNC_FLUSH)) > 0) {
			out.write(chunk, 0, n);
		}
		deflater.end();
		byte[] all = out.toByteArray();
		return java.util.Arrays.copyOf(all, all.length - 4);
	}

	/** Reads the length and payload of a server frame (unmasked) whose first byte has been read. */
	private byte[] readPayload() throws IOException {
		int second = this.in.readUnsignedByte();
		long length = second & 0x7f;
		if (length == 126) {
			length = this.in.readUnsignedShort();
		}
		else if (length == 127) {
			length = this.in.readLong();
		}
		byte[] payload = new byte[(int) length];
		this.in.readFully(payload);
		return payload;
	}

	/**
	 * Next text frame, skipping pings and pongs.
	 * @return its text
	 * @throws IOException if the read fails, times out, or a close frame or the end of the stream comes first
	 */
	public String nextText() throws IOException {
		while (true) {
			Frame frame = read(Duration.ofSeconds(10));
			if (frame == null || frame.opcode() == CLOSE) {
				throw new IOException("closed while waiting for text: " + ((frame != null)
						? frame.closeCode() + " " + frame.closeReason() : "end of stream"));
			}
			if (frame.opcode() == TEXT) {
				return frame.text();
			}
		}
	}

	/**
	 * Next complete text message, reassembled from continuation frames, skipping pings and pongs.
	 * @param timeout how long to wait for each frame
	 * @return the message, or {@code null} at a close frame or the end of the stream
	 * @throws IOException if the read fails or times out
	 */
	public String nextMessage(Duration timeout) throws IOException {
		java.io.ByteArrayOutputStream message = null;
		while (true) {
			this.socket.setSoTimeout((int) timeout.toMillis());
			int first = this.in.read();
			if (first < 0) {
				return null;
			}
			byte[] payload = readPayload();
			int opcode = first & 0x0f;
			if (opcode == CLOSE) {
				return null;
			}
			if (opcode == TEXT || (opcode == 0 && message != null)) {
				if (message == null) {
					message = new java.io.ByteArrayOutputStream();
				}
				message.write(payload);
				if ((first & 0x80) != 0) {
					return message.toString(java.nio.charset.StandardCharsets.UTF_8);
				}
			}
		}
	}

	/**
	 * Reads until the server's close frame, skipping other frames.
	 * @return the close frame, or {@code null} if the TCP connection ended without one
	 * @throws IOException if the read fails or times out
	 */
	public Frame awaitClose() throws IOException {
		while (true) {
			Frame frame = read(Duration.ofSeconds(10));
			if (frame == null || frame.opcode() == CLOSE) {
				return frame;
			}
		}
	}

	/**
	 * Closes the socket without a close frame.
	 */
	@Override
	public void close() {
		try {
			this.socket.close();
		}
		catch (IOException ex) {
			// nothing to do
		}
	}

}
